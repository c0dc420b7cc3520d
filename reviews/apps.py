from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # The report PDF is rendered by the documents app's workers (reviews.document_kinds).
        from .document_kinds import register

        register()

        # The dashboard's to-do cards (orgunits.todos: the dashboard cannot import upward).
        from .todos import register_todos

        register_todos()

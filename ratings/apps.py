from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Ratings")

    def ready(self) -> None:
        # Minutes and decisions are rendered by the documents app's workers.
        from .document_kinds import register

        register()

        # The dashboard's to-do cards (orgunits.todos: the dashboard cannot import upward).
        from .todos import register_todos

        register_todos()

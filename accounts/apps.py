from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts and sessions")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the login/logout receivers)
        from .admin_labels import translate_admin

        translate_admin()

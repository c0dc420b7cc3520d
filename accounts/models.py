"""Sign-in sessions a user can see and end, and the audit of password-reset links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One signed-in browser. Kept so the user can list their sessions and end them all.

    `last_seen` is refreshed at most once a minute and no request path is stored, so the table
    cannot tell which page (for example an anonymous comment) a session opened.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in"))
    last_seen = models.DateTimeField(_("last active"))
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen"]


class PasswordResetLink(models.Model):
    """Audit row: an administrator issued a one-time password-reset link for a user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]

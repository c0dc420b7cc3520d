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


class AccountActivation(models.Model):
    """A one-time activation code handed to a person (printed slip or link) so they choose
    their own password; only a keyed hash of the code is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-issued_at"]


class AccountEvent(models.Model):
    """Audit of account changes made in the app (not in the Django admin)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Account created")
        ACTIVATION_ISSUED = "activation_issued", _("Activation code issued")
        ACTIVATED = "activated", _("Account activated")
        DEACTIVATED = "deactivated", _("Account deactivated")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]

"""Keep the list of a user's sessions in step with sign-in and sign-out."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from . import services


@receiver(user_logged_in, dispatch_uid="accounts_record_sign_in")
def _record_sign_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    services.record_sign_in(
        user=user,
        session=request.session,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        ip_address=getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR"),
        now=timezone.now(),
    )


@receiver(user_logged_out, dispatch_uid="accounts_forget_session")
def _forget_session(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        services.forget_session(session_key=request.session.session_key)

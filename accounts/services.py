"""Sessions and password-reset links: the only place their state changes."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from orgunits.models import Person

from .exceptions import CannotResetPassword
from .models import PasswordResetLink, UserSession
from .permissions import can_issue_reset_link

# Session keys set at sign-in and on activity (epoch seconds).
SIGNED_IN_AT = "kd_signed_in_at"
SEEN_AT = "kd_seen_at"
# Activity is written back at most this often: a write per request would cost every page.
TOUCH_EVERY = dt.timedelta(minutes=1)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def record_sign_in(
    *, user: AbstractBaseUser, session, user_agent: str, ip_address: str | None, now: dt.datetime
) -> UserSession:
    """Remember the new session so the user can list and end it; start both clocks."""
    session[SIGNED_IN_AT] = now.timestamp()
    session[SEEN_AT] = now.timestamp()
    if session.session_key is None:
        session.save()
    found, _created = UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "created_at": now,
            "last_seen": now,
            "user_agent": user_agent[:200],
            "ip_address": ip_address,
        },
    )
    return found


def expiry_reason(session, now: dt.datetime) -> str | None:
    """Why this signed-in session has ended (idle or past its lifetime), or None."""
    signed_in = session.get(SIGNED_IN_AT)
    seen = session.get(SEEN_AT)
    if signed_in is None or seen is None:
        return None  # a session from before these limits: start counting now (touch_session)
    idle = dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    lifetime = dt.timedelta(hours=settings.SESSION_MAX_HOURS)
    if now.timestamp() - float(seen) > idle.total_seconds():
        return _(
            "You were signed out after %(minutes)d minutes without activity. Sign in again."
        ) % {"minutes": settings.SESSION_IDLE_MINUTES}
    if now.timestamp() - float(signed_in) > lifetime.total_seconds():
        return _("Your session lasted %(hours)d hours, the longest allowed. Sign in again.") % {
            "hours": settings.SESSION_MAX_HOURS
        }
    return None


def touch_session(*, session, now: dt.datetime) -> None:
    """Record activity, writing at most once a minute (no page address is kept)."""
    seen = session.get(SEEN_AT)
    if session.get(SIGNED_IN_AT) is None:
        session[SIGNED_IN_AT] = now.timestamp()
    if seen is not None and now.timestamp() - float(seen) < TOUCH_EVERY.total_seconds():
        return
    session[SEEN_AT] = now.timestamp()
    if session.session_key:
        UserSession.objects.filter(session_key=session.session_key).update(last_seen=now)


def forget_session(*, session_key: str | None) -> None:
    """The session was ended (sign-out, expiry): drop its row."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def end_all_sessions(*, user: AbstractBaseUser) -> int:
    """Sign `user` out in every browser; returns how many sessions were ended."""
    store = _session_store()
    keys = list(
        UserSession.objects.select_for_update()
        .filter(user=user)
        .values_list("session_key", flat=True)
    )
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def issue_password_reset_link(*, actor: AbstractBaseUser, person: Person, now: dt.datetime) -> str:
    """A one-time link (valid until used or PASSWORD_RESET_TIMEOUT) to set a new password.

    The token is Django's: it stops working once the password changes, so it serves once.
    Every issue is recorded with who issued it.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(pk=person.user_id, is_active=True).first()
    if user is None:
        raise CannotResetPassword(_("This person has no active account."))
    if not can_issue_reset_link(actor, person):
        raise CannotResetPassword(_("You may not reset passwords for this person."))
    if user.pk == actor.pk:
        raise CannotResetPassword(_("Change your own password from your account page."))
    PasswordResetLink.objects.create(user=user, issued_by=actor, issued_at=now)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})

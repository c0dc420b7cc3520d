"""The second factor (TOTP, with one-time recovery codes) for the users who approve.

Who: anyone holding the competent-authority or administrator role (they decide, publish,
cancel, grant quota exceptions, administer) and superusers. When: once per session before
any page, and again within SECOND_FACTOR_RECENT_MINUTES before each decision or publication.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgunits.selectors import role_paths

from .exceptions import WrongSecondFactorCode

APPROVER_PERMISSIONS = ("decide", "administer")
VERIFIED_AT = "kd_second_factor_at"
RECOVERY_CODE_COUNT = 10
_DEVICE_NAME = "kiemdiem"


def is_required() -> bool:
    return bool(settings.SECOND_FACTOR_REQUIRED)


def needs_second_factor(user: AbstractBaseUser) -> bool:
    """True for users whose role lets them decide, publish or administer."""
    if not user.is_authenticated or not is_required():
        return False
    if user.is_superuser:
        return True
    held = role_paths(user)
    return any(held.get(codename) for codename in APPROVER_PERMISSIONS)


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: AbstractBaseUser) -> TOTPDevice:
    """The authenticator being set up (created on first use; its key stays until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_DEVICE_NAME, confirmed=False)
    return device


def is_recent(session, now: dt.datetime) -> bool:
    """Was the code entered within SECOND_FACTOR_RECENT_MINUTES?"""
    at = session.get(VERIFIED_AT)
    window = dt.timedelta(minutes=settings.SECOND_FACTOR_RECENT_MINUTES)
    return at is not None and now.timestamp() - float(at) <= window.total_seconds()


@transaction.atomic
def confirm_device(*, request, token: str, now: dt.datetime) -> list[str]:
    """Check the first code of the authenticator being set up; on success the device is
    confirmed, the session verified, and fresh recovery codes are returned (shown once)."""
    device = pending_device(request.user)
    if not device.verify_token(_digits(token)):
        raise WrongSecondFactorCode(_("The code is wrong or has expired. Try the current one."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
    _mark_verified(request, device, now)
    return _new_recovery_codes(request.user)


def verify(*, request, token: str, now: dt.datetime) -> None:
    """Accept a current authenticator code or an unused recovery code (which is then spent)."""
    cleaned = token.strip().replace(" ", "")
    device = confirmed_device(request.user)
    if device is not None and device.verify_token(_digits(cleaned)):
        _mark_verified(request, device, now)
        return
    static = StaticDevice.objects.filter(user=request.user, name=_DEVICE_NAME).first()
    if static is not None and cleaned and static.verify_token(cleaned.lower()):
        _mark_verified(request, static, now)
        return
    raise WrongSecondFactorCode(_("The code is wrong or has expired. Try the current one."))


@transaction.atomic
def regenerate_recovery_codes(*, user: AbstractBaseUser) -> list[str]:
    """Replace every recovery code with ten new ones (the old ones stop working)."""
    return _new_recovery_codes(user)


def remaining_recovery_codes(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=_DEVICE_NAME).count()


def _new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=_DEVICE_NAME)
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _mark_verified(request, device, now: dt.datetime) -> None:
    otp_login(request, device)
    request.session[VERIFIED_AT] = now.timestamp()


def _digits(token: str) -> str:
    digits = "".join(ch for ch in token if ch.isdigit())
    return digits if len(digits) == 6 else ""

"""Logins for people on the roster: created in bulk, activated by the person with a one-time
code (no shared passwords), deactivated when they leave."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from orgunits.models import OrgUnit, Person
from orgunits.selectors import has_role_on, role_paths
from orgunits.text import search_key

from .exceptions import ActivationFailed, CannotManageAccounts
from .models import AccountActivation, AccountEvent
from .permissions import can_manage_accounts
from .services import end_all_sessions

ACTIVATION_DAYS = 14
MAX_FAILED_ATTEMPTS = 5
# Unambiguous characters only (no 0/O, 1/I/L): the code is typed from a printed slip.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


@dataclass(frozen=True)
class ActivationSlip:
    """What the person receives: shown once, never stored in clear."""

    person: Person
    username: str
    code: str
    expires_at: dt.datetime


def _hash(code: str) -> str:
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def _username_for(person: Person, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", search_key(person.code).replace(" ", "")) or "canbo"
    base = base[:140]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _may_reopen(actor: AbstractBaseUser, unit: OrgUnit, user: AbstractBaseUser) -> bool:
    """A secretary hands out first codes and closes plain members' logins; re-opening a login
    its owner already used, or touching a role holder's, is for administrators only — else a
    secretary could close a colleague's login, issue a new code and sign in as them."""
    if has_role_on(actor, unit, ["administer"]):
        return True
    if role_paths(user):
        return False
    return not AccountEvent.objects.filter(user=user, kind="activated").exists()


@transaction.atomic
def issue_activations(
    *, actor: AbstractBaseUser, unit: OrgUnit, people: list[Person], now: dt.datetime
) -> list[ActivationSlip]:
    """Create (or re-open) a login for each person and give each a one-time activation code.

    People who already signed in with their own password are left alone. Earlier unused codes
    of the same person stop working.
    """
    if not can_manage_accounts(actor, unit):
        raise CannotManageAccounts(_("You may not manage the accounts of this unit."))
    user_model = get_user_model()
    taken = set(
        user_model.objects.filter(
            username__in=[_username_for(p, set()) for p in people]
        ).values_list("username", flat=True)
    )
    slips: list[ActivationSlip] = []
    for person in people:
        user = person.user
        if user is not None and user.is_active and user.has_usable_password():
            continue
        if user is not None and not _may_reopen(actor, unit, user):
            continue
        if user is None:
            username = _username_for(person, taken)
            taken.add(username)
            user = user_model(username=username, email=person.email, is_active=True)
            user.set_unusable_password()
            user.save()
            person.user = user
            person.save(update_fields=["user", "updated_at"])
            AccountEvent.objects.create(user=user, actor=actor, kind="created", at=now)
        else:
            user.is_active = True
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
        AccountActivation.objects.filter(user=user, used_at=None).update(expires_at=now)
        code = _new_code()
        expires = now + dt.timedelta(days=ACTIVATION_DAYS)
        AccountActivation.objects.create(
            user=user, code_hash=_hash(code), issued_by=actor, issued_at=now, expires_at=expires
        )
        AccountEvent.objects.create(user=user, actor=actor, kind="activation_issued", at=now)
        slips.append(ActivationSlip(person, user.username, code, expires))
    return slips


def activate_account(
    *, username: str, code: str, password: str, password_again: str, now: dt.datetime
) -> AbstractBaseUser:
    """The person sets their own password with their code; the code then stops working.

    A wrong code counts against the code (outside the transaction that a refusal rolls back):
    after MAX_FAILED_ATTEMPTS the code is dead and a new one must be issued.
    """
    wrong = _("The user name or the activation code is wrong, used or expired.")
    user = get_user_model().objects.filter(username=username.strip()[:150]).first()
    found = (
        AccountActivation.objects.filter(user=user, used_at=None, expires_at__gt=now).first()
        if user is not None
        else None
    )
    if found is None or found.failed_attempts >= MAX_FAILED_ATTEMPTS:
        raise ActivationFailed(wrong)
    if not hmac.compare_digest(found.code_hash, _hash(code[:64])):
        AccountActivation.objects.filter(pk=found.pk).update(
            failed_attempts=F("failed_attempts") + 1
        )
        raise ActivationFailed(wrong)
    if password != password_again:
        raise ActivationFailed(_("The two passwords differ."))
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ActivationFailed(" ".join(error.messages)) from None
    with transaction.atomic():
        locked = AccountActivation.objects.select_for_update().get(pk=found.pk)
        if locked.used_at is not None:  # two tabs: the first one won
            raise ActivationFailed(wrong)
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        locked.used_at = now
        locked.save(update_fields=["used_at"])
        AccountEvent.objects.create(user=user, actor=user, kind="activated", at=now)
    return user


@transaction.atomic
def deactivate_accounts(
    *, actor: AbstractBaseUser, unit: OrgUnit, people: list[Person], now: dt.datetime
) -> int:
    """Close the logins of people who left: signed out everywhere, unable to sign in."""
    if not can_manage_accounts(actor, unit):
        raise CannotManageAccounts(_("You may not manage the accounts of this unit."))
    closed = 0
    for person in people:
        user = person.user
        if user is None or not user.is_active or user.pk == actor.pk:
            continue
        if role_paths(user) and not has_role_on(actor, unit, ["administer"]):
            continue  # a role holder's login is closed by an administrator
        user.is_active = False
        user.save(update_fields=["is_active"])
        end_all_sessions(user=user)
        AccountActivation.objects.filter(user=user, used_at=None).update(expires_at=now)
        AccountEvent.objects.create(user=user, actor=actor, kind="deactivated", at=now)
        closed += 1
    return closed

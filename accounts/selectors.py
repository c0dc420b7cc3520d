"""Reads about the signed-in user's own sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from .models import AccountActivation, UserSession


def sessions_of(user: AbstractBaseUser) -> QuerySet[UserSession]:
    """The user's own signed-in sessions, most recently active first."""
    return UserSession.objects.filter(user=user).order_by("-last_seen")


@dataclass(frozen=True)
class AccountRow:
    person: Any
    state: str  # "none", "waiting" (code issued), "active", "closed"
    left_on: dt.date | None  # the membership ended: a leaver whose login should close


def unit_accounts(unit) -> list[AccountRow]:
    """The unit's members (current first, then leavers) with the state of their login, in
    name order; three queries whatever the size of the unit."""
    from orgunits.models import Membership

    today = timezone.localdate()
    members = (
        Membership.objects.filter(unit=unit)
        .select_related("person__user")
        .order_by("person__given_name", "person__full_name", "person__pk")
    )
    pending = set(
        AccountActivation.objects.filter(
            user__person__memberships__unit=unit, used_at=None, expires_at__gt=timezone.now()
        ).values_list("user_id", flat=True)
    )
    rows: dict[int, AccountRow] = {}
    for membership in members:
        person = membership.person
        ended = membership.end_date is not None and membership.end_date < today
        left_on = membership.end_date if ended else None
        known = rows.get(person.pk)
        if known is not None and (known.left_on is None or left_on is not None):
            continue
        rows[person.pk] = AccountRow(person, _state(person.user, pending), left_on)
    return sorted(rows.values(), key=lambda row: row.left_on is not None)


def _state(user, pending: set[int]) -> str:
    if user is None:
        return "none"
    if not user.is_active:
        return "closed"
    if user.has_usable_password():
        return "active"
    return "waiting" if user.pk in pending else "none"

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ..exceptions import UserAlreadyLinked
from ..models import Membership, OrgUnit, Person


@transaction.atomic
def create_person(*, code: str, full_name: str, **fields: Any) -> Person:
    """Create a person; the name is stored in NFC with its sort and search keys."""
    person = Person(code=code, full_name=full_name, **fields)
    person.full_clean(exclude=["user"])
    person.save()
    return person


@transaction.atomic
def add_membership(
    *,
    person: Person,
    unit: OrgUnit,
    role: str,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Membership:
    """Place a person in a unit with a role (idempotent on person, unit and role)."""
    membership, _ = Membership.objects.update_or_create(
        person=person,
        unit=unit,
        role=role,
        defaults={"start_date": start_date, "end_date": end_date},
    )
    return membership


@transaction.atomic
def link_user(*, person: Person, user: AbstractBaseUser) -> Person:
    """Attach a login to a person; one login belongs to one person."""
    other = Person.objects.filter(user=user).exclude(pk=person.pk).first()
    if other is not None:
        raise UserAlreadyLinked(f"Tài khoản này đã gắn với {other.full_name}.")
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return person

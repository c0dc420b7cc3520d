"""The list of cadres managed by the Central Committee (cán bộ thuộc diện Trung ương quản lý).

The organisation board keeps it before each season: enrolment reads it to put a person in that
subject class (their own framework, form and quarterly assessment). Changes are audited by
pghistory; a period already enrolled picks a change up at its next enrolment run.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from orgunits import limits
from orgunits.models import Person
from orgunits.text import nfc

from ..exceptions import TextTooLong
from ..models import CentralCadre


@transaction.atomic
def set_central_cadre(
    *, person: Person, user: AbstractBaseUser, is_central: bool, basis: str = ""
) -> CentralCadre | None:
    """Put the person on the list with the basis given (the appointing decision), or take them
    off it; returns the entry, None once removed."""
    basis = limits.check_text(
        nfc(basis).strip(), kind="short_text", label="Căn cứ", error=TextTooLong
    )
    if not is_central:
        CentralCadre.objects.filter(person=person).delete()
        return None
    cadre, _created = CentralCadre.objects.update_or_create(
        person=person, defaults={"basis": basis}
    )
    return cadre

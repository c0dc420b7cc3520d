"""Yes/no answers about what a user may do with the organisation tree.

Visibility (404 when outside the scope) is the selectors' job; these answer 403 questions.
"""

from __future__ import annotations

from .models import OrgUnit, Person
from .selectors import AnyUser, has_role_on, people_visible_to, units_visible_to


def can_view_unit(user: AnyUser, unit: OrgUnit) -> bool:
    return units_visible_to(user).filter(pk=unit.pk).exists()


def can_view_person(user: AnyUser, person: Person) -> bool:
    return people_visible_to(user).filter(pk=person.pk).exists()


def can_browse_people(user: AnyUser) -> bool:
    """Anyone signed in may open the person list; it shows only their scope."""
    return user.is_authenticated


def can_import_roster(user: AnyUser, unit: OrgUnit) -> bool:
    """Organisation officers and administrators maintain the roster of their subtree."""
    return has_role_on(user, unit, ["appraise", "administer"])


def can_manage_roles(user: AnyUser, unit: OrgUnit) -> bool:
    return has_role_on(user, unit, ["administer"])

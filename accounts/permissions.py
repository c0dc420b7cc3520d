"""Yes/no answers about accounts."""

from __future__ import annotations

from orgunits.models import Person
from orgunits.selectors import AnyUser, has_role_on


def can_issue_reset_link(user: AnyUser, person: Person) -> bool:
    """Administrators of a unit where the person is (or was) a member."""
    if not user.is_authenticated:
        return False
    return any(
        has_role_on(user, membership.unit, ["administer"])
        for membership in person.memberships.select_related("unit")
    )


def can_manage_accounts(user: AnyUser, unit) -> bool:
    """Administrators of the unit (or above) and the unit's own secretary."""
    return has_role_on(user, unit, ["administer", "run_review"])

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from ..exceptions import RoleChangeRefused
from ..models import OrgUnit, RoleChange
from ..roles import ROLE_PERMISSION
from ..selectors import forget_role_cache, has_role_on, people_visible_to


@transaction.atomic
def grant_role(
    *,
    user: AbstractBaseUser,
    unit: OrgUnit,
    role: str,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
) -> None:
    """Give the user a role on the unit and, through it, on the unit's subtree (audited)."""
    assign_perm(f"orgunits.{ROLE_PERMISSION[role]}", user, unit)
    RoleChange.objects.create(
        user=user,
        unit=unit,
        role=role,
        action=RoleChange.Action.GRANTED,
        actor=actor,
        reason=reason,
    )
    forget_role_cache(user)


@transaction.atomic
def revoke_role(
    *,
    user: AbstractBaseUser,
    unit: OrgUnit,
    role: str,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
) -> None:
    """Withdraw a role granted on the unit (grants on other units stay; audited)."""
    remove_perm(f"orgunits.{ROLE_PERMISSION[role]}", user, unit)
    RoleChange.objects.create(
        user=user,
        unit=unit,
        role=role,
        action=RoleChange.Action.REVOKED,
        actor=actor,
        reason=reason,
    )
    forget_role_cache(user)


@transaction.atomic
def change_role_on_unit(
    *,
    actor: AbstractBaseUser,
    unit: OrgUnit,
    username: str,
    role: str,
    grant: bool,
    reason: str,
) -> AbstractBaseUser:
    """An administrator of `unit` grants or withdraws a role of a person in their scope."""
    if not has_role_on(actor, unit, ["administer"]):
        raise RoleChangeRefused(_("Only an administrator of the unit grants or withdraws roles."))
    if role not in ROLE_PERMISSION:
        raise RoleChangeRefused(_("Choose a role from the list."))
    if not reason.strip():
        raise RoleChangeRefused(_("Write the reason (for example the decision that assigns it)."))
    user = (
        get_user_model()
        .objects.filter(
            username=username.strip()[:150],
            is_active=True,
            person__in=people_visible_to(actor),
        )
        .first()
    )
    if user is None:
        raise RoleChangeRefused(
            _("No active login with that user name among the people you manage.")
        )
    if user.pk == actor.pk and not grant:
        raise RoleChangeRefused(_("Another administrator must withdraw your own role."))
    change = grant_role if grant else revoke_role
    change(user=user, unit=unit, role=role, actor=actor, reason=reason.strip()[:500])
    return user

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from ..models import OrgUnit, RoleChange
from ..roles import ROLE_PERMISSION
from ..selectors import forget_role_cache


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

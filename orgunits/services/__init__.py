"""Every change to the organisation tree, its people and roles goes through these functions."""

from .people import add_membership, create_person, link_user
from .roles import change_role_on_unit, grant_role, revoke_role
from .tree import create_unit

__all__ = [
    "add_membership",
    "change_role_on_unit",
    "create_person",
    "create_unit",
    "grant_role",
    "link_user",
    "revoke_role",
]

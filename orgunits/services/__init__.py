"""Every change to the organisation tree, its people and roles goes through these functions."""

from .people import add_membership, create_person, link_user
from .roles import grant_role, revoke_role
from .tree import create_unit

__all__ = [
    "add_membership",
    "create_person",
    "create_unit",
    "grant_role",
    "link_user",
    "revoke_role",
]

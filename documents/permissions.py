"""Who may ask for, watch and download a document: whoever may see its object."""

from __future__ import annotations

from typing import Any

from . import registry


def can_read_document(user: Any, kind: str, object_id: int) -> bool:
    """The owning app's answer for this object; False for unknown kinds and anonymous users."""
    if not user.is_authenticated:
        return False
    try:
        entry = registry.get(kind)
    except registry.UnknownKind:
        return False
    return bool(entry.can_access(user, object_id))

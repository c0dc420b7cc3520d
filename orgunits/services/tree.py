from __future__ import annotations

from django.db import transaction

from ..exceptions import UnitCodeTaken
from ..models import OrgUnit, UnitKind
from ..text import nfc


@transaction.atomic
def create_unit(
    *,
    code: str,
    name: str,
    kind: str = UnitKind.OTHER,
    parent: OrgUnit | None = None,
    staff_count: int = 0,
    is_active: bool = True,
    has_special_calendar: bool = False,
) -> OrgUnit:
    """Create a unit as a root or as the last child of `parent`."""
    code = nfc(code)
    if OrgUnit.objects.filter(code=code).exists():
        raise UnitCodeTaken(f"Mã đơn vị «{code}» đã tồn tại.")
    fields = {
        "code": code,
        "name": nfc(name),
        "kind": kind,
        "staff_count": staff_count,
        "is_active": is_active,
        "has_special_calendar": has_special_calendar,
    }
    if parent is None:
        return OrgUnit.objects.add_root(create_kwargs=fields)
    # Re-read the parent: treebeard needs its current numchild to place the child.
    parent = OrgUnit.objects.select_for_update().get(pk=parent.pk)
    return OrgUnit.objects.add_child(parent, create_kwargs=fields)

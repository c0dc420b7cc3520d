"""Checking a roster: parse each row, check it against the file and the database, plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q
from django.utils import timezone

from ...models import Membership, OrgUnit, PartyStatus, Person
from ...selectors import units_with_role
from ...text import given_name
from .reading import _Cells, _Problems, _Sheet
from .tables import (
    _GENDERS,
    _KINDS,
    _ROLES,
    _STATUSES,
    GENDER_LABELS,
    PARTY_STATUS_LABELS,
    PEOPLE,
    ROLE_LABELS,
    TABLES,
    UNIT_KIND_LABELS,
    UNITS,
    Table,
)


@dataclass
class _UnitRow:
    row: int
    code: str
    parent_code: str
    values: dict[str, Any]


@dataclass
class _PersonRow:
    row: int
    code: str
    values: dict[str, Any]


@dataclass
class _MembershipRow:
    row: int
    person_code: str
    unit_code: str
    role: str
    values: dict[str, Any]


def _parse_units(sheet: _Sheet, problems: _Problems) -> list[_UnitRow]:
    rows: dict[str, _UnitRow] = {}
    for row in sheet.rows:
        cells = _Cells(sheet, row, problems)
        code = cells.text("code", required=True, max_length=64)
        values: dict[str, Any] = {
            "name": cells.text("name", required=True),
            "kind": cells.choice("kind", _KINDS, UNIT_KIND_LABELS, required=True),
        }
        # A column left out of the file leaves that field of existing units as it is.
        if cells.has("staff_count"):
            values["staff_count"] = cells.count("staff_count")
        if cells.has("is_active"):
            values["is_active"] = cells.boolean("is_active", default=True)
        if cells.has("has_special_calendar"):
            values["has_special_calendar"] = cells.boolean("has_special_calendar", default=False)
        parent_code = cells.text("parent_code", max_length=64)
        if not code:
            continue
        if code in rows:
            cells.fail("code", f"Mã đơn vị «{code}» trùng với dòng {rows[code].row}.")
            continue
        rows[code] = _UnitRow(row.number, code, parent_code, values)
    return list(rows.values())


def _parse_people(sheet: _Sheet, problems: _Problems) -> list[_PersonRow]:
    rows: dict[str, _PersonRow] = {}
    today = timezone.localdate()
    for row in sheet.rows:
        cells = _Cells(sheet, row, problems)
        code = cells.text("code", required=True, max_length=64)
        full_name = cells.text("full_name", required=True)
        if len(given_name(full_name)) > 64:
            cells.fail("full_name", "Tên (từ cuối của họ và tên) dài quá 64 ký tự.")
        values: dict[str, Any] = {"full_name": full_name}
        if cells.has("birth_date"):
            birth_date = values["birth_date"] = cells.date("birth_date")
            if birth_date and birth_date > today:
                cells.fail("birth_date", "Ngày sinh ở tương lai.")
        if cells.has("gender"):
            values["gender"] = cells.choice("gender", _GENDERS, GENDER_LABELS)
        if cells.has("email"):
            values["email"] = cells.email("email")
        if cells.has("is_party_member"):
            values["is_party_member"] = cells.boolean("is_party_member", default=False)
        if cells.has("party_admission_date"):
            values["party_admission_date"] = cells.date("party_admission_date")
        if cells.has("party_status"):
            values["party_status"] = cells.choice(
                "party_status", _STATUSES, PARTY_STATUS_LABELS, default=PartyStatus.ACTIVE
            )
        if cells.has("works_in_political_system"):
            values["works_in_political_system"] = cells.boolean(
                "works_in_political_system", default=True
            )
        if cells.has("has_leadership_post"):
            values["has_leadership_post"] = cells.boolean("has_leadership_post", default=False)
        if not code:
            continue
        if code in rows:
            cells.fail("code", f"Mã cán bộ «{code}» trùng với dòng {rows[code].row}.")
            continue
        rows[code] = _PersonRow(row.number, code, values)
    return list(rows.values())


def _parse_memberships(sheet: _Sheet, problems: _Problems) -> list[_MembershipRow]:
    rows: dict[tuple[str, str, str], _MembershipRow] = {}
    for row in sheet.rows:
        cells = _Cells(sheet, row, problems)
        person_code = cells.text("person_code", required=True, max_length=64)
        unit_code = cells.text("unit_code", required=True, max_length=64)
        role = cells.choice("role", _ROLES, ROLE_LABELS, required=True)
        values: dict[str, Any] = {}
        for key in ("start_date", "end_date"):
            if cells.has(key):
                values[key] = cells.date(key)
        if cells.has("is_temporary"):
            values["is_temporary"] = cells.boolean("is_temporary", default=False)
        if not (person_code and unit_code and role):
            continue
        key = (person_code, unit_code, role)
        if key in rows:
            cells.fail("role", f"Trùng với dòng {rows[key].row} (cùng cán bộ, đơn vị, vai trò).")
            continue
        rows[key] = _MembershipRow(row.number, person_code, unit_code, role, values)
    return list(rows.values())


@dataclass
class _Plan:
    target: OrgUnit
    units: list[_UnitRow]
    people: list[_PersonRow]
    memberships: list[_MembershipRow]
    units_by_code: dict[str, OrgUnit]  # existing units the file refers to, and the target
    people_by_code: dict[str, Person]
    memberships_by_key: dict[tuple[str, str, str], Membership] = field(default_factory=dict)
    # Who imports: None for the command line, run by the server's operator.
    by: AbstractBaseUser | None = None

    def inside(self, unit: OrgUnit) -> bool:
        return unit.path.startswith(self.target.path)

    def owned_elsewhere(self, person_ids: list[int]) -> set[int]:
        """The people among `person_ids` whose record belongs to another unit: every one of
        their memberships lies outside the target and outside the importer's own roster scope
        (an officer of both units consents for both; an administrator for all). People with
        no membership belong to no one yet."""
        if not person_ids or self.by is None or self.by.is_superuser:
            return set()
        reachable = Q(unit__path__startswith=self.target.path) | Q(
            unit__in=units_with_role(self.by, ROSTER_ROLES)
        )
        return set(
            Membership.objects.filter(person_id__in=person_ids)
            .values("person_id")
            .annotate(reachable=Count("id", filter=reachable))
            .filter(reachable=0)
            .values_list("person_id", flat=True)
        )


def _sheet_for(sheets: list[_Sheet], table: Table) -> _Sheet:
    return next(
        (s for s in sheets if s.table is table), _Sheet(table, table.sheet, frozenset(), [])
    )


def _parent_cycles(units: list[_UnitRow]) -> dict[str, list[str]]:
    """Each unit code on a parent cycle within the file, with the cycle it is on."""
    parent = {u.code: u.parent_code for u in units if u.parent_code}
    on_cycle: dict[str, list[str]] = {}
    done: set[str] = set()
    for start in parent:
        path: list[str] = []
        code: str | None = start
        while code in parent and code not in done and code not in path:
            path.append(code)
            code = parent[code]
        if code in path:
            cycle = path[path.index(code) :]
            for member in cycle:
                on_cycle[member] = [*cycle, cycle[0]]
        done.update(path)
    return on_cycle


def _units_in_order(units: list[_UnitRow]) -> list[_UnitRow]:
    """Parents in the file before their children, so treebeard can place each new unit."""
    parent = {u.code: u.parent_code for u in units}

    def depth(code: str) -> int:
        seen: set[str] = set()
        while parent.get(code) in parent and code not in seen:
            seen.add(code)
            code = parent[code]
        return len(seen)

    return sorted(units, key=lambda u: (depth(u.code), u.row))


# The roles that maintain a unit's roster (orgunits.permissions.can_import_roster).
ROSTER_ROLES = ["appraise", "administer"]


def _check(
    sheets: list[_Sheet], target: OrgUnit, problems: _Problems, by: AbstractBaseUser | None
) -> _Plan:
    """Parse every row and check it against the file and the database; collect problems."""
    unit_sheet, people_sheet, membership_sheet = (_sheet_for(sheets, t) for t in TABLES)
    units = _parse_units(unit_sheet, problems)
    people = _parse_people(people_sheet, problems)
    memberships = _parse_memberships(membership_sheet, problems)

    # One query per table for everything the file refers to.
    unit_codes = {u.code for u in units} | {u.parent_code for u in units if u.parent_code}
    unit_codes |= {m.unit_code for m in memberships}
    units_by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=unit_codes)}
    units_by_code[target.code] = target
    person_codes = {p.code for p in people} | {m.person_code for m in memberships}
    people_by_code = {p.code: p for p in Person.objects.filter(code__in=person_codes)}
    plan = _Plan(target, units, people, memberships, units_by_code, people_by_code, by=by)

    _check_units(plan, unit_sheet, problems)
    _check_people(plan, people_sheet, problems)
    plan.memberships_by_key = _existing_memberships(memberships, units_by_code, people_by_code)
    _check_memberships(plan, membership_sheet, problems)
    plan.units = _units_in_order(units)
    return plan


def _check_units(plan: _Plan, sheet: _Sheet, problems: _Problems) -> None:
    target, units_by_code = plan.target, plan.units_by_code
    parent_paths = {u.path[: -OrgUnit.steplen] for u in units_by_code.values() if u.depth > 1}
    code_at_path = dict(OrgUnit.objects.filter(path__in=parent_paths).values_list("path", "code"))
    file_units = {u.code for u in plan.units}
    cycles = _parent_cycles(plan.units)
    for row in plan.units:
        existing = units_by_code.get(row.code)
        parent_code = row.parent_code
        parent = units_by_code.get(parent_code) if parent_code not in file_units else None
        if existing is not None and not plan.inside(existing):
            message = (
                f"Mã đơn vị «{row.code}» đã có ở ngoài phạm vi «{target.name}»; "
                "không thể nhập đè đơn vị này."
            )
            problems.add(sheet, row.row, "code", message)
            continue
        if parent_code and parent_code == row.code:
            message = "Đơn vị không thể là cấp trên của chính nó."
        elif row.code in cycles:
            message = f"Mã đơn vị cấp trên tạo vòng lặp: {' → '.join(cycles[row.code])}."
        elif parent_code and parent_code not in file_units and parent is None:
            message = (
                f"Không tìm thấy đơn vị cấp trên «{parent_code}» trong tệp hoặc trong hệ thống."
            )
        elif parent is not None and not plan.inside(parent):
            message = f"Đơn vị cấp trên «{parent_code}» nằm ngoài phạm vi «{target.name}»."
        elif existing is not None:
            message = _moved_unit_message(row, existing, plan, sheet, code_at_path)
        else:
            message = ""
        if message:
            problems.add(sheet, row.row, "parent_code", message)


def _moved_unit_message(
    row: _UnitRow, existing: OrgUnit, plan: _Plan, sheet: _Sheet, code_at_path: dict[str, str]
) -> str:
    """Refuse to move an existing unit: that re-parents its whole subtree, too much to imply."""
    actual = code_at_path.get(existing.path[: -OrgUnit.steplen], "") if existing.depth > 1 else ""
    if existing.pk == plan.target.pk:
        wanted = row.parent_code or actual
    elif "parent_code" in sheet.present:
        wanted = row.parent_code or plan.target.code
    else:
        wanted = actual  # no parent column: existing units stay where they are
    if wanted == actual:
        return ""
    return (
        f"Đơn vị «{row.code}» đã nằm ở nơi khác trong cây (cấp trên hiện tại: "
        f"«{actual or 'không có'}»); hệ thống không tự chuyển đơn vị. Hãy ghi đúng mã "
        "cấp trên hiện tại, hoặc chuyển đơn vị trong phần quản trị trước."
    )


def _check_people(plan: _Plan, sheet: _Sheet, problems: _Problems) -> None:
    changed: dict[int, _PersonRow] = {}
    for row in plan.people:
        existing = plan.people_by_code.get(row.code)
        values = row.values
        # A column left out of the file keeps the stored value, so judge the merged record.
        admitted = values.get(
            "party_admission_date", existing.party_admission_date if existing else None
        )
        member = values.get("is_party_member", existing.is_party_member if existing else False)
        if admitted and not member:
            column = (
                "party_admission_date" if "party_admission_date" in values else "is_party_member"
            )
            problems.add(sheet, row.row, column, "Có ngày vào Đảng nhưng không phải đảng viên.")
        if existing is not None and _changed_fields(existing, values):
            changed[existing.pk] = row
    # A person whose every membership lies outside the target belongs to someone else's roster.
    for person_id in plan.owned_elsewhere(list(changed)):
        row = changed[person_id]
        problems.add(
            sheet,
            row.row,
            "code",
            f"Cán bộ «{row.code}» sinh hoạt, công tác ở ngoài phạm vi «{plan.target.name}»; không "
            "thể sửa thông tin của người này.",
        )


def _check_memberships(plan: _Plan, sheet: _Sheet, problems: _Problems) -> None:
    file_people = {p.code for p in plan.people}
    file_units = {u.code for u in plan.units}
    elsewhere = plan.owned_elsewhere(
        [
            plan.people_by_code[m.person_code].pk
            for m in plan.memberships
            if m.person_code in plan.people_by_code
        ]
    )
    for row in plan.memberships:
        person = plan.people_by_code.get(row.person_code)
        if person is not None and person.pk in elsewhere:
            # Adding a membership would bring the person's whole record into this scope.
            problems.add(
                sheet,
                row.row,
                "person_code",
                f"Cán bộ «{row.person_code}» sinh hoạt, công tác ở ngoài phạm vi "
                f"«{plan.target.name}»; không thể thêm sinh hoạt - công tác cho người này. Đề "
                "nghị đơn vị đang quản lý người này (hoặc quản trị viên) nhập thay.",
            )
            continue
        if row.person_code not in file_people and row.person_code not in plan.people_by_code:
            problems.add(
                sheet,
                row.row,
                "person_code",
                f"Không tìm thấy mã cán bộ «{row.person_code}» trong trang «{PEOPLE.sheet}» "
                "hoặc trong hệ thống.",
            )
        unit = plan.units_by_code.get(row.unit_code)
        if row.unit_code not in file_units and unit is None:
            problems.add(
                sheet,
                row.row,
                "unit_code",
                f"Không tìm thấy mã đơn vị «{row.unit_code}» trong trang «{UNITS.sheet}» "
                "hoặc trong hệ thống.",
            )
        elif row.unit_code not in file_units and unit is not None and not plan.inside(unit):
            problems.add(
                sheet,
                row.row,
                "unit_code",
                f"Đơn vị «{row.unit_code}» nằm ngoài phạm vi «{plan.target.name}».",
            )
        existing = plan.memberships_by_key.get((row.person_code, row.unit_code, row.role))
        start = row.values.get("start_date", getattr(existing, "start_date", None))
        end = row.values.get("end_date", getattr(existing, "end_date", None))
        if start and end and end < start:
            problems.add(sheet, row.row, "end_date", "Đến ngày trước Từ ngày.")


def _existing_memberships(
    memberships: list[_MembershipRow],
    units_by_code: dict[str, OrgUnit],
    people_by_code: dict[str, Person],
) -> dict[tuple[str, str, str], Membership]:
    person_ids = {
        people_by_code[m.person_code].pk for m in memberships if m.person_code in people_by_code
    }
    unit_ids = {units_by_code[m.unit_code].pk for m in memberships if m.unit_code in units_by_code}
    if not person_ids or not unit_ids:
        return {}
    person_code = {p.pk: code for code, p in people_by_code.items()}
    unit_code = {u.pk: code for code, u in units_by_code.items()}
    return {
        (person_code[m.person_id], unit_code[m.unit_id], m.role): m
        for m in Membership.objects.filter(person_id__in=person_ids, unit_id__in=unit_ids)
    }


def _changed_fields(instance: Any, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(instance, name) != value]

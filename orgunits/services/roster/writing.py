"""Writing a checked roster: the upserts and `import_roster` (one transaction, dry run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from treebeard.exceptions import PathOverflow

from ...exceptions import RosterImportError, RowProblem
from ...models import Membership, OrgUnit, Person
from ...text import given_name, nfc, search_key
from .checking import _changed_fields, _check, _PersonRow, _Plan, _UnitRow
from .copying import copy_new_rows, reserve_ids
from .reading import _Problems, _read_file, _Sheet
from .tables import UNITS

BATCH_SIZE = 500


@dataclass
class TableCounts:
    """How many rows of one table the import creates, updates and leaves unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class RosterImportResult:
    """What an import wrote (or, for a dry run, would write)."""

    units: TableCounts = field(default_factory=TableCounts)
    people: TableCounts = field(default_factory=TableCounts)
    memberships: TableCounts = field(default_factory=TableCounts)
    dry_run: bool = False
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(c.created + c.updated for c in (self.units, self.people, self.memberships))


class _DryRunRollback(Exception):
    """Carries a dry run's counts out of the transaction it rolls back."""

    def __init__(self, result: RosterImportResult) -> None:
        self.result = result


def _write_units(plan: _Plan, counts: TableCounts, problems: _Problems) -> None:
    units = plan.units_by_code
    new_rows = [row for row in plan.units if row.code not in units]
    changed_units: list[OrgUnit] = []
    fields: set[str] = set()
    for row in plan.units:
        unit = units.get(row.code)
        if unit is None:
            continue
        changed = _changed_fields(unit, row.values)
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(unit, name, row.values[name])
        fields.update(changed)
        changed_units.append(unit)
    if changed_units:
        OrgUnit.objects.bulk_update(changed_units, sorted(fields), batch_size=BATCH_SIZE)
        counts.updated += len(changed_units)
    if not new_rows:
        return
    taken = set(
        OrgUnit.objects.filter(code__in=[nfc(row.code) for row in new_rows]).values_list(
            "code", flat=True
        )
    )
    if taken:
        # Someone created the code between the check and now (outside this import).
        sheet = _Sheet(UNITS, UNITS.sheet, frozenset(), [])
        for row in new_rows:
            if nfc(row.code) in taken:
                message = f"Mã đơn vị «{row.code}» vừa được tạo ở nơi khác; hãy nhập lại tệp."
                problems.add(sheet, row.row, "code", message)
        return
    created = _place_new_units(plan, new_rows)
    OrgUnit.objects.bulk_create(created, batch_size=BATCH_SIZE)
    counts.created += len(created)


def _place_new_units(plan: _Plan, new_rows: list[_UnitRow]) -> list[OrgUnit]:
    """The new units with their tree paths, exactly where treebeard's add_child would put them
    one by one (each the last child of its parent), and the existing parents' child counts
    raised. `plan.units` lists parents before their children."""
    units = plan.units_by_code
    parent_codes = {row.parent_code or plan.target.code for row in new_rows}
    existing_ids = [units[code].pk for code in parent_codes if code in units]
    # Lock the existing parents, as add_child does, and read their current child counts.
    parents = {
        unit.pk: unit for unit in OrgUnit.objects.select_for_update().filter(pk__in=existing_ids)
    }
    next_step: dict[str, int] = {}
    for parent in parents.values():
        step = 1
        if parent.numchild:
            last = (
                OrgUnit.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
                .order_by("-path")
                .values_list("path", flat=True)
                .first()
            )
            if last is not None:
                step = OrgUnit._str2int(last[-OrgUnit.steplen :]) + 1
        next_step[parent.path] = step
    added: dict[int, int] = {}
    max_length = OrgUnit._meta.get_field("path").max_length
    created: list[OrgUnit] = []
    for row in new_rows:
        parent = units[row.parent_code or plan.target.code]
        if parent.pk in parents:
            parent = parents[parent.pk]
            added[parent.pk] = added.get(parent.pk, 0) + 1
        else:
            parent.numchild += 1  # a unit of this file, not yet written
        step = next_step.get(parent.path, 1)
        key = OrgUnit._int2str(step)
        if len(key) > OrgUnit.steplen:
            raise PathOverflow(f"Path Overflow from: '{parent.path}'")
        path = f"{parent.path}{OrgUnit.alphabet[0] * (OrgUnit.steplen - len(key))}{key}"
        if len(path) > max_length:
            raise PathOverflow("The new node is too deep in the tree")
        next_step[parent.path] = step + 1
        unit = OrgUnit(
            code=nfc(row.code),
            path=path,
            depth=parent.depth + 1,
            numchild=0,
            **{**row.values, "name": nfc(row.values["name"])},
        )
        next_step[path] = 1
        units[row.code] = unit
        created.append(unit)
    for pk, n in added.items():
        OrgUnit.objects.filter(pk=pk).update(numchild=F("numchild") + n)
    return created


def _person_columns() -> list[str]:
    return [f.column for f in Person._meta.concrete_fields]


def _write_people(plan: _Plan, counts: TableCounts) -> dict[str, int]:
    """Create and update the file's people; the ids of the people it creates, by code."""
    now = timezone.now()
    new_rows: list[_PersonRow] = []
    updated: list[Person] = []
    fields: set[str] = set()
    for row in plan.people:
        person = plan.people_by_code.get(row.code)
        if person is None:
            new_rows.append(row)
            continue
        changed = _changed_fields(person, row.values)
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(person, name, row.values[name])
        person.refresh_derived_names()
        person.updated_at = now  # bulk_update skips auto_now
        fields.update(changed)
        updated.append(person)
    if updated:
        if "full_name" in fields:
            fields.update({"given_name", "search_name"})
        Person.objects.bulk_update(updated, [*sorted(fields), "updated_at"], batch_size=BATCH_SIZE)
    counts.updated += len(updated)
    ids = reserve_ids(Person._meta.db_table, len(new_rows))
    model_fields = Person._meta.concrete_fields
    # The model's defaults for the columns a file left out, as Person(...) would set them.
    defaults = {f.attname: f.get_default() for f in model_fields if not f.primary_key}
    defaults.update(created_at=now, updated_at=now)
    attnames = [f.attname for f in model_fields]
    new_ids: dict[str, int] = {}

    def records():
        for pk, row in zip(ids, new_rows, strict=True):
            record = {**defaults, **row.values, "id": pk, "code": nfc(row.code)}
            # What Person.refresh_derived_names does on save (bulk writes skip save()).
            full_name = record["full_name"] = nfc(record["full_name"])
            record["given_name"] = given_name(full_name)
            record["search_name"] = search_key(full_name)
            new_ids[row.code] = pk
            yield [record[name] for name in attnames]

    counts.created += copy_new_rows(Person, _person_columns(), records(), ids)
    return new_ids


def _write_memberships(plan: _Plan, counts: TableCounts, new_people: dict[str, int]) -> None:
    created: list[tuple[Any, ...]] = []
    updated: list[Membership] = []
    fields: set[str] = set()
    defaults = {
        f.attname: f.get_default()
        for f in Membership._meta.concrete_fields
        if f.attname in ("start_date", "end_date", "is_temporary")
    }
    for row in plan.memberships:
        membership = plan.memberships_by_key.get((row.person_code, row.unit_code, row.role))
        if membership is None:
            person = plan.people_by_code.get(row.person_code)
            person_id = person.pk if person is not None else new_people[row.person_code]
            values = {**defaults, **row.values}
            created.append(
                (
                    person_id,
                    plan.units_by_code[row.unit_code].pk,
                    row.role,
                    values["start_date"],
                    values["end_date"],
                    values["is_temporary"],
                )
            )
            continue
        changed = _changed_fields(membership, row.values)
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(membership, name, row.values[name])
        fields.update(changed)
        updated.append(membership)
    ids = reserve_ids(Membership._meta.db_table, len(created))
    columns = ["id", "person_id", "unit_id", "role", "start_date", "end_date", "is_temporary"]
    rows = ((pk, *row) for pk, row in zip(ids, created, strict=True))
    counts.created += copy_new_rows(Membership, columns, rows, ids)
    if updated:
        Membership.objects.bulk_update(updated, sorted(fields), batch_size=BATCH_SIZE)
    counts.updated += len(updated)


def import_roster(
    *,
    file_name: str,
    data: bytes | BinaryIO,
    target: OrgUnit,
    by: AbstractBaseUser | None,
    dry_run: bool = False,
) -> RosterImportResult:
    """Check a roster file and upsert it under `target`: all or nothing, RosterImportError.
    `by` is the importing user (None: the operator on the command line), whose roles decide
    whether a row may reach a person another unit keeps."""
    raw = data if isinstance(data, bytes) else data.read()
    problems = _Problems()
    sheets = _read_file(file_name, raw, problems)
    if problems:
        raise RosterImportError(problems.sorted())
    result = RosterImportResult(dry_run=dry_run)
    try:
        with transaction.atomic(), pghistory.context(roster_import=file_name, unit=target.code):
            # One import per tree at a time, so the checks below still hold while writing.
            root_path = target.path[: OrgUnit.steplen]
            OrgUnit.objects.select_for_update().filter(path=root_path).first()
            target = OrgUnit.objects.get(pk=target.pk)
            plan = _check(sheets, target, problems, by)
            if problems:
                raise RosterImportError(problems.sorted())
            _write_units(plan, result.units, problems)
            if problems:
                raise RosterImportError(problems.sorted())
            new_people = _write_people(plan, result.people)
            _write_memberships(plan, result.memberships, new_people)
            if dry_run:
                raise _DryRunRollback(result)
    except _DryRunRollback as rollback:
        return rollback.result
    return result

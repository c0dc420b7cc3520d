"""Writing a checked roster: the upserts and `import_roster` (one transaction, dry run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ...exceptions import RosterImportError, RowProblem, UnitCodeTaken
from ...models import Membership, OrgUnit, Person
from ..tree import create_unit
from .checking import _changed_fields, _check, _Plan
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
    for row in plan.units:
        unit = units.get(row.code)
        if unit is None:
            parent = units[row.parent_code or plan.target.code]
            try:
                units[row.code] = create_unit(code=row.code, parent=parent, **row.values)
            except UnitCodeTaken:
                # Someone created the code between the check and now (outside this import).
                sheet = _Sheet(UNITS, UNITS.sheet, frozenset(), [])
                message = f"Mã đơn vị «{row.code}» vừa được tạo ở nơi khác; hãy nhập lại tệp."
                problems.add(sheet, row.row, "code", message)
                return
            counts.created += 1
            continue
        changed = _changed_fields(unit, row.values)
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(unit, name, row.values[name])
        unit.save(update_fields=changed)
        counts.updated += 1


def _write_people(plan: _Plan, counts: TableCounts) -> None:
    now = timezone.now()
    created: list[Person] = []
    updated: list[Person] = []
    fields: set[str] = set()
    for row in plan.people:
        person = plan.people_by_code.get(row.code)
        if person is None:
            person = Person(code=row.code, **row.values)
            person.refresh_derived_names()  # bulk_create skips save()
            created.append(person)
            plan.people_by_code[row.code] = person
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
    Person.objects.bulk_create(created, batch_size=BATCH_SIZE)
    if updated:
        if "full_name" in fields:
            fields.update({"given_name", "search_name"})
        Person.objects.bulk_update(updated, [*sorted(fields), "updated_at"], batch_size=BATCH_SIZE)
    counts.created += len(created)
    counts.updated += len(updated)


def _write_memberships(plan: _Plan, counts: TableCounts) -> None:
    created: list[Membership] = []
    updated: list[Membership] = []
    fields: set[str] = set()
    for row in plan.memberships:
        membership = plan.memberships_by_key.get((row.person_code, row.unit_code, row.role))
        if membership is None:
            created.append(
                Membership(
                    person=plan.people_by_code[row.person_code],
                    unit=plan.units_by_code[row.unit_code],
                    role=row.role,
                    **row.values,
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
    Membership.objects.bulk_create(created, batch_size=BATCH_SIZE)
    if updated:
        Membership.objects.bulk_update(updated, sorted(fields), batch_size=BATCH_SIZE)
    counts.created += len(created)
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
            _write_people(plan, result.people)
            _write_memberships(plan, result.memberships)
            if dry_run:
                raise _DryRunRollback(result)
    except _DryRunRollback as rollback:
        return rollback.result
    return result

"""Time roster imports of generated files against a plain bulk_create of the same rows.

Each round imports the files one after another under a fresh root (reading, checking and
writing, as the worker does), then writes the same units, people and memberships with Django's
`bulk_create` into the same tables — the baseline — and rolls both back, so the database is left
as it was. The baseline runs with the audit (pghistory) triggers switched off: plain
bulk_create, the fastest the ORM writes these rows, while the import records every row's
history. `--audit-baseline` adds a bulk_create with the triggers on, as the tables stand.
Rounds alternate import and baseline, so that a machine that slows down mid-run weighs on
both; the figures are min / median / max over the rounds, and the ratio is taken round by
round.

A province (200,000 people) is more than one file may hold (MAX_ROWS per sheet), so it is
imported as several files, as an operator would: `--people 200000` makes four files of 50,000.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import resource
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import openpyxl
import pgtrigger
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from orgunits.models import Membership, MembershipRole, OrgUnit, Person, UnitKind
from orgunits.services import create_unit
from orgunits.services.roster import MAX_ROWS, MEMBERSHIPS, PEOPLE, UNITS, import_roster
from orgunits.text import given_name, search_key

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Thu", "Quang", "Ngọc"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Đạt", "Giang", "Hà", "Hùng", "Lan", "Yến", "Ánh"]
BASELINE_BATCH = 1000
# pghistory's row triggers on the three tables (insert and update trackers).
AUDIT_TRIGGERS = [
    f"orgunits.{model}:{trigger}"
    for model in ("OrgUnit", "Person", "Membership")
    for trigger in ("insert_insert", "update_update")
]


def _unit_rows(prefix: str, units: int) -> list[list[Any]]:
    rows = []
    committee = ""
    for n in range(units):
        if n % 20 == 0:
            committee = f"{prefix}-DB{n // 20:02d}"
            rows.append([committee, f"Đảng bộ cơ sở số {n // 20}", "Đảng bộ cơ sở", "", 0])
        else:
            rows.append([f"{prefix}-CB{n:03d}", f"Chi bộ số {n}", "Chi bộ", committee, 15])
    return rows


def _person_row(prefix: str, n: int) -> list[Any]:
    return [
        f"{prefix}-P{n:05d}",
        f"{FAMILY[n % 10]} {MIDDLE[n % 8]} {GIVEN[n % 11]}",
        f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1960 + n % 40}",
        "Nữ" if n % 2 else "Nam",
        f"cb{n}@example.gov.vn",
        "có",
        f"{1 + n % 28:02d}/{1 + n % 12:02d}/{2000 + n % 20}",
        "Đang sinh hoạt",
        "có",
        "không",
    ]


def build_workbook(prefix: str, people: int, units: int) -> bytes:
    """A roster of `units` units (a committee per 20 cells), `people` people, one role each."""
    workbook = openpyxl.Workbook(write_only=True)
    unit_rows = _unit_rows(prefix, units)
    cells = [row[0] for row in unit_rows if row[3]]
    sheets = {
        UNITS: unit_rows,
        PEOPLE: [_person_row(prefix, n) for n in range(people)],
        MEMBERSHIPS: [
            [f"{prefix}-P{n:05d}", cells[n % len(cells)], "Đảng viên", "01/01/2020", ""]
            for n in range(people)
        ],
    }
    for table, rows in sheets.items():
        sheet = workbook.create_sheet(table.sheet)
        sheet.append([c.header for c in table.columns])
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bulk_create_same_rows(
    root: OrgUnit, prefix: str, people: int, units: int, first_step: int
) -> float:
    """The baseline: the units, people and memberships of one file built as model objects
    (untimed), then written with plain bulk_create (timed); the seconds taken. The file's
    committees are root's children from `first_step` on."""
    unit_objects: list[OrgUnit] = []
    committee: OrgUnit | None = None
    for n, (code, name, _kind, parent, staff) in enumerate(_unit_rows(prefix, units)):
        if not parent:
            committee = OrgUnit(
                code=code,
                name=name,
                kind=UnitKind.GRASSROOTS_COMMITTEE,
                path=f"{root.path}{OrgUnit._int2str(first_step + n // 20).zfill(4)}",
                depth=root.depth + 1,
                numchild=0,
            )
            unit_objects.append(committee)
            continue
        assert committee is not None
        committee.numchild += 1
        unit_objects.append(
            OrgUnit(
                code=code,
                name=name,
                kind=UnitKind.PARTY_CELL,
                staff_count=staff,
                path=f"{committee.path}{OrgUnit._int2str(committee.numchild).zfill(4)}",
                depth=root.depth + 2,
                numchild=0,
            )
        )
    cells = [u for u in unit_objects if u.depth == root.depth + 2]
    now = timezone.now()
    people_objects = []
    for n in range(people):
        row = _person_row(prefix, n)
        day, month, year = (int(part) for part in row[2].split("/"))
        a_day, a_month, a_year = (int(part) for part in row[6].split("/"))
        people_objects.append(
            Person(
                code=row[0],
                full_name=row[1],
                given_name=given_name(row[1]),
                search_name=search_key(row[1]),
                birth_date=dt.date(year, month, day),
                gender="female" if n % 2 else "male",
                email=row[4],
                is_party_member=True,
                party_admission_date=dt.date(a_year, a_month, a_day),
                created_at=now,
                updated_at=now,
            )
        )
    started = time.perf_counter()
    OrgUnit.objects.bulk_create(unit_objects, batch_size=BASELINE_BATCH)
    Person.objects.bulk_create(people_objects, batch_size=BASELINE_BATCH)
    Membership.objects.bulk_create(
        [
            Membership(
                person=person,
                unit=cells[n % len(cells)],
                role=MembershipRole.PARTY_MEMBER,
                start_date=dt.date(2020, 1, 1),
            )
            for n, person in enumerate(people_objects)
        ],
        batch_size=BASELINE_BATCH,
    )
    return time.perf_counter() - started


def _spread(values: list[float]) -> str:
    return f"min {min(values):.2f} / median {statistics.median(values):.2f} / max {max(values):.2f}"


class Command(BaseCommand):
    help = (
        "Đo thời gian nhập danh sách sinh ngẫu nhiên (mặc định 2.000 người) so với bulk_create "
        "cùng các dòng ấy, rồi hoàn tác."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=2000)
        parser.add_argument("--units", type=int, default=60, help="units in all the files")
        parser.add_argument(
            "--files", type=int, default=0, help="default: as few as MAX_ROWS per sheet allows"
        )
        parser.add_argument("--rounds", type=int, default=1)
        parser.add_argument("--no-reimport", action="store_true")
        parser.add_argument(
            "--audit-baseline", action="store_true", help="also bulk_create with triggers on"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        people, units, rounds = options["people"], options["units"], options["rounds"]
        self.no_reimport = options["no_reimport"]
        files = options["files"] or max(1, math.ceil(people / MAX_ROWS))
        prefix = f"BENCH{uuid.uuid4().hex[:6].upper()}"
        started = time.perf_counter()
        shares = [
            (
                f"{prefix}F{i}",
                people // files + (i < people % files),
                units // files + (i < units % files),
            )
            for i in range(files)
        ]
        data = [(code, build_workbook(code, n, u)) for code, n, u in shares]
        size = sum(len(d) for _, d in data) / 1024 / 1024
        self.stdout.write(
            f"{people:,} người, {units:,} đơn vị trong {files} tệp ({size:.1f} MiB), "
            f"tạo trong {time.perf_counter() - started:.1f} s"
        )
        imports: list[float] = []
        reimports: list[float] = []
        baselines: list[float] = []
        audited: list[float] = []

        def bulk_create_all(root: OrgUnit) -> float:
            elapsed, step = 0.0, 1
            for code, n, u in shares:
                elapsed += _bulk_create_same_rows(root, code, n, u, step)
                step += math.ceil(u / 20)
            return elapsed

        def without_audit(root: OrgUnit) -> float:
            with pgtrigger.ignore(*AUDIT_TRIGGERS):
                return bulk_create_all(root)

        for number in range(1, rounds + 1):
            imports.append(self._round(prefix, f"{number}", self._import_all(data, reimports)))
            baselines.append(self._round(prefix, f"{number}B", without_audit))
            line = (
                f"Vòng {number}: nhập {imports[-1]:.2f} s, bulk_create {baselines[-1]:.2f} s "
                f"(× {imports[-1] / baselines[-1]:.2f})"
            )
            if reimports:
                line += f", nhập lại {reimports[-1]:.2f} s"
            if options["audit_baseline"]:
                audited.append(self._round(prefix, f"{number}A", bulk_create_all))
                line += f", bulk_create kèm trigger lịch sử {audited[-1]:.2f} s"
            self.stdout.write(line)
        ratios = [i / b for i, b in zip(imports, baselines, strict=True)]
        rate = people / statistics.median(imports)
        self.stdout.write(f"Nhập {people:,} người: {_spread(imports)} s ({rate:,.0f} người/s)")
        if reimports:
            self.stdout.write(f"Nhập lại (không đổi gì): {_spread(reimports)} s")
        self.stdout.write(f"bulk_create cùng các dòng (không trigger): {_spread(baselines)} s")
        if audited:
            self.stdout.write(f"bulk_create cùng các dòng (kèm trigger): {_spread(audited)} s")
        self.stdout.write(f"Tỉ lệ nhập / bulk_create: {_spread(ratios)}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"Bộ nhớ đỉnh của tiến trình: {peak:.0f} MiB")

    def _import_all(
        self, data: list[tuple[str, bytes]], reimports: list[float]
    ) -> Callable[[OrgUnit], float]:
        def run(root: OrgUnit) -> float:
            started = time.perf_counter()
            for _, content in data:
                import_roster(file_name="bench.xlsx", data=content, target=root, by=None)
            elapsed = time.perf_counter() - started
            if not self.no_reimport:
                again = time.perf_counter()
                for _, content in data:
                    result = import_roster(
                        file_name="bench.xlsx", data=content, target=root, by=None
                    )
                    assert result.changes == 0
                reimports.append(time.perf_counter() - again)
            return elapsed

        return run

    def _round(self, prefix: str, label: str, work: Callable[[OrgUnit], float]) -> float:
        # Each round rolls back 400,000 rows; their dead index entries would slow the next
        # round (more so where autovacuum is off), so every round starts from clean tables.
        with connection.cursor() as cursor:
            for model in (OrgUnit, Person, Membership):
                for table in (model._meta.db_table, model.pgh_event_model._meta.db_table):
                    cursor.execute(f'VACUUM ANALYZE "{table}"')
        # Everything, the fresh root included, is rolled back: the database is left as it was.
        with transaction.atomic():
            root = create_unit(
                code=f"{prefix}R{label}", name="Đơn vị đo thời gian", kind="party_committee"
            )
            elapsed = work(root)
            transaction.set_rollback(True)
        return elapsed

"""Build a realistic province with a decided period, fast enough for benchmarks.

    python manage.py generate_province --people 200000 --units 6000 [--seed 1] [--year 2026]

Shape (domain.md §9): a root party committee, district-level committees, grassroots
organisations (đảng bộ cơ sở with chi bộ below them, and chi bộ cơ sở), leadership collectives
at district and agency level; chi bộ of 3 to 60 members; 10–20% of members not reviewed
(exempt, suspended, newly admitted); leaders reviewed at their chi bộ and at their leadership
collective (R-E4); levels about 12% HTXS / 75% HTT / 12% HT / under 1% KHT, then trimmed so
every quota group respects R-Q1; everything decided. Earlier years go in as historical levels.

Rows are written with PostgreSQL COPY (CSV built in memory) and ids reserved from the tables'
sequences up front; tree paths are computed with treebeard's own `_get_path` (steplen 4,
alphabet 0-9A-Z). The pghistory insert triggers are skipped with `pgtrigger.ignore` unless
`--with-audit` is given: generated rows have no history of their own, and the triggers would
add one event row per generated row (measured in the command's output).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pgtrigger
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from orgunits import services as unit_services
from orgunits.models import MembershipRole, OrgUnit, PartyStatus, UnitKind
from orgunits.roles import Role
from orgunits.text import given_name, search_key
from ratings.quota import within_cap
from reviews import rulesets
from reviews.models import Eligibility, PeriodKind, PeriodStatus, ReviewPeriod, SubjectClass
from reviews.services import periods as period_services

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
FAMILY += ["Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Lương", "Trịnh", "Mai", "Tạ", "Đoàn"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Thu", "Quang", "Ngọc", "Thanh", "Xuân", "Kim"]
MIDDLE += ["Hồng", "Quốc", "Bảo", "Thành", "Mạnh", "Diệu", "Khánh", "Phương", "Tuấn"]
GIVEN = ["An", "Bình", "Chi", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hằng"]
GIVEN += ["Hiếu", "Hoa", "Hùng", "Huy", "Hương", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam"]
GIVEN += ["Nga", "Ngọc", "Nhung", "Oanh", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Thắng"]
GIVEN += ["Thủy", "Trang", "Trung", "Tú", "Tuấn", "Vân", "Việt", "Yến", "Ánh", "Ơn", "Ước"]
PLACES = ["Yên Lạc", "Tiên Du", "Đông Anh", "Kim Sơn", "Hải Hậu", "Thanh Hà", "Quế Võ"]
PLACES += ["Lương Sơn", "Tam Đảo", "Ý Yên", "Gia Lộc", "Phù Cừ", "Văn Lâm", "Mỹ Hào", "Ân Thi"]
PLACES += ["Bình Xuyên", "Sông Lô", "Lập Thạch", "Vũ Thư", "Tiền Hải", "Kiến Xương", "Đông Hưng"]
PLACES += ["Hưng Hà", "Quỳnh Phụ", "Thái Thụy", "Nam Trực", "Trực Ninh", "Xuân Trường"]
HAMLETS = ["Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Tiền", "Hậu", "Nội", "Ngoại"]
AGENCIES = ["Ủy ban nhân dân", "Hội đồng nhân dân", "Văn phòng", "Phòng Tài chính - Kế hoạch"]

INDIVIDUAL_WEIGHTS = {"HTXS": 13.0, "HTT": 75.0, "HT": 11.2, "KHT": 0.8}
COLLECTIVE_WEIGHTS = {"HTXS": 15.0, "HTT": 71.0, "HT": 12.5, "KHT": 1.5}
KHT_REASONS = [
    "Bị kỷ luật trong năm đánh giá.",
    "Có tiêu chí được đánh giá ở mức Kém.",
    "Đơn vị do đồng chí trực tiếp lãnh đạo hoàn thành dưới 50% chỉ tiêu, nhiệm vụ chủ yếu.",
]
COLLECTIVE_KHT_REASONS = [
    "Tập thể bị kỷ luật trong năm đánh giá.",
    "Có trên 20% tổ chức trực thuộc bị kỷ luật.",
]
POINTS = {"HTXS": (90, 100), "HTT": (70, 89), "HT": (50, 69), "KHT": (30, 49)}
LEVEL_ORDER = ("HTXS", "HTT", "HT", "KHT")
BATCH = 50_000


@dataclass
class Unit:
    id: int
    path: str
    code: str
    name: str
    kind: str
    parent: Unit | None
    children: list[Unit] = field(default_factory=list)
    established_on: dt.date | None = None
    people: list[int] = field(default_factory=list)  # person indexes (cells)
    leaders: list[int] = field(default_factory=list)  # person indexes (leadership collectives)

    @property
    def depth(self) -> int:
        return len(self.path) // OrgUnit.steplen


@dataclass
class PersonRow:
    id: int
    code: str
    full_name: str
    birth_date: dt.date
    gender: str
    admitted: dt.date
    status: str
    in_system: bool
    leader: bool = False


def _value(value: Any) -> Any:
    if value is None:
        return r"\N"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into a table in batches of CSV built in memory; returns the row count."""
    count = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"

    def flush() -> None:
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        writer.writerow([_value(v) for v in row])
        count += 1
        if count % BATCH == 0:
            flush()
    if buffer.tell():
        flush()
    return count


def reserve_ids(cursor, table: str, n: int) -> list[int]:
    """n ids from the table's identity sequence, so rows can reference each other before
    they are written (concurrent inserts elsewhere just take other values)."""
    if n == 0:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, n],
    )
    return [row[0] for row in cursor.fetchall()]


class Generator:
    def __init__(self, *, people: int, units: int, seed: int, year: int, code: str, out):
        self.n_people = people
        self.n_units = units
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
        self.year = year
        self.code = code
        self.out = out
        self.opens_on = dt.date(year, 12, 1)
        self.timings: list[tuple[str, float, int]] = []

    # -- the tree ----------------------------------------------------------------------------

    def plan_tree(self, root_path: str) -> list[Unit]:
        m = self.n_units
        districts = max(1, round(m / 250))
        leadership = max(districts, round(m * 0.05))
        grassroots = max(2, round(m * 0.22))
        cells_total = m - 1 - districts - leadership - grassroots
        if cells_total < 1:
            raise CommandError("--units is too small for a province (at least 12).")
        grassroots_cells = max(1, grassroots // 4)
        committees = grassroots - grassroots_cells
        if committees < 1:
            raise CommandError("--units is too small for a province (at least 12).")
        self._unit_serial = 0
        root = self._unit(root_path, None, UnitKind.PARTY_COMMITTEE, "Đảng bộ tỉnh Thử nghiệm")
        units = [root]
        place_names = self._names(PLACES, districts)
        district_units = []
        for i in range(districts):
            d = self._child(root, UnitKind.PARTY_COMMITTEE, f"Đảng bộ huyện {place_names[i]}")
            district_units.append(d)
            units.append(d)
        # Leadership of each district's People's Committee (anchors its own quota groups).
        for d in district_units:
            name = f"Tập thể lãnh đạo Ủy ban nhân dân huyện {d.name.removeprefix('Đảng bộ huyện ')}"
            units.append(self._child(d, UnitKind.LEADERSHIP_COLLECTIVE, name))
        commune_names = self._names(PLACES, grassroots)
        committee_units, cell_units = [], []
        for i in range(grassroots):
            d = district_units[i % districts]
            if i < committees:
                g = self._child(d, UnitKind.GRASSROOTS_COMMITTEE, f"Đảng bộ xã {commune_names[i]}")
                committee_units.append(g)
            else:
                g = self._child(d, UnitKind.GRASSROOTS_CELL, f"Chi bộ cơ sở {commune_names[i]}")
                cell_units.append(g)
            units.append(g)
        for i in range(leadership - districts):
            g = committee_units[i % committees]
            agency = AGENCIES[i % len(AGENCIES)]
            units.append(
                self._child(g, UnitKind.LEADERSHIP_COLLECTIVE, f"Tập thể lãnh đạo {agency}")
            )
        for i in range(cells_total):
            g = committee_units[i % committees]
            hamlet = HAMLETS[len(g.children) % len(HAMLETS)]
            c = self._child(g, UnitKind.PARTY_CELL, f"Chi bộ thôn {hamlet} {len(g.children) + 1}")
            cell_units.append(c)
            units.append(c)
        self.units = units
        self.cells = cell_units
        self.root = root
        self.districts = district_units
        # About 1% of collectives were formed less than 6 months ago (R-E2: not rated).
        for unit in units[1:]:
            if self.rng.random() < 0.01:
                unit.established_on = self.opens_on - dt.timedelta(days=self.rng.randint(20, 150))
        return units

    def _names(self, base: list[str], n: int) -> list[str]:
        names = []
        for i in range(n):
            round_ = i // len(base)
            names.append(base[i % len(base)] + (f" {round_ + 1}" if round_ else ""))
        return names

    def _unit(self, path: str, parent: Unit | None, kind: str, name: str) -> Unit:
        self._unit_serial += 1
        code = f"{self.code}-{self._unit_serial:05d}" if parent else self.code
        return Unit(0, path, code, name, kind, parent)

    def _child(self, parent: Unit, kind: str, name: str) -> Unit:
        # Exactly treebeard's path for the next child (MP_Node._get_path, steplen 4, 0-9A-Z).
        depth = parent.depth + 1
        path = OrgUnit._get_path(parent.path, depth, len(parent.children) + 1)
        child = self._unit(path, parent, kind, name)
        parent.children.append(child)
        return child

    # -- people --------------------------------------------------------------------------------

    def plan_people(self) -> list[PersonRow]:
        cells = self.cells
        n = self.n_people
        if n < 3 * len(cells) or n > 60 * len(cells):
            raise CommandError(
                f"{n} people do not fit {len(cells)} chi bộ of 3 to 60 members: change --people "
                "or --units."
            )
        sizes = self._cell_sizes(n, len(cells))
        people: list[PersonRow] = []
        opens = self.opens_on
        recent_after = opens - dt.timedelta(days=170)
        for cell, size in zip(cells, sizes, strict=True):
            for _ in range(size):
                index = len(people)
                draw = self.rng.random()
                status = PartyStatus.ACTIVE
                admitted = self._day(1975, self.year - 1)
                born = self._day(1945, 2000)
                if draw < 0.115:
                    # Exempt from party work: mostly elderly members (miễn sinh hoạt).
                    status = PartyStatus.EXEMPT
                    admitted = self._day(1965, 1995)
                    born = self._day(1935, 1960)
                elif draw < 0.121:
                    status = PartyStatus.SUSPENDED
                elif draw < 0.145:
                    admitted = recent_after + dt.timedelta(days=self.rng.randint(0, 150))
                name = (
                    f"{self.rng.choice(FAMILY)} {self.rng.choice(MIDDLE)} {self.rng.choice(GIVEN)}"
                )
                people.append(
                    PersonRow(
                        id=0,
                        code=f"{self.code}-P{index + 1:07d}",
                        full_name=name,
                        birth_date=born,
                        gender="female"
                        if name.split()[1] == "Thị"
                        else self.rng.choice(["male", "female"]),
                        admitted=admitted,
                        status=status,
                        in_system=self.rng.random() < 0.7,
                    )
                )
                cell.people.append(index)
        self.people = people
        self._pick_leaders()
        return people

    def _day(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1)
        return start + dt.timedelta(
            days=self.rng.randint(0, (dt.date(last_year, 12, 31) - start).days)
        )

    def _cell_sizes(self, n: int, cells: int) -> list[int]:
        """Sizes between 3 and 60 that add up to n, skewed like real chi bộ (many small)."""
        weights = [self.rng.lognormvariate(0, 0.6) for _ in range(cells)]
        spare = n - 3 * cells
        total = sum(weights)
        extra = [min(57, int(spare * w / total)) for w in weights]
        left = spare - sum(extra)
        open_cells = [i for i in range(cells) if extra[i] < 57]
        while left > 0:
            i = self.rng.choice(open_cells)
            extra[i] += 1
            left -= 1
            if extra[i] == 57:
                open_cells.remove(i)
        return [3 + e for e in extra]

    def _active(self, index: int) -> bool:
        p = self.people[index]
        return p.status == PartyStatus.ACTIVE and p.admitted < self.opens_on - dt.timedelta(
            days=183
        )

    def _pick_leaders(self) -> None:
        """Secretaries of every chi bộ; 3–7 leaders per leadership collective, taken from the
        chi bộ under the same parent, who are then reviewed at both sites (R-E4)."""
        self.secretary: dict[int, int] = {}
        for cell in self.cells:
            active = [i for i in cell.people if self._active(i)] or cell.people[:1]
            self.secretary[id(cell)] = active[0]
            self.people[active[0]].in_system = True
        taken: set[int] = set()
        cells_under: dict[str, list[Unit]] = defaultdict(list)
        for cell in self.cells:
            cells_under[cell.path[: -2 * OrgUnit.steplen]].append(cell)  # grandparent
            cells_under[cell.path[: -OrgUnit.steplen]].append(cell)  # parent
        for unit in self.units:
            if unit.kind != UnitKind.LEADERSHIP_COLLECTIVE:
                continue
            pool = [
                i
                for c in cells_under.get(unit.parent.path, [])
                for i in c.people
                if i not in taken and self._active(i)
            ]
            wanted = self.rng.randint(3, 7)
            chosen = self.rng.sample(pool, min(wanted, len(pool)))
            for i in chosen:
                taken.add(i)
                self.people[i].leader = True
                self.people[i].in_system = True
            unit.leaders = chosen

    # -- writing -------------------------------------------------------------------------------

    def _timed(self, label: str, started: float, rows: int) -> None:
        elapsed = time.perf_counter() - started
        self.timings.append((label, elapsed, rows))
        self.out(f"  {label:<22} {rows:>9} rows  {elapsed:6.1f} s")

    def write(self, *, user, history_years: int) -> ReviewPeriod:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            unit_ids = reserve_ids(cursor, "orgunits_orgunit", len(self.units))
            for unit, pk in zip(self.units, unit_ids, strict=True):
                unit.id = pk
            n = copy_rows(
                cursor,
                "orgunits_orgunit",
                [
                    "id",
                    "path",
                    "depth",
                    "numchild",
                    "code",
                    "name",
                    "kind",
                    "staff_count",
                    "is_active",
                    "established_on",
                ],
                (
                    (
                        u.id,
                        u.path,
                        u.depth,
                        len(u.children),
                        u.code,
                        u.name,
                        u.kind,
                        len(u.people) or len(u.leaders),
                        True,
                        u.established_on,
                    )
                    for u in self.units
                ),
            )
            self._timed("units", started, n)

            started = time.perf_counter()
            person_ids = reserve_ids(cursor, "orgunits_person", len(self.people))
            for person, pk in zip(self.people, person_ids, strict=True):
                person.id = pk
            n = copy_rows(
                cursor,
                "orgunits_person",
                [
                    "id",
                    "code",
                    "full_name",
                    "given_name",
                    "search_name",
                    "birth_date",
                    "gender",
                    "email",
                    "is_party_member",
                    "party_admission_date",
                    "party_status",
                    "works_in_political_system",
                    "has_leadership_post",
                ],
                (
                    (
                        p.id,
                        p.code,
                        p.full_name,
                        given_name(p.full_name),
                        search_key(p.full_name),
                        p.birth_date,
                        p.gender,
                        "",
                        True,
                        p.admitted,
                        p.status,
                        p.in_system,
                        p.leader,
                    )
                    for p in self.people
                ),
            )
            self._timed("people", started, n)

            started = time.perf_counter()
            n = copy_rows(
                cursor,
                "orgunits_membership",
                ["role", "start_date", "end_date", "unit_id", "person_id"],
                self._membership_rows(),
            )
            self._timed("memberships", started, n)

        root = OrgUnit.objects.get(pk=self.root.id)
        period = period_services.create_period(
            placeholders_reason=period_services.COMMAND_LINE_REASON,
            name=f"Kiểm điểm, đánh giá, xếp loại chất lượng năm {self.year}",
            kind=PeriodKind.ANNUAL,
            year=self.year,
            scope=root,
            opens_on=self.opens_on,
            created_by=user,
        )
        ReviewPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.CLOSED)
        ruleset = rulesets.from_snapshot(period.ruleset_snapshot, period.ruleset_digest)
        with connection.cursor() as cursor:
            self._write_period(cursor, period, ruleset, user)
            if history_years:
                started = time.perf_counter()
                n = copy_rows(
                    cursor,
                    "ratings_historicallevel",
                    ["year", "person_id", "unit_id", "subject_class", "level", "source"],
                    self._history_rows(history_years),
                )
                self._timed("historical levels", started, n)
        return period

    def _membership_rows(self):
        for cell in self.cells:
            secretary = self.secretary[id(cell)]
            for i in cell.people:
                p = self.people[i]
                role = MembershipRole.SECRETARY if i == secretary else MembershipRole.PARTY_MEMBER
                yield (role, p.admitted, None, cell.id, p.id)
        for unit in self.units:
            for position, i in enumerate(unit.leaders):
                role = MembershipRole.HEAD if position == 0 else MembershipRole.DEPUTY_HEAD
                yield (role, None, None, unit.id, self.people[i].id)

    def _subject_class(self, index: int, *, leader_site: bool, secretary: bool) -> str:
        p = self.people[index]
        if not p.in_system:
            return SubjectClass.OUTSIDE
        if p.leader or secretary or leader_site:
            return SubjectClass.LEADER
        return SubjectClass.NON_LEADER

    def _eligibility(self, index: int) -> tuple[str, str]:
        p = self.people[index]
        if p.status in (PartyStatus.EXEMPT, PartyStatus.SUSPENDED):
            return (
                Eligibility.NOT_REVIEWED,
                "Không kiểm điểm: đảng viên được miễn công tác và sinh hoạt đảng hoặc đang bị "
                "đình chỉ sinh hoạt đảng.",
            )
        if p.admitted >= self.opens_on - dt.timedelta(days=183):
            return (
                Eligibility.NOT_REVIEWED,
                "Không kiểm điểm: đảng viên mới được kết nạp dưới 6 tháng.",
            )
        if self.rng.random() < 0.015:
            return (
                Eligibility.CAPPED,
                "Không xếp loại cao hơn “Hoàn thành nhiệm vụ”: nghỉ ốm từ 3 tháng trở lên.",
            )
        return Eligibility.ELIGIBLE, ""

    def _anchor(self, unit: Unit) -> Unit:
        # HD 21 grouping, as enrolment does: the nearest grassroots organisation, else itself.
        node: Unit | None = unit
        while node is not None:
            if node.kind in (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL):
                return node
            node = node.parent
        return unit

    def _write_period(self, cursor, period: ReviewPeriod, ruleset, user) -> None:
        started = time.perf_counter()
        # (unit, person index or None, class, eligibility, reason)
        subjects: list[tuple[Unit, int | None, str, str, str]] = []
        collective_kinds = {
            UnitKind.PARTY_COMMITTEE,
            UnitKind.GRASSROOTS_COMMITTEE,
            UnitKind.SECTION_COMMITTEE,
            UnitKind.GRASSROOTS_CELL,
            UnitKind.PARTY_CELL,
            UnitKind.LEADERSHIP_COLLECTIVE,
        }
        for unit in self.units:
            if unit.kind in collective_kinds:
                if unit.established_on:
                    verdict = (
                        Eligibility.NOT_RATED,
                        "Không xếp loại: tập thể mới thành lập dưới 6 tháng.",
                    )
                else:
                    verdict = (Eligibility.ELIGIBLE, "")
                subjects.append((unit, None, SubjectClass.COLLECTIVE, *verdict))
        for cell in self.cells:
            secretary = self.secretary[id(cell)]
            for i in cell.people:
                cls = self._subject_class(i, leader_site=False, secretary=i == secretary)
                subjects.append((cell, i, cls, *self._eligibility(i)))
        for unit in self.units:
            for i in unit.leaders:
                cls = self._subject_class(i, leader_site=True, secretary=False)
                subjects.append((unit, i, cls, Eligibility.ELIGIBLE, ""))

        labels = dict(SubjectClass.choices)
        groups: dict[tuple[int, str], int] = {}
        group_rows = []
        for unit, _i, cls, _e, _r in subjects:
            anchor = self._anchor(unit)
            if (anchor.id, cls) not in groups:
                groups[(anchor.id, cls)] = 0
                group_rows.append((anchor, cls))
        group_ids = reserve_ids(cursor, "reviews_quotagroup", len(group_rows))
        for (anchor, cls), pk in zip(group_rows, group_ids, strict=True):
            groups[(anchor.id, cls)] = pk
        n = copy_rows(
            cursor,
            "reviews_quotagroup",
            ["id", "subject_class", "name", "unit_id", "period_id"],
            (
                (groups[(a.id, cls)], cls, f"{a.name} – {labels[cls]}", a.id, period.pk)
                for a, cls in group_rows
            ),
        )
        self._timed("quota groups", started, n)

        started = time.perf_counter()
        subject_ids = reserve_ids(cursor, "reviews_subject", len(subjects))
        n = copy_rows(
            cursor,
            "reviews_subject",
            [
                "id",
                "subject_class",
                "eligibility",
                "eligibility_reason",
                "eligibility_overridden",
                "override_reason",
                "needs_residence_comment",
                "residence_comment",
                "residence_comment_from",
                "period_id",
                "person_id",
                "quota_group_id",
                "unit_id",
            ],
            (
                (
                    pk,
                    cls,
                    elig,
                    reason,
                    False,
                    "",
                    False,
                    "",
                    "",
                    period.pk,
                    self.people[i].id if i is not None else None,
                    groups[(self._anchor(unit).id, cls)],
                    unit.id,
                )
                for pk, (unit, i, cls, elig, reason) in zip(subject_ids, subjects, strict=True)
            ),
        )
        self._timed("subjects", started, n)

        # Levels: drawn, capped (R-E3), a leader's two sites mostly agree, then R-Q1 per group.
        levels: dict[int, str] = {}
        at_cell: dict[int, str] = {}
        by_group: dict[int, list[int]] = defaultdict(list)
        for pk, (unit, i, cls, elig, _reason) in zip(subject_ids, subjects, strict=True):
            if elig not in (Eligibility.ELIGIBLE, Eligibility.CAPPED):
                continue
            weights = COLLECTIVE_WEIGHTS if i is None else INDIVIDUAL_WEIGHTS
            level = self.rng.choices(list(weights), weights=list(weights.values()))[0]
            at_leadership = i is not None and unit.kind == UnitKind.LEADERSHIP_COLLECTIVE
            if at_leadership and i in at_cell and self.rng.random() < 0.9:
                level = at_cell[i]
            if elig == Eligibility.CAPPED and level in ("HTXS", "HTT"):
                level = "HT"
            if i is not None and unit.kind != UnitKind.LEADERSHIP_COLLECTIVE:
                at_cell[i] = level
            levels[pk] = level
            by_group[groups[(self._anchor(unit).id, cls)]].append(pk)
        rule = ruleset.quota
        demoted = 0
        for members in by_group.values():
            htxs = [pk for pk in members if levels[pk] == "HTXS"]
            htt = sum(1 for pk in members if levels[pk] == "HTT")
            self.rng.shuffle(htxs)
            while htxs and not within_cap(rule, htxs=len(htxs), htt=htt, headcount=len(members)):
                levels[htxs.pop()] = "HTT"
                htt += 1
                demoted += 1
        self.demoted = demoted

        started = time.perf_counter()
        submitted = timezone.make_aware(dt.datetime.combine(self.opens_on, dt.time(9)))
        forms = {cls: ruleset.form_for_class(cls).code for cls in {s[2] for s in subjects}}
        n = copy_rows(
            cursor,
            "reviews_report",
            [
                "form_code",
                "status",
                "sections",
                "scores",
                "checklist",
                "remediation",
                "answers",
                "self_level",
                "total_points",
                "version",
                "submitted_at",
                "return_reason",
                "subject_id",
            ],
            (
                (
                    forms[cls],
                    "submitted",
                    {},
                    {},
                    {},
                    {},
                    {},
                    levels.get(pk, ""),
                    self._points(levels.get(pk)),
                    1,
                    submitted,
                    "",
                    pk,
                )
                for pk, (_u, _i, cls, _e, _r) in zip(subject_ids, subjects, strict=True)
            ),
        )
        self._timed("reports", started, n)

        started = time.perf_counter()
        decision_units = [self.root, *self.districts]
        decision_ids = reserve_ids(cursor, "ratings_decision", len(decision_units))
        decided_on = self.opens_on + dt.timedelta(days=40)
        copy_rows(
            cursor,
            "ratings_decision",
            [
                "id",
                "number",
                "decided_on",
                "status",
                "cancel_reason",
                "override_reason",
                "decided_by_id",
                "period_id",
                "unit_id",
            ],
            (
                (pk, f"{k + 1}-QĐ/TU", decided_on, "decided", "", "", user.pk, period.pk, u.id)
                for k, (u, pk) in enumerate(zip(decision_units, decision_ids, strict=True))
            ),
        )
        decision_of = {u.path: pk for u, pk in zip(decision_units, decision_ids, strict=True)}
        district_len = 2 * OrgUnit.steplen

        def decision_for(unit: Unit) -> int:
            return decision_of.get(unit.path[:district_len], decision_ids[0])

        n = copy_rows(
            cursor,
            "ratings_rating",
            [
                "proposed_level",
                "checks",
                "level",
                "change_reason",
                "quota_adjusted",
                "status",
                "reopened_reason",
                "decision_id",
                "subject_id",
                "updated_by_id",
            ],
            (
                (
                    levels[pk],
                    self._checks(levels[pk], collective=i is None),
                    levels[pk],
                    "",
                    False,
                    "decided",
                    "",
                    decision_for(unit),
                    pk,
                    user.pk,
                )
                for pk, (unit, i, _c, _e, _r) in zip(subject_ids, subjects, strict=True)
                if pk in levels
            ),
        )
        self._timed("ratings + decisions", started, n)
        self.subject_count = len(subjects)
        self.levels = levels

    def _points(self, level: str | None) -> Decimal | None:
        if not level:
            return None
        low, high = POINTS[level]
        return Decimal(self.rng.randint(low * 2, high * 2)) / 2

    def _checks(self, level: str, *, collective: bool) -> list[dict[str, Any]]:
        if level != "KHT":
            return []
        message = self.rng.choice(COLLECTIVE_KHT_REASONS if collective else KHT_REASONS)
        return [{"code": "R-K1", "ok": False, "message": message, "cap": "KHT"}]

    def _history_rows(self, years: int):
        """Levels of earlier years for every collective and every member at their chi bộ, with
        the shares drifting a little from year to year."""
        source = "generate_province"
        for back in range(1, years + 1):
            year = self.year - back
            drift = self.rng.uniform(-4.0, 2.0)
            weights = dict(INDIVIDUAL_WEIGHTS, HT=max(1.0, INDIVIDUAL_WEIGHTS["HT"] - drift))
            codes, values = list(weights), list(weights.values())
            for unit in self.units:
                level = self.rng.choices(codes, weights=values)[0]
                yield (year, None, unit.id, SubjectClass.COLLECTIVE, level, source)
            for cell in self.cells:
                secretary = self.secretary[id(cell)]
                for i in cell.people:
                    if not self._active(i):
                        continue
                    cls = self._subject_class(i, leader_site=False, secretary=i == secretary)
                    level = self.rng.choices(codes, weights=values)[0]
                    yield (year, self.people[i].id, cell.id, cls, level, source)


class Command(BaseCommand):
    help = "Build a generated province with a decided period (bulk COPY), for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--units", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument("--code", default="BENCH", help="Root unit code (and code prefix).")
        parser.add_argument(
            "--history-years", type=int, default=2, help="Earlier years of imported levels."
        )
        parser.add_argument(
            "--with-audit",
            action="store_true",
            help="Let the pghistory triggers record every generated row (slower).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["code"].strip().upper()
        if (
            OrgUnit.objects.filter(code=code).exists()
            or OrgUnit.objects.filter(code__startswith=f"{code}-").exists()
        ):
            raise CommandError(f"Units with code {code} already exist; choose another --code.")
        generator = Generator(
            people=options["people"],
            units=options["units"],
            seed=options["seed"],
            year=options["year"],
            code=code,
            out=self.stdout.write,
        )
        started = time.perf_counter()
        last_root = OrgUnit.objects.get_last_root_node()
        root_path = last_root._inc_path() if last_root else OrgUnit._get_path(None, 1, 1)
        generator.plan_tree(root_path)
        generator.plan_people()
        self.stdout.write(f"Planned in {time.perf_counter() - started:.1f} s; writing:")
        audit = options["with_audit"]
        with transaction.atomic(), nullcontext() if audit else pgtrigger.ignore():
            if not audit:
                # Sets pgtrigger.ignore for the transaction, which COPY then inherits.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            user = self._officer(code)
            period = generator.write(user=user, history_years=options["history_years"])
            root = OrgUnit.objects.get(pk=generator.root.id)
            unit_services.grant_role(user=user, unit=root, role=Role.AUTHORITY)
        started_analyze = time.perf_counter()
        with connection.cursor() as cursor:
            for table in (
                "orgunits_orgunit",
                "orgunits_person",
                "orgunits_membership",
                "reviews_quotagroup",
                "reviews_subject",
                "reviews_report",
                "reviews_reportcount",
                "ratings_rating",
                "ratings_historicallevel",
            ):
                cursor.execute(f"ANALYZE {table}")
        generator.timings.append(("analyze", time.perf_counter() - started_analyze, 0))
        total = time.perf_counter() - started
        counts = defaultdict(int)
        for level in generator.levels.values():
            counts[level] += 1
        rated = sum(counts.values()) or 1
        shares = ", ".join(f"{lvl} {counts[lvl] * 100 / rated:.1f}%" for lvl in LEVEL_ORDER)
        self.stdout.write(
            self.style.SUCCESS(
                f"Province {code}: {len(generator.units)} units, {len(generator.people)} people, "
                f"{generator.subject_count} subjects, {len(generator.levels)} decided ratings "
                f"({shares}; {generator.demoted} moved HTXS→HTT for R-Q1); period {period.pk} "
                f"({period.year}); audit triggers {'on' if audit else 'skipped'}; "
                f"{total:.1f} s in all."
            )
        )
        self.stdout.write(f"Root unit id {generator.root.id}; officer login «{user.username}».")

    def _officer(self, code: str):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=f"{code.lower()}_officer", defaults={"first_name": "Cán bộ", "last_name": code}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user

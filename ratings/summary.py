"""Summary statistics of a period's results for any subtree (báo cáo tổng hợp kết quả).

Five class groups, as the published provincial reports count them:

- ``grassroots``: grassroots party organisations (collective subjects at units of kind
  grassroots_committee / grassroots_cell);
- ``cells``: chi bộ and đảng bộ bộ phận under a grassroots committee (party_cell,
  section_committee);
- ``leadership``: leadership collectives (leadership_collective);
- ``members``: party members (individual subjects at party units);
- ``leaders``: leaders and managers (individual subjects of class leader / central_cadre).

A leader's subject at their chi bộ is in both ``members`` and ``leaders``; their subject at the
leadership collective is in ``leaders`` only.

**One person, several sites (R-E4).** Within one class group and one scope (the subtree, or one
child unit's subtree) a person counts once: they are reviewed if any of their subjects in the
group is eligible for rating (else not rated, else not reviewed), rated if any eligible subject
has a decided or published level, and their level is the *lowest* of those decided levels (the
conservative reading, consistent with R-L1). Because each child's row is that child's own
summary, a person reviewed in two children counts once in each row and once in the total: the
rows may then add up to more than the total, which is the distinct count.

Everything is computed by aggregate SQL grouped by path prefixes (`substr(path, 1, n)`), one
statement per need; nothing loops over people in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum, Window
from django.utils.translation import gettext_lazy as _

from orgunits.models import OrgUnit, UnitKind
from reviews import selectors as review_selectors
from reviews.models import PeriodKind, QuotaGroup, ReviewPeriod, SubjectClass

from .models import QuotaException, Rating, RatingStatus, SummaryNarrative
from .quota import base_count, within_cap

LEVELS: tuple[str, ...] = ("HTXS", "HTT", "HT", "KHT")
DECIDED: tuple[str, ...] = (RatingStatus.DECIDED, RatingStatus.PUBLISHED)
LEADER_CLASSES = (SubjectClass.LEADER, SubjectClass.CENTRAL_CADRE)
PARTY_KINDS = (
    UnitKind.PARTY_COMMITTEE,
    UnitKind.GRASSROOTS_COMMITTEE,
    UnitKind.SECTION_COMMITTEE,
    UnitKind.GRASSROOTS_CELL,
    UnitKind.PARTY_CELL,
)
GRASSROOTS_KINDS = (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL)
CELL_KINDS = (UnitKind.PARTY_CELL, UnitKind.SECTION_COMMITTEE)
LEADERSHIP_KINDS = (UnitKind.LEADERSHIP_COLLECTIVE,)
# How far back the year-over-year comparison looks (periods and imported levels).
YEARS_BACK = 10
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ClassGroup:
    code: str
    label: Any  # lazy translation for the UI
    title: str  # fixed Vietnamese for documents and exports
    collective: bool


GROUPS: tuple[ClassGroup, ...] = (
    ClassGroup(
        "grassroots", _("Grassroots party organisations"), "Tổ chức cơ sở đảng", collective=True
    ),
    ClassGroup(
        "cells",
        _("Party cells and section committees"),
        "Đảng bộ bộ phận, chi bộ trực thuộc",
        collective=True,
    ),
    ClassGroup(
        "leadership",
        _("Leadership collectives"),
        "Tập thể lãnh đạo, quản lý",
        collective=True,
    ),
    ClassGroup("members", _("Party members"), "Đảng viên", collective=False),
    ClassGroup("leaders", _("Leaders and managers"), "Cán bộ lãnh đạo, quản lý", collective=False),
)
GROUP_BY_CODE = {g.code: g for g in GROUPS}


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage rounded half up to two decimals; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GroupStats:
    """The figures of one class group in one scope.

    total = not_reviewed + not_rated + eligible; eligible = pending + rated; rated = Σ levels.
    Shares of a level are of those rated (the decided levels add up to 100%).
    """

    group: str
    total: int = 0
    not_reviewed: int = 0
    not_rated: int = 0
    pending: int = 0
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    partial: bool = False  # an imported year: only the levels are known

    @property
    def reviewed(self) -> int:
        """Reviewed (kiểm điểm): everyone but those exempt from the review (R-E1)."""
        return self.total - self.not_reviewed

    @property
    def eligible(self) -> int:
        """To be rated: reviewed, less those reviewed but not rated (R-E2, R-E3)."""
        return self.reviewed - self.not_rated

    @property
    def exempt(self) -> int:
        return self.not_reviewed + self.not_rated

    @property
    def rated(self) -> int:
        return sum(self.levels.values())

    def count(self, level: str) -> int:
        return self.levels.get(level, 0)

    def pct(self, level: str) -> Decimal | None:
        return percent(self.count(level), self.rated)

    @property
    def htt_or_above(self) -> int:
        return self.count("HTXS") + self.count("HTT")

    @property
    def htt_or_above_pct(self) -> Decimal | None:
        return percent(self.htt_or_above, self.rated)

    @property
    def htxs_pct_of_rated(self) -> Decimal | None:
        return percent(self.count("HTXS"), self.rated)

    @property
    def htxs_pct_of_htt(self) -> Decimal | None:
        return percent(self.count("HTXS"), self.count("HTT"))

    @property
    def level_rows(self) -> list[tuple[str, int, Decimal | None]]:
        return [(code, self.count(code), self.pct(code)) for code in LEVELS]


def _empty(group: str) -> GroupStats:
    return GroupStats(group=group)


@dataclass
class ChildRow:
    """One row of the table per child unit: the child's whole subtree (or the unit's own
    subjects when `unit` is None)."""

    unit: OrgUnit | None
    groups: dict[str, GroupStats]

    @property
    def has_subjects(self) -> bool:
        return any(g.total for g in self.groups.values())


@dataclass
class YearFigures:
    year: int
    source: str  # "period" (this app), "history" (imported levels)
    label: str
    groups: dict[str, GroupStats]
    period_id: int | None = None


@dataclass(frozen=True)
class YearRange:
    """The lowest and highest "HTT or above" share over the years: "từ 89,38% đến 96,10%"."""

    low: Decimal
    low_year: int
    high: Decimal
    high_year: int
    first_year: int
    last_year: int


@dataclass(frozen=True)
class QuotaRow:
    group_id: int
    name: str
    subject_class: str
    unit_name: str
    headcount: int
    htxs: int
    htt: int
    cap: int
    ok: bool


@dataclass
class QuotaCompliance:
    groups: int
    within: int
    rows: list[QuotaRow]  # exceeding first, then by name

    @property
    def exceeding(self) -> int:
        return self.groups - self.within


@dataclass(frozen=True)
class KhtRow:
    subject_id: int
    name: str
    unit_name: str
    subject_class: str
    group: str
    reasons: list[str]


@dataclass
class UnitSummary:
    period: ReviewPeriod
    unit: OrgUnit
    totals: dict[str, GroupStats]
    rows: list[ChildRow]
    years: list[YearFigures]
    ranges: dict[str, YearRange]
    quota: QuotaCompliance
    kht: list[KhtRow]
    kht_total: int
    narrative: SummaryNarrative | None = None

    def group(self, code: str) -> GroupStats:
        return self.totals[code]

    @property
    def previous(self) -> YearFigures | None:
        """The latest year before this period's, for "compared with last year"."""
        earlier = [y for y in self.years if y.year < self.period.year]
        return earlier[-1] if earlier else None


# --- The aggregate statements -------------------------------------------------------------
# Static SQL: every value goes in as a parameter. The four levels are the same in every rule
# set (domain.md §3); LEVELS gives their order, best first.
#
# Counting once per person (R-E4) by grouping 200,000 rows per person is what makes such a
# query slow, so the statements count per subject and per unit (a small result), then correct
# for the few people with several subjects: their rows are taken out subject by subject and
# put back once per person, per child and in total.

# Each subject of the period in the subtree with its rating, as stored. Expressions are
# evaluated on the aggregated rows (a few per unit), not on every subject.
_SUB = """
    sub AS MATERIALIZED (
        SELECT s.period_id, s.unit_id, s.person_id, s.quota_group_id, s.subject_class,
            s.eligibility, r.status, r.level
        FROM reviews_subject s
        LEFT JOIN ratings_rating r ON r.subject_id = s.id
        WHERE s.period_id = ANY(%(periods)s)
            AND s.unit_id IN (SELECT id FROM orgunits_orgunit WHERE path LIKE %(prefix)s)
    ),
    units AS (
        SELECT id, substr(path, 1, %(child_len)s) AS child, kind
        FROM orgunits_orgunit WHERE path LIKE %(prefix)s
    ),
    -- Per unit: whether the rows count as a leader's, their exclusion rank (0 to be rated,
    -- 1 reviewed but not rated, 2 not reviewed) and, when decided, the rank of their level
    -- (1 = HTXS … 4 = KHT).
    per_unit AS (
        SELECT period_id, unit_id, collective, n,
            NOT collective AND subject_class = ANY(%(leader_classes)s) AS is_leader,
            CASE eligibility WHEN 'not_reviewed' THEN 2 WHEN 'not_rated' THEN 1 ELSE 0 END
                AS excl,
            CASE WHEN eligibility NOT IN ('not_reviewed', 'not_rated')
                      AND status = ANY(%(decided)s)
                 THEN array_position(%(levels)s::text[], level::text) END AS lvl
        FROM (
            SELECT period_id, unit_id, person_id IS NULL AS collective, subject_class,
                eligibility, status, level, count(*) AS n
            FROM sub GROUP BY 1, 2, 3, 4, 5, 6, 7
        ) raw
    ),
    classified AS (
        SELECT p.period_id,
            CASE
                WHEN p.collective THEN
                    CASE
                        WHEN u.kind = ANY(%(grassroots_kinds)s) THEN 'grassroots'
                        WHEN u.kind = ANY(%(cell_kinds)s) THEN 'cells'
                        WHEN u.kind = ANY(%(leadership_kinds)s) THEN 'leadership'
                    END
                WHEN u.kind = ANY(%(party_kinds)s) THEN 'members'
            END AS grp,
            u.child, p.excl, p.lvl, p.n
        FROM per_unit p JOIN units u ON u.id = p.unit_id
        UNION ALL
        SELECT p.period_id, 'leaders', u.child, p.excl, p.lvl, p.n
        FROM per_unit p JOIN units u ON u.id = p.unit_id
        WHERE p.is_leader
    ),
    -- The subjects of people with several subjects in the period, ranked the same way.
    dup_rows AS (
        SELECT d.period_id, d.unit_id, d.person_id,
            d.subject_class = ANY(%(leader_classes)s) AS is_leader,
            CASE d.eligibility WHEN 'not_reviewed' THEN 2 WHEN 'not_rated' THEN 1 ELSE 0 END
                AS excl,
            CASE WHEN d.eligibility NOT IN ('not_reviewed', 'not_rated')
                      AND d.status = ANY(%(decided)s)
                 THEN array_position(%(levels)s::text[], d.level::text) END AS lvl
        FROM sub d
        WHERE d.person_id IS NOT NULL AND (d.period_id, d.person_id) IN (
            SELECT period_id, person_id FROM sub WHERE person_id IS NOT NULL
            GROUP BY period_id, person_id HAVING count(*) > 1
        )
    ),
    dup_expanded AS (
        SELECT d.period_id,
            CASE WHEN u.kind = ANY(%(party_kinds)s) THEN 'members' END AS grp,
            u.child, d.person_id, d.excl, d.lvl
        FROM dup_rows d JOIN units u ON u.id = d.unit_id
        UNION ALL
        SELECT d.period_id, 'leaders', u.child, d.person_id, d.excl, d.lvl
        FROM dup_rows d JOIN units u ON u.id = d.unit_id
        WHERE d.is_leader
    )
"""
_SUMS = """
    sum(n) AS total,
    sum(n) FILTER (WHERE excl = 2) AS not_reviewed,
    sum(n) FILTER (WHERE excl = 1) AS not_rated,
    sum(n) FILTER (WHERE excl = 0 AND lvl IS NULL) AS pending,
    sum(n) FILTER (WHERE lvl = 1) AS l1,
    sum(n) FILTER (WHERE lvl = 2) AS l2,
    sum(n) FILTER (WHERE lvl = 3) AS l3,
    sum(n) FILTER (WHERE lvl = 4) AS l4
"""
_TOTAL_ROWS = (
    "SELECT 'total', period_id, grp, NULL,"  # noqa: S608 - constants; values are parameters
    + _SUMS
    + """
    FROM (
        SELECT period_id, grp, excl, lvl, n FROM classified
        UNION ALL
        SELECT period_id, grp, excl, lvl, -count(*) FROM dup_expanded
        GROUP BY period_id, grp, excl, lvl
        UNION ALL
        SELECT period_id, grp, MIN(excl), MAX(lvl), 1 FROM dup_expanded
        GROUP BY period_id, grp, person_id
    ) t
    WHERE grp IS NOT NULL
    GROUP BY period_id, grp
"""
)
_CHILD_ROWS = (
    "SELECT 'child', period_id, grp, child,"  # noqa: S608 - constants; values are parameters
    + _SUMS
    + """
    FROM (
        SELECT period_id, grp, child, excl, lvl, n FROM classified
        UNION ALL
        SELECT period_id, grp, child, excl, lvl, -count(*) FROM dup_expanded
        GROUP BY period_id, grp, child, excl, lvl
        UNION ALL
        SELECT period_id, grp, child, MIN(excl), MAX(lvl), 1 FROM dup_expanded
        GROUP BY period_id, grp, child, person_id
    ) c
    WHERE grp IS NOT NULL
    GROUP BY period_id, grp, child
"""
)
# Decided levels per quota group, subject by subject (R-Q1 counts subjects, not people).
_QUOTA_ROWS = """
    SELECT 'quota', period_id, NULL, quota_group_id::text,
        count(*), 0, 0, 0,
        count(*) FILTER (WHERE level = %(l1)s), count(*) FILTER (WHERE level = %(l2)s),
        count(*) FILTER (WHERE level = %(l3)s), count(*) FILTER (WHERE level = %(l4)s)
    FROM sub
    WHERE quota_group_id IS NOT NULL AND status = ANY(%(decided)s)
        AND eligibility NOT IN ('not_reviewed', 'not_rated')
    GROUP BY period_id, quota_group_id
"""
# One period: per child, in total and per quota group. Several periods: totals only.
FIGURES_SQL = (
    "WITH" + _SUB + _CHILD_ROWS + " UNION ALL " + _TOTAL_ROWS + " UNION ALL " + _QUOTA_ROWS
)
TOTALS_SQL = "WITH" + _SUB + _TOTAL_ROWS

# Imported years, counted per (year, collective?, unit kind, class, level); the rows are
# put into class groups in Python (a few dozen rows). The import keeps at most one row per
# person and year in each class group, so nothing needs regrouping per person. An
# individual's row without a unit is placed in the subtree by the person's memberships there.
HISTORY_SQL = """
    SELECT h.year, h.person_id IS NULL, u.kind, h.subject_class, h.level, count(*)
    FROM ratings_historicallevel h
    JOIN orgunits_orgunit u ON u.id = h.unit_id
    WHERE h.year BETWEEN %(first_year)s AND %(last_year)s AND u.path LIKE %(prefix)s
    GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT h.year, false, NULL, h.subject_class, h.level, count(*)
    FROM ratings_historicallevel h
    WHERE h.year BETWEEN %(first_year)s AND %(last_year)s AND h.unit_id IS NULL AND EXISTS (
        SELECT 1 FROM orgunits_membership m
        JOIN orgunits_orgunit mu ON mu.id = m.unit_id
        WHERE m.person_id = h.person_id AND mu.path LIKE %(prefix)s)
    GROUP BY 1, 2, 3, 4, 5
"""


def groups_of(*, collective: bool, kind: str | None, subject_class: str) -> list[str]:
    """The class groups a row counts in: a collective by its unit's kind; an individual as a
    party member at a party unit (or, without a unit, unless a leader's row) and as a leader
    by class. The SQL of the figures applies the same rule."""
    if collective:
        if kind in GRASSROOTS_KINDS:
            return ["grassroots"]
        if kind in CELL_KINDS:
            return ["cells"]
        if kind in LEADERSHIP_KINDS:
            return ["leadership"]
        return []
    leader = subject_class in LEADER_CLASSES
    found = []
    if kind in PARTY_KINDS or (kind is None and not leader):
        found.append("members")
    if leader:
        found.append("leaders")
    return found


def _params(**extra: Any) -> dict[str, Any]:
    return {
        "grassroots_kinds": list(GRASSROOTS_KINDS),
        "cell_kinds": list(CELL_KINDS),
        "leadership_kinds": list(LEADERSHIP_KINDS),
        "party_kinds": list(PARTY_KINDS),
        "leader_classes": list(LEADER_CLASSES),
        "decided": list(DECIDED),
        "levels": list(LEVELS),
        **{f"l{i}": code for i, code in enumerate(LEVELS, 1)},
        **extra,
    }


def _ints(row: Sequence[Any]) -> list[int]:
    # sum() of no rows is NULL, and sums come back as Decimal.
    return [int(v or 0) for v in row]


def _stats_from_row(group: str, row: Sequence[Any]) -> GroupStats:
    total, not_reviewed, not_rated, pending, *levels = _ints(row)
    return GroupStats(
        group=group,
        total=total,
        not_reviewed=not_reviewed,
        not_rated=not_rated,
        pending=pending,
        levels=dict(zip(LEVELS, levels, strict=True)),
    )


def _run(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _all_groups(found: dict[str, GroupStats]) -> dict[str, GroupStats]:
    return {g.code: found.get(g.code) or _empty(g.code) for g in GROUPS}


@dataclass
class Figures:
    """The result of one figures statement for one period."""

    totals: dict[str, GroupStats]
    per_child: dict[str, dict[str, GroupStats]]  # child path prefix → groups
    quota: dict[int, dict[str, int]]  # quota group id → headcount, levels (decided, in subtree)


def group_figures(period: ReviewPeriod, unit: OrgUnit) -> Figures:
    """Totals per group, per child (the unit's own subjects under its own path) and decided
    levels per quota group for the unit's subtree. One statement."""
    rows = _run(
        FIGURES_SQL,
        _params(
            periods=[period.pk], prefix=unit.path + "%", child_len=len(unit.path) + unit.steplen
        ),
    )
    totals: dict[str, GroupStats] = {}
    per_child: dict[str, dict[str, GroupStats]] = defaultdict(dict)
    quota: dict[int, dict[str, int]] = {}
    for kind, _period_id, group, child, *counts in rows:
        if kind == "quota":
            headcount, _a, _b, _c, *levels = _ints(counts)
            quota[int(child)] = {"headcount": headcount, **dict(zip(LEVELS, levels, strict=True))}
        elif kind == "total":
            totals[group] = _stats_from_row(group, counts)
        else:
            per_child[child][group] = _stats_from_row(group, counts)
    return Figures(
        totals=_all_groups(totals),
        per_child={k: _all_groups(v) for k, v in per_child.items()},
        quota=quota,
    )


def period_totals(periods: Iterable[ReviewPeriod], unit: OrgUnit) -> dict[int, dict]:
    """Totals per group for several periods over the same subtree, in one statement."""
    ids = [p.pk for p in periods]
    if not ids:
        return {}
    rows = _run(TOTALS_SQL, _params(periods=ids, prefix=unit.path + "%", child_len=0))
    found: dict[int, dict[str, GroupStats]] = defaultdict(dict)
    for _kind, period_id, group, _child, *counts in rows:
        found[period_id][group] = _stats_from_row(group, counts)
    return {pk: _all_groups(found.get(pk, {})) for pk in ids}


def history_totals(years: Iterable[int], unit: OrgUnit) -> dict[int, dict[str, GroupStats]]:
    """Imported levels per year and group for the subtree (rated counts only); years without
    any imported row in the subtree are left out. One statement; the loop runs over its few
    dozen aggregated rows."""
    wanted = set(years)
    if not wanted:
        return {}
    rows = _run(
        HISTORY_SQL,
        _params(first_year=min(wanted), last_year=max(wanted), prefix=unit.path + "%"),
    )
    counts: dict[int, dict[str, dict[str, int]]] = {}
    for year, collective, kind, cls, level, n in rows:
        if year not in wanted or level not in LEVELS:
            continue
        per_group = counts.setdefault(year, {g.code: dict.fromkeys(LEVELS, 0) for g in GROUPS})
        for group in groups_of(collective=collective, kind=kind, subject_class=cls):
            per_group[group][level] += n
    return {
        year: {
            code: GroupStats(group=code, total=sum(levels.values()), levels=levels, partial=True)
            for code, levels in per_group.items()
        }
        for year, per_group in sorted(counts.items())
    }


def earlier_periods(period: ReviewPeriod, unit: OrgUnit) -> list[ReviewPeriod]:
    """Earlier periods of the same kind (and quarter) whose scope covers the unit, one per
    year (the nearest scope wins)."""
    ancestor_paths = [
        unit.path[:i] for i in range(OrgUnit.steplen, len(unit.path) + 1, OrgUnit.steplen)
    ]
    candidates = (
        ReviewPeriod.objects.filter(
            kind=period.kind, year__lt=period.year, scope__path__in=ancestor_paths
        )
        .filter(Q(quarter=period.quarter) if period.kind == PeriodKind.QUARTERLY else Q())
        .select_related("scope")
        .order_by("year", "-scope__depth")
    )
    by_year: dict[int, ReviewPeriod] = {}
    for candidate in candidates:
        by_year.setdefault(candidate.year, candidate)
    return [by_year[y] for y in sorted(by_year)]


def year_figures(period: ReviewPeriod, unit: OrgUnit, current: dict[str, GroupStats]):
    """This period, earlier periods of the app and imported years, oldest first; a year the
    app has a period for ignores imported levels of that year."""
    earlier = earlier_periods(period, unit)
    from_app = period_totals(earlier, unit)
    years = [YearFigures(p.year, "period", p.name, from_app[p.pk], period_id=p.pk) for p in earlier]
    covered = {p.year for p in earlier}
    history = history_totals(
        (y for y in range(period.year - YEARS_BACK, period.year) if y not in covered), unit
    )
    years += [
        YearFigures(year, "history", f"Năm {year} (số liệu nhập)", groups)
        for year, groups in history.items()
    ]
    years.append(YearFigures(period.year, "period", period.name, current, period_id=period.pk))
    return sorted(years, key=lambda y: y.year)


def ranges(years: list[YearFigures]) -> dict[str, YearRange]:
    """Per group, the lowest and highest "HTT or above" share over the years with results."""
    found: dict[str, YearRange] = {}
    for group in GROUPS:
        points = [
            (y.year, y.groups[group.code].htt_or_above_pct)
            for y in years
            if y.groups[group.code].rated
        ]
        points = [(year, pct) for year, pct in points if pct is not None]
        if len(points) < 2:
            continue
        low = min(points, key=lambda p: (p[1], p[0]))
        high = max(points, key=lambda p: (p[1], -p[0]))
        found[group.code] = YearRange(
            low=low[1],
            low_year=low[0],
            high=high[1],
            high_year=high[0],
            first_year=points[0][0],
            last_year=points[-1][0],
        )
    return found


def quota_compliance(
    period: ReviewPeriod, unit: OrgUnit, counted: dict[int, dict[str, int]]
) -> QuotaCompliance:
    """R-Q1 on the decided levels of every quota group with a subject in the subtree.

    `counted` holds the decided levels per group within the subtree (from `group_figures`).
    A group anchored above the unit (a chi bộ's group is its grassroots organisation's) also
    has subjects outside it, so those few groups are counted again over the whole group.
    The loop is over groups, each checked with the rule set that applies at its unit."""
    groups = list(
        QuotaGroup.objects.filter(pk__in=list(counted))
        .select_related("unit")
        .only("pk", "name", "subject_class", "unit__name", "unit__path", "unit__kind")
    )
    outside = [g.pk for g in groups if not g.unit.path.startswith(unit.path)]
    counts = dict(counted)
    if outside:
        whole = (
            Rating.objects.filter(subject__quota_group__in=outside, status__in=DECIDED)
            .values("subject__quota_group")
            .annotate(
                headcount=Count("id"),
                **{code: Count("id", filter=Q(level=code)) for code in LEVELS},
            )
        )
        for row in whole:
            counts[row.pop("subject__quota_group")] = row
    extras = dict(
        QuotaException.objects.filter(group_id__in=list(counted))
        .values("group_id")
        .annotate(extra=Sum("extra_htxs"))
        .values_list("group_id", "extra")
    )
    rows = []
    for group in groups:
        c = counts[group.pk]
        rule = review_selectors.ruleset_for_unit(period, group.unit).quota
        extra = extras.get(group.pk) or 0
        base = base_count(rule, htxs=c["HTXS"], htt=c["HTT"], headcount=c["headcount"])
        cap = rule.cap(base) + extra
        rows.append(
            QuotaRow(
                group_id=group.pk,
                name=group.name,
                subject_class=group.subject_class,
                unit_name=group.unit.name,
                headcount=c["headcount"],
                htxs=c["HTXS"],
                htt=c["HTT"],
                cap=cap,
                ok=within_cap(
                    rule, htxs=c["HTXS"], htt=c["HTT"], headcount=c["headcount"], extra=extra
                ),
            )
        )
    rows.sort(key=lambda r: (r.ok, r.name))
    return QuotaCompliance(groups=len(rows), within=sum(1 for r in rows if r.ok), rows=rows)


def kht_ratings(period: ReviewPeriod, unit: OrgUnit) -> QuerySet[Rating]:
    """Decided KHT ratings in the subtree, with subject, person and unit, in tree order, each
    annotated with `kht_total` (the count of all of them, so a slice still knows it)."""
    return (
        Rating.objects.filter(
            subject__period=period,
            subject__unit__path__startswith=unit.path,
            status__in=DECIDED,
            level="KHT",
        )
        .select_related("subject__person", "subject__unit")
        .annotate(kht_total=Window(Count("id")))
        .order_by("subject__unit__path", "subject__person__given_name", "subject_id")
    )


def kht_reasons(rating: Rating) -> list[str]:
    """Why a subject is KHT: the failed checks that capped it, then the officer's reason."""
    reasons = [
        str(c.get("message", "")).strip()
        for c in rating.checks or []
        if isinstance(c, dict) and c.get("ok") is False and c.get("message")
    ]
    if rating.change_reason.strip():
        reasons.append(rating.change_reason.strip())
    return list(dict.fromkeys(reasons))


def kht_row(rating: Rating) -> KhtRow:
    subject = rating.subject
    if subject.person_id:
        group = "leaders" if subject.subject_class in LEADER_CLASSES else "members"
    else:
        kind = subject.unit.kind
        group = (
            "grassroots"
            if kind in GRASSROOTS_KINDS
            else "cells"
            if kind in CELL_KINDS
            else "leadership"
        )
    return KhtRow(
        subject_id=subject.pk,
        name=subject.person.full_name if subject.person_id else subject.unit.name,
        unit_name=subject.unit.name,
        subject_class=subject.subject_class,
        group=group,
        reasons=kht_reasons(rating) or ["(chưa ghi lý do)"],
    )


def kht_list(
    period: ReviewPeriod, unit: OrgUnit, limit: int | None = 200
) -> tuple[list[KhtRow], int]:
    """The KHT subjects of the subtree with their reasons (at most `limit`), and how many
    there are in all. One statement."""
    ratings = kht_ratings(period, unit)
    found = list(ratings if limit is None else ratings[:limit])
    total = found[0].kht_total if found else 0
    return [kht_row(r) for r in found], total


def children_of(unit: OrgUnit) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
    )


def summary(period: ReviewPeriod, unit: OrgUnit, *, kht_limit: int | None = 200) -> UnitSummary:
    """Everything the summary page and the exports show for the unit's subtree.

    A fixed number of statements whatever the size of the subtree (about eight)."""
    with transaction.atomic():
        # The aggregates hash a few hundred thousand rows: keep them in memory, not on disk.
        # The planner overestimates the rows of the correction branches a hundredfold and
        # would spend more than a second JIT-compiling a query that runs in a few hundred ms.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
        figures = group_figures(period, unit)
        years = year_figures(period, unit, figures.totals)
    rows = []
    if unit.path in figures.per_child:
        rows.append(ChildRow(None, figures.per_child[unit.path]))
    for child in children_of(unit):
        rows.append(ChildRow(child, figures.per_child.get(child.path) or _all_groups({})))
    kht, kht_total = kht_list(period, unit, limit=kht_limit)
    return UnitSummary(
        period=period,
        unit=unit,
        totals=figures.totals,
        rows=rows,
        years=years,
        ranges=ranges(years),
        quota=quota_compliance(period, unit, figures.quota),
        kht=kht,
        kht_total=kht_total,
        narrative=SummaryNarrative.objects.filter(period=period, unit=unit).first(),
    )


def chart_data(summary: UnitSummary) -> dict[str, Any]:
    """What static/js/summary-charts.js draws, for `json_script`: counts per level and group,
    and the "HTT or above" share per year and group."""
    return {
        "levels": list(LEVELS),
        "groups": [
            {
                "code": g.code,
                "label": str(g.label),
                "counts": [summary.totals[g.code].count(level) for level in LEVELS],
            }
            for g in GROUPS
            if summary.totals[g.code].rated
        ],
        "years": [y.year for y in summary.years],
        "trend": [
            {
                "code": g.code,
                "label": str(g.label),
                "values": [
                    float(p) if (p := y.groups[g.code].htt_or_above_pct) is not None else None
                    for y in summary.years
                ],
            }
            for g in GROUPS
            if any(y.groups[g.code].rated for y in summary.years)
        ],
    }


def vn_percent(value: Decimal | None) -> str:
    """'89,38%' as Vietnamese documents write it; an en dash when there is nothing to divide."""
    if value is None:
        return "–"
    return f"{value:.2f}".replace(".", ",") + "%"


def vn_number(value: int) -> str:
    """'165.000': thousands separated by dots."""
    return f"{value:,}".replace(",", ".")

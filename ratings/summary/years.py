"""The year-over-year comparison: earlier periods, imported years and the ranges."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from orgunits.models import OrgUnit
from reviews.models import PeriodKind, ReviewPeriod

from .queries import _params, _run, period_totals
from .stats import (
    CELL_KINDS,
    GRASSROOTS_KINDS,
    GROUPS,
    LEADER_CLASSES,
    LEADERSHIP_KINDS,
    LEVELS,
    PARTY_KINDS,
    GroupStats,
    YearFigures,
    YearRange,
)

# How far back the year-over-year comparison looks (periods and imported levels).
YEARS_BACK = 10

# Imported years, counted per (year, collective?, unit kind, class, level); the rows are
# put into class groups in Python (a few dozen rows). The import keeps at most one row per
# person and year in each class group, so nothing needs regrouping per person. Rows naming a
# unit are read from the counts kept at write time (`ratings_historycount`); an individual's
# row without a unit is placed in the subtree by the person's memberships there, from the raw
# rows (a partial index finds them).
HISTORY_SQL = """
    SELECT h.year, h.subject_class = 'collective', u.kind, h.subject_class, h.level, sum(h.n)
    FROM ratings_historycount h
    JOIN orgunits_orgunit u ON u.id = h.unit_id
    WHERE h.year BETWEEN %(first_year)s AND %(last_year)s AND u.path LIKE %(prefix)s
        AND h.n <> 0
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

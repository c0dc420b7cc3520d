"""The aggregate statements of one period's figures (and of earlier periods' totals)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from orgunits.models import OrgUnit
from reviews.models import ReviewPeriod

from .stats import (
    CELL_KINDS,
    DECIDED,
    GRASSROOTS_KINDS,
    GROUPS,
    LEADER_CLASSES,
    LEADERSHIP_KINDS,
    LEVELS,
    PARTY_KINDS,
    GroupStats,
    _empty,
)

# --- The aggregate statements -------------------------------------------------------------
# Static SQL: every value goes in as a parameter. The four levels are the same in every rule
# set (domain.md §3); LEVELS gives their order, best first.
#
# The counts come from `ratings_levelcount`, kept at write time per (period, unit, quota group,
# class, eligibility, decided, level) by triggers (ratings.rollup_sql): a subtree's figures sum
# a few rows per unit instead of scanning every subject. Counting once per person (R-E4) is a
# correction over the few people with several subjects in the period
# (`ratings_multisitesubject`): their rows are taken out subject by subject and put back once
# per person, per child and in total. A person with a single subject in the subtree is taken
# out and put back unchanged, so the period-wide list serves any subtree.

_SUB = """
    units AS MATERIALIZED (
        SELECT id, substr(path, 1, %(child_len)s) AS child, kind
        FROM orgunits_orgunit WHERE path LIKE %(prefix)s
    ),
    -- The kept counts of the subtree (a few rows per unit), read once for both the figures
    -- and the quota groups.
    counted AS MATERIALIZED (
        SELECT c.period_id, u.child, u.kind, c.quota_group_id, c.subject_class, c.eligibility,
            c.decided, c.level, c.n
        FROM ratings_levelcount c JOIN units u ON u.id = c.unit_id
        WHERE c.period_id = ANY(%(periods)s) AND c.measure = 'final' AND c.n <> 0
    ),
    -- Summed per child and unit kind: a few rows per child, whatever the number of units.
    per_child AS MATERIALIZED (
        SELECT period_id, child, kind, subject_class, eligibility, decided, level, sum(n) AS n
        FROM counted
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ),
    -- Whether the rows count as a leader's, their exclusion rank (0 to be rated, 1 reviewed
    -- but not rated, 2 not reviewed) and, when decided, the rank of their level (1 = HTXS …
    -- 4 = KHT).
    per_unit AS (
        SELECT period_id, child, kind, collective, n,
            NOT collective AND subject_class = ANY(%(leader_classes)s) AS is_leader,
            CASE eligibility WHEN 'not_reviewed' THEN 2 WHEN 'not_rated' THEN 1 ELSE 0 END
                AS excl,
            CASE WHEN eligibility NOT IN ('not_reviewed', 'not_rated') AND decided
                 THEN array_position(%(levels)s::text[], level::text) END AS lvl
        FROM (
            SELECT period_id, child, kind, subject_class = 'collective' AS collective,
                subject_class, eligibility, decided, level, n
            FROM per_child
        ) raw
    ),
    classified AS (
        SELECT p.period_id,
            CASE
                WHEN p.collective THEN
                    CASE
                        WHEN p.kind = ANY(%(grassroots_kinds)s) THEN 'grassroots'
                        WHEN p.kind = ANY(%(cell_kinds)s) THEN 'cells'
                        WHEN p.kind = ANY(%(leadership_kinds)s) THEN 'leadership'
                    END
                WHEN p.kind = ANY(%(party_kinds)s) THEN 'members'
            END AS grp,
            p.child, p.excl, p.lvl, p.n
        FROM per_unit p
        UNION ALL
        SELECT p.period_id, 'leaders', p.child, p.excl, p.lvl, p.n
        FROM per_unit p
        WHERE p.is_leader
    ),
    -- The subjects in the subtree of people with several subjects in the period, ranked the
    -- same way, read from the raw rows.
    dup_rows AS (
        SELECT d.period_id, d.unit_id, d.person_id,
            d.subject_class = ANY(%(leader_classes)s) AS is_leader,
            CASE d.eligibility WHEN 'not_reviewed' THEN 2 WHEN 'not_rated' THEN 1 ELSE 0 END
                AS excl,
            CASE WHEN d.eligibility NOT IN ('not_reviewed', 'not_rated')
                      AND r.status = ANY(%(decided)s)
                 THEN array_position(%(levels)s::text[], r.level::text) END AS lvl
        FROM ratings_multisitesubject m
        -- LATERAL … OFFSET 0 (not flattened into a join): a few thousand lookups by primary
        -- key, never a scan of every subject.
        JOIN LATERAL (
            SELECT id, period_id, unit_id, person_id, subject_class, eligibility
            FROM reviews_subject WHERE id = m.subject_id OFFSET 0
        ) d ON true
        LEFT JOIN LATERAL (
            SELECT status, level FROM ratings_rating WHERE subject_id = m.subject_id OFFSET 0
        ) r ON true
        WHERE m.period_id = ANY(%(periods)s) AND m.unit_id IN (SELECT id FROM units)
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
        sum(n), 0, 0, 0,
        sum(n) FILTER (WHERE level = %(l1)s), sum(n) FILTER (WHERE level = %(l2)s),
        sum(n) FILTER (WHERE level = %(l3)s), sum(n) FILTER (WHERE level = %(l4)s)
    FROM counted
    WHERE decided AND quota_group_id IS NOT NULL
        AND eligibility NOT IN ('not_reviewed', 'not_rated')
    GROUP BY period_id, quota_group_id
"""
# One period: per child, in total and per quota group. Several periods: totals only.
FIGURES_SQL = (
    "WITH" + _SUB + _CHILD_ROWS + " UNION ALL " + _TOTAL_ROWS + " UNION ALL " + _QUOTA_ROWS
)
TOTALS_SQL = "WITH" + _SUB + _TOTAL_ROWS


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

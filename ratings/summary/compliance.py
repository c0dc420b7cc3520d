"""Quota compliance (R-Q1) over the subtree and the list of KHT subjects."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from django.db import connection
from django.db.models import Count, QuerySet, Window

from orgunits.models import OrgUnit
from reviews import selectors as review_selectors
from reviews.models import LocalRuleSet, ReviewPeriod
from reviews.rule_text import without_rule_id
from reviews.rulesets.model import QuotaRule

from ..models import QuotaException, Rating
from ..quota import GrantedRatio, base_count, with_exception
from ..services.quota_exceptions import granted_of
from .stats import (
    CELL_KINDS,
    DECIDED,
    GRASSROOTS_KINDS,
    LEADER_CLASSES,
    LEVELS,
    KhtRow,
    QuotaCompliance,
    QuotaRow,
)

_OUTSIDE_SQL = """
    SELECT quota_group_id, sum(n),
        sum(n) FILTER (WHERE level = %(l1)s), sum(n) FILTER (WHERE level = %(l2)s),
        sum(n) FILTER (WHERE level = %(l3)s), sum(n) FILTER (WHERE level = %(l4)s)
    FROM ratings_levelcount
    WHERE quota_group_id = ANY(%(groups)s) AND measure = 'final' AND decided AND n <> 0
    GROUP BY quota_group_id
"""


def _whole_groups(group_ids: list[int]) -> dict[int, dict[str, int]]:
    """Decided levels of whole quota groups (every subject, wherever it is), from the counts
    kept at write time."""
    with connection.cursor() as cursor:
        cursor.execute(
            _OUTSIDE_SQL,
            {"groups": group_ids, **{f"l{i}": code for i, code in enumerate(LEVELS, 1)}},
        )
        rows = cursor.fetchall()
    return {
        group_id: {
            "headcount": int(headcount),
            **{code: int(n or 0) for code, n in zip(LEVELS, levels, strict=True)},
        }
        for group_id, headcount, *levels in rows
    }


_GROUPS_SQL = """
    SELECT g.id, g.name, g.subject_class, g.period_id, u.name, u.path
    FROM reviews_quotagroup g JOIN orgunits_orgunit u ON u.id = g.unit_id
    WHERE g.id = ANY(%(groups)s)
    ORDER BY g.id
"""
# Exceptions are few (each one approved by a competent level): read those of any group and
# those of the periods' units, and keep the groups' in Python, rather than sending the ids of
# thousands of groups.
_EXCEPTIONS_SQL = """
    SELECT id, group_id FROM ratings_quotaexception
    WHERE group_id IS NOT NULL OR period_id = ANY(%(periods)s)
"""


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _granted(groups: list[tuple]) -> dict[int, GrantedRatio]:
    """The exception that applies to each group (the latest approved covering it), as
    `granted_ratios` finds it, read in one query and matched by path."""
    group_ids = {g[0] for g in groups}
    ids = [
        pk
        for pk, group_id in _rows(_EXCEPTIONS_SQL, {"periods": sorted({g[3] for g in groups})})
        if group_id is None or group_id in group_ids
    ]
    if not ids:
        return {}
    exceptions = list(
        QuotaException.objects.filter(pk__in=ids)
        .select_related("approved_by", "unit")
        .order_by("approved_at", "pk")
    )
    by_group: dict[int, list[tuple[int, QuotaException]]] = defaultdict(list)
    by_unit: dict[tuple[int, str], list[tuple[int, QuotaException]]] = defaultdict(list)
    for order, exception in enumerate(exceptions):
        if exception.group_id is not None:
            by_group[exception.group_id].append((order, exception))
        else:
            by_unit[(exception.period_id, exception.unit.path)].append((order, exception))
    found: dict[int, GrantedRatio] = {}
    step = OrgUnit.steplen
    for group_id, _name, _cls, period_id, _unit_name, path in groups:
        covering = list(by_group.get(group_id, ()))
        for end in range(step, len(path) + 1, step):
            covering += by_unit.get((period_id, path[:end]), ())
        if covering:
            found[group_id] = granted_of(max(covering, key=lambda c: c[0])[1])
    return found


def quota_compliance(
    period: ReviewPeriod, unit: OrgUnit, counted: dict[int, dict[str, int]]
) -> QuotaCompliance:
    """R-Q1 on the decided levels of every quota group with a subject in the subtree.

    `counted` holds the decided levels per group within the subtree (from `group_figures`).
    A group anchored above the unit (a chi bộ's group is its grassroots organisation's) also
    has subjects outside it, so those few groups are counted again over the whole group.
    Each group is checked with the rule set that applies at its unit; the groups are read as
    plain rows and the cap is computed once per distinct (rule, counts), not per group."""
    groups = _rows(_GROUPS_SQL, {"groups": list(counted)})
    counts = dict(counted)
    outside = [g[0] for g in groups if not g[5].startswith(unit.path)]
    if outside:
        counts.update(_whole_groups(outside))
    granted = _granted(groups)
    # The rule set at a unit is the nearest local variant's, else the period's.
    local_paths = set(
        LocalRuleSet.objects.filter(period_id=period.pk).values_list("unit__path", flat=True)
    )
    rules: dict[tuple[str, Fraction | None], QuotaRule] = {}
    caps: dict[tuple[int, int], int] = {}
    rows = []
    for group_id, name, subject_class, _period_id, unit_name, path in groups:
        c = counts[group_id]
        site = (
            max((p for p in local_paths if path.startswith(p)), key=len, default="")
            if local_paths
            else ""
        )
        exception = granted.get(group_id)
        rule_key = (site, exception.ratio if exception else None)
        rule = rules.get(rule_key)
        if rule is None:
            base_rule = review_selectors.ruleset_for_unit(period, OrgUnit(path=path)).quota
            rule = rules[rule_key] = with_exception(base_rule, exception)
        # within_cap(rule, …) is exactly htxs ≤ rule.cap(base): one cap per (rule, base).
        base = base_count(rule, htxs=c["HTXS"], htt=c["HTT"], headcount=c["headcount"])
        key = (id(rule), base)
        cap = caps.get(key)
        if cap is None:
            cap = caps[key] = rule.cap(base)
        ok = c["HTXS"] <= cap
        rows.append(
            QuotaRow(
                group_id=group_id,
                name=name,
                subject_class=subject_class,
                unit_name=unit_name,
                headcount=c["headcount"],
                htxs=c["HTXS"],
                htt=c["HTT"],
                cap=cap,
                ok=ok,
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
        without_rule_id(str(c.get("message", "")))
        for c in rating.checks or []
        # A failed check without a cap (e.g. a condition not verified for lack of facts)
        # lowered nothing, so it is no reason for the level.
        if isinstance(c, dict) and c.get("ok") is False and c.get("message") and c.get("cap")
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


# The KHT list of `kht_ratings`, found from the few decided KHT ratings (a partial index) with
# each subject, unit and person looked up by key: LATERAL … OFFSET 0 keeps the planner from
# scanning every subject of a province to join a thousand of them.
_KHT_SQL = """
    SELECT r.id, count(*) OVER ()
    FROM ratings_rating r
    JOIN LATERAL (
        SELECT unit_id, person_id FROM reviews_subject
        WHERE id = r.subject_id AND period_id = %(period)s OFFSET 0
    ) s ON true
    JOIN LATERAL (
        SELECT path FROM orgunits_orgunit WHERE id = s.unit_id OFFSET 0
    ) u ON true
    LEFT JOIN LATERAL (
        SELECT given_name FROM orgunits_person WHERE id = s.person_id OFFSET 0
    ) p ON true
    WHERE r.level = 'KHT' AND r.status = ANY(%(decided)s) AND u.path LIKE %(prefix)s
    ORDER BY u.path, p.given_name, r.subject_id
    LIMIT %(limit)s
"""


def kht_list(
    period: ReviewPeriod, unit: OrgUnit, limit: int | None = 200
) -> tuple[list[KhtRow], int]:
    """The KHT subjects of the subtree with their reasons (at most `limit`), in the order of
    `kht_ratings`, and how many there are in all. One or two statements."""
    if limit == 0:
        return [], 0
    if unit.depth > 1:
        # Below a province, walking the subtree's subjects to the KHT index is the cheaper
        # way (a district: a few thousand subjects against every KHT of the database).
        ratings = kht_ratings(period, unit)
        found_ratings = list(ratings if limit is None else ratings[:limit])
        total = found_ratings[0].kht_total if found_ratings else 0
        return [kht_row(r) for r in found_ratings], total
    with connection.cursor() as cursor:
        cursor.execute(
            _KHT_SQL,
            {
                "period": period.pk,
                "decided": list(DECIDED),
                "prefix": unit.path + "%",
                "limit": limit,
            },
        )
        found = cursor.fetchall()
    if not found:
        return [], 0
    ratings = Rating.objects.select_related("subject__person", "subject__unit").in_bulk(
        [pk for pk, _total in found]
    )
    return [kht_row(ratings[pk]) for pk, _total in found], found[0][1]

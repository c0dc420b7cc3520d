"""Quota compliance (R-Q1) over the subtree and the list of KHT subjects."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Window

from orgunits.models import OrgUnit
from reviews import selectors as review_selectors
from reviews.models import QuotaGroup, ReviewPeriod
from reviews.rule_text import without_rule_id

from ..models import Rating
from ..quota import base_count, with_exception, within_cap
from ..services.quota_exceptions import granted_ratios
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
        .only("pk", "name", "subject_class", "period", "unit__name", "unit__path", "unit__kind")
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
    granted = granted_ratios(groups)
    rows = []
    for group in groups:
        c = counts[group.pk]
        rule = with_exception(
            review_selectors.ruleset_for_unit(period, group.unit).quota, granted.get(group.pk)
        )
        base = base_count(rule, htxs=c["HTXS"], htt=c["HTT"], headcount=c["headcount"])
        cap = rule.cap(base)
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
                ok=within_cap(rule, htxs=c["HTXS"], htt=c["HTT"], headcount=c["headcount"]),
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


def kht_list(
    period: ReviewPeriod, unit: OrgUnit, limit: int | None = 200
) -> tuple[list[KhtRow], int]:
    """The KHT subjects of the subtree with their reasons (at most `limit`), and how many
    there are in all. One statement."""
    ratings = kht_ratings(period, unit)
    found = list(ratings if limit is None else ratings[:limit])
    total = found[0].kht_total if found else 0
    return [kht_row(r) for r in found], total

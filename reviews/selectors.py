"""Reads of periods, subjects and reports, scoped to the asking user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404

from orgunits.models import Membership, OrgUnit
from orgunits.selectors import (
    AnyUser,
    has_role_on,
    role_paths,
    scope_roots,
    units_visible_to,
    units_with_role,
)

from . import rulesets
from .models import (
    Circulation,
    LocalRuleSet,
    Milestone,
    PeriodKind,
    Report,
    ReportCount,
    ReportStatus,
    ReviewPeriod,
    ScheduleOverride,
    StoredRuleSet,
    Subject,
    WorkdayOverride,
)
from .workdays import DayOverride, WorkCalendar

ROLE_CODENAMES = ["run_review", "appraise", "decide", "administer"]


def ruleset_for_unit(period: ReviewPeriod, unit: OrgUnit) -> rulesets.RuleSet:
    """The rule set that applies at a unit: the nearest local variant, else the period's —
    as stored when they were attached, not as the files read today."""
    locals_by_path = _local_rules(period)
    path = unit.path
    while path:
        local = locals_by_path.get(path)
        if local:
            return _stored(*local)
        path = path[: -OrgUnit.steplen]
    return _stored(period.ruleset_code, period.ruleset_snapshot, period.ruleset_digest)


def period_ruleset(period: ReviewPeriod) -> rulesets.RuleSet:
    """The period's own rule set as stored when it opened (without local variants)."""
    return _stored(period.ruleset_code, period.ruleset_snapshot, period.ruleset_digest)


def is_province(unit: OrgUnit) -> bool:
    """A province is a top-level unit of the tree (levels are not hard-coded, depth is)."""
    return unit.depth == 1


def province_of(unit: OrgUnit) -> OrgUnit:
    """The top-level unit (the province) above or at `unit`."""
    if is_province(unit):
        return unit
    return OrgUnit.objects.get(path=unit.path[: OrgUnit.steplen])


def point_split_versions(province: OrgUnit) -> QuerySet[StoredRuleSet]:
    """The province's saved point splits, newest first, with who saved them."""
    return StoredRuleSet.objects.filter(unit=province).select_related("created_by")


def latest_point_split(province: OrgUnit, base_code: str) -> StoredRuleSet | None:
    """The province's newest point split over the rule set `base_code`, if it has one."""
    return (
        StoredRuleSet.objects.filter(unit=province, extends=base_code).order_by("-version").first()
    )


def _stored(code: str, snapshot: dict, digest: str) -> rulesets.RuleSet:
    # Periods created before snapshots existed fall back to the shipped file.
    if snapshot and digest:
        return rulesets.from_snapshot(snapshot, digest)
    return rulesets.get_ruleset(code)


def _local_rules(period: ReviewPeriod) -> dict[str, tuple[str, dict, str]]:
    # Read once per period instance: enrolment and appraisal ask for every subject.
    cached = getattr(period, "_local_rules_cache", None)
    if cached is None:
        cached = {
            path: (code, snapshot, digest)
            for path, code, snapshot, digest in LocalRuleSet.objects.filter(
                period_id=period.pk
            ).values_list("unit__path", "ruleset_code", "ruleset_snapshot", "ruleset_digest")
        }
        period._local_rules_cache = cached
    return cached


def forget_local_rules(period: ReviewPeriod) -> None:
    """Drop the cached local variants after attaching one."""
    if hasattr(period, "_local_rules_cache"):
        del period._local_rules_cache


def work_calendar() -> WorkCalendar:
    """The Vietnamese working-day calendar with the operator's overrides."""
    overrides = tuple(
        DayOverride(day=o.day, is_working_day=o.is_working_day, reason=o.reason)
        for o in WorkdayOverride.objects.all()
    )
    return _calendar(overrides)


@lru_cache(maxsize=8)
def _calendar(overrides: tuple[DayOverride, ...]) -> WorkCalendar:
    return WorkCalendar(overrides=overrides)


def unit_schedule(period: ReviewPeriod, unit: OrgUnit) -> list[tuple[str, str, dt.date, bool]]:
    """The unit's milestones: (code, label, date, overridden?) in calendar order. A computed
    date never falls after the unit's fixed end of the season; the unit's own dates stand."""
    ruleset = ruleset_for_unit(period, unit)
    tier = ruleset.tier_for_kind(unit.kind)
    overrides = dict(
        ScheduleOverride.objects.filter(period=period, unit=unit).values_list("milestone", "day")
    )
    calendar = work_calendar()
    finish = unit_finish_date(period, unit)
    rows = []
    for code, label in Milestone.choices:
        computed = calendar.add_working_days(period.opens_on, getattr(tier, code))
        if finish is not None:
            computed = min(computed, finish)
        day = overrides.get(code, computed)
        rows.append((code, str(label), day, code in overrides))
    return rows


def unit_finish_date(period: ReviewPeriod, unit: OrgUnit) -> dt.date | None:
    """The fixed day by which the unit's season ends (HD 43 §4), if its rule set has one:
    the special-calendar day for a unit marked so."""
    if period.is_quarterly:
        return None  # the fixed dates close the annual season
    deadline = ruleset_for_unit(period, unit).finish_deadline(unit.has_special_calendar)
    return deadline.date_for(period.year) if deadline else None


def unit_deadlines(period: ReviewPeriod, unit: OrgUnit) -> list[tuple[str, str, dt.date]]:
    """The fixed days of the season that apply to the unit: (code, text, date)."""
    if period.is_quarterly:
        return []
    ruleset = ruleset_for_unit(period, unit)
    finish = ruleset.finish_deadline(unit.has_special_calendar)
    return [
        (d.code, d.name, d.date_for(period.year))
        for d in ruleset.calendar_deadlines
        if d.code not in FINISH_CODES or d is finish
    ]


FINISH_CODES = ("finish", "special_finish")


def period_deadlines(period: ReviewPeriod) -> dict[str, object]:
    """The fixed days of the season for the period page: every deadline of the period's rule
    set, how many units in scope keep a special calendar, and the calendar tiers whose
    working-day schedule would end after the season's end."""
    ruleset = ruleset_for_unit(period, period.scope)
    deadlines = () if period.is_quarterly else ruleset.calendar_deadlines
    rows = [(d.code, d.name, d.date_for(period.year)) for d in deadlines]
    finish = ruleset.deadline("finish") if rows else None
    late = []
    if finish is not None:
        calendar = work_calendar()
        for tier in ruleset.calendar_tiers:
            announced = calendar.add_working_days(period.opens_on, tier.announcement)
            if announced > finish.date_for(period.year):
                late.append((tier.name, announced))
    special = OrgUnit.objects.filter(
        path__startswith=period.scope.path, is_active=True, has_special_calendar=True
    ).count()
    return {"rows": rows, "special_units": special, "late_tiers": late}


def periods_visible_to(user: AnyUser) -> QuerySet[ReviewPeriod]:
    """Periods the user takes part in: scoped above, at or inside a unit of their roles, or
    where they are a subject themselves."""
    if not user.is_authenticated:
        return ReviewPeriod.objects.none()
    if user.is_superuser:
        return ReviewPeriod.objects.all()
    condition = Exists(Subject.objects.filter(period=OuterRef("pk"), person__user=user))
    roots = scope_roots(user)
    ancestor_paths = {
        r.path[:i] for r in roots for i in range(OrgUnit.steplen, len(r.path) + 1, OrgUnit.steplen)
    }
    if ancestor_paths:
        condition |= Q(scope__path__in=ancestor_paths)
    for root in roots:
        condition |= Q(scope__path__startswith=root.path)
    return ReviewPeriod.objects.filter(condition).select_related("scope")


def get_period_for_user(user: AnyUser, pk: int) -> ReviewPeriod:
    return get_object_or_404(periods_visible_to(user), pk=pk)


def subjects_visible_to(user: AnyUser) -> QuerySet[Subject]:
    """Subjects at units under the user's roles, plus the user's own subjects."""
    if not user.is_authenticated:
        return Subject.objects.none()
    if user.is_superuser:
        return Subject.objects.all()
    return Subject.objects.filter(
        Q(person__user=user) | Q(unit__in=units_with_role(user, ROLE_CODENAMES))
    )


def reports_visible_to(user: AnyUser) -> QuerySet[Report]:
    """Reports the user may read: their own, their roles' subtree, and circulated reports of
    the units where they are a member (the meeting's participants)."""
    if not user.is_authenticated:
        return Report.objects.none()
    if user.is_superuser:
        return Report.objects.all()
    participant = Membership.objects.filter(unit_id=OuterRef("subject__unit_id"), person__user=user)
    return Report.objects.filter(
        Q(subject__person__user=user)
        | Q(subject__unit__in=units_with_role(user, ROLE_CODENAMES))
        | (Q(circulated_on__isnull=False) & Exists(participant))
    )


def get_report_for_user(user: AnyUser, pk: int) -> Report:
    """The report with its subject, or 404 outside the user's reach."""
    return get_object_or_404(
        reports_visible_to(user).select_related(
            "subject__person", "subject__unit", "subject__period"
        ),
        pk=pk,
    )


def get_subject_for_user(user: AnyUser, pk: int) -> Subject:
    return get_object_or_404(
        subjects_visible_to(user).select_related("person", "unit", "period"), pk=pk
    )


def my_reports(user: AnyUser) -> QuerySet[Report]:
    """The user's own reports in open periods, one per review site."""
    return (
        Report.objects.filter(subject__person__user=user)
        .select_related("subject__unit", "subject__period")
        .order_by("-subject__period__year", "subject__unit__path")
    )


def my_collective_reports(user: AnyUser) -> QuerySet[Report]:
    """The collective reports (Mẫu 01) of the units whose secretary or chair the user is: the
    units where the secretary's role was granted to them, not the whole subtree below."""
    if not user.is_authenticated:
        return Report.objects.none()
    paths = role_paths(user).get("run_review", [])
    return (
        Report.objects.filter(subject__person=None, subject__unit__path__in=paths)
        .select_related("subject__unit", "subject__period")
        .order_by("-subject__period__year", "subject__unit__path")
    )


def reports_to_comment(user: AnyUser) -> QuerySet[Report]:
    """Circulated reports of colleagues at the user's units, awaiting their comments."""
    if not user.is_authenticated:
        return Report.objects.none()
    participant = Membership.objects.filter(unit_id=OuterRef("subject__unit_id"), person__user=user)
    return (
        Report.objects.filter(circulated_on__isnull=False)
        .filter(Exists(participant))
        .exclude(subject__person__user=user)
        .select_related("subject__person", "subject__unit", "subject__period")
        .order_by("subject__unit__path", "subject__person__given_name")
    )


def is_participant(user: AnyUser, report: Report) -> bool:
    """A member of the unit where the report is discussed (not necessarily a role holder)."""
    return Membership.objects.filter(unit_id=report.subject.unit_id, person__user=user).exists()


def can_oversee_unit(user: AnyUser, unit: OrgUnit) -> bool:
    return has_role_on(user, unit, ROLE_CODENAMES)


def progress_by_unit(
    user: AnyUser, period: ReviewPeriod, parent: OrgUnit
) -> list[dict[str, object]]:
    """Report counts by status for each visible child of `parent` (its subtree summed) and for
    `parent` itself; one aggregate query whatever the number of units or people."""
    children = list(
        units_visible_to(user)
        .filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("path")
    )
    prefix_len = len(parent.path) + OrgUnit.steplen
    # Summed in SQL per child by path prefix (the parent's own units keep its path) from the
    # counts the triggers keep (ReportCount), not by grouping every report of the subtree.
    rows = (
        ReportCount.objects.filter(period=period, unit__path__startswith=parent.path)
        .annotate(key=Substr("unit__path", 1, prefix_len))
        .values("key", "status")
        .annotate(total=Sum("n"))
    )
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        bucket = totals.setdefault(row["key"], dict.fromkeys(ReportStatus.values, 0))
        bucket[row["status"]] += row["total"]
    result = []
    for unit in [parent, *children]:
        counts = totals.get(unit.path, dict.fromkeys(ReportStatus.values, 0))
        result.append(
            {
                "unit": unit,
                "is_parent": unit.pk == parent.pk,
                "counts": counts,
                "total": sum(counts.values()),
            }
        )
    return result


def unit_reports(user: AnyUser, period: ReviewPeriod, unit: OrgUnit) -> QuerySet[Report]:
    """Individual and collective reports at one unit, the collective first, then by name."""
    return (
        reports_visible_to(user)
        .filter(subject__period=period, subject__unit=unit)
        .select_related("subject__person", "subject__unit")
        .order_by("subject__person", "subject__person__given_name", "subject__person__full_name")
    )


def current_circulation(period: ReviewPeriod, unit: OrgUnit) -> Circulation | None:
    """The unit's circulation of drafts in the period, if the secretary has sent them."""
    return (
        Circulation.objects.filter(period=period, unit=unit).select_related("circulated_by").first()
    )


# -- quarterly self-assessments (Mẫu 05) --------------------------------------------------------


@dataclass(frozen=True)
class QuarterLine:
    """One quarter of a person's year as the annual report shows it; text is Vietnamese."""

    quarter: int
    report_id: int | None
    submitted: bool
    total: Decimal | None
    total_text: str
    self_level: str
    result_level: str


@dataclass(frozen=True)
class QuarterSummary:
    lines: tuple[QuarterLine, ...]
    average_text: str
    average_level: str


def points_text(value: Decimal | None) -> str:
    """Points with two decimals and a decimal comma ("85,00"), as the forms write them."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def quarter_due_on(period: ReviewPeriod, ruleset: rulesets.RuleSet) -> dt.date | None:
    """The day quarterly self-assessments are due before ("trước ngày 15 tháng cuối mỗi
    quý"); None outside a quarterly period."""
    if not period.is_quarterly or ruleset.quarterly is None or not period.quarter:
        return None
    return ruleset.quarterly.due_date(period.year, period.quarter)


def quarter_last_day(period: ReviewPeriod, ruleset: rulesets.RuleSet) -> dt.date | None:
    """The last day a quarterly self-assessment is on time: the day before it is due."""
    due = quarter_due_on(period, ruleset)
    return due - dt.timedelta(days=1) if due else None


def quarter_reports(person_id: int | None, year: int) -> QuerySet[Report]:
    """The person's submitted quarterly self-assessments of `year`, by quarter."""
    return (
        Report.objects.filter(
            subject__person_id=person_id,
            subject__period__kind=PeriodKind.QUARTERLY,
            subject__period__year=year,
            status=ReportStatus.SUBMITTED,
        )
        .select_related("subject__period")
        .order_by("subject__period__quarter", "pk")
    )


def quarter_summary(report: Report) -> QuarterSummary | None:
    """The quarter results an annual individual report starts from; None when there are none."""
    subject = report.subject
    if subject.person_id is None or subject.period.is_quarterly:
        return None
    reports = list(
        Report.objects.filter(
            subject__person_id=subject.person_id,
            subject__period__kind=PeriodKind.QUARTERLY,
            subject__period__year=subject.period.year,
        )
        .select_related("subject__period", "subject__quarter_result")
        .order_by("subject__period__quarter", "pk")
    )
    if not reports:
        return None
    ruleset = ruleset_for_unit(subject.period, subject.unit)
    names = {lvl.code: lvl.name for lvl in ruleset.levels}
    by_quarter = {r.subject.period.quarter: r for r in reversed(reports)}
    quarters = ruleset.quarterly.quarters if ruleset.quarterly else sorted(by_quarter)
    lines = [_quarter_line(q, by_quarter.get(q), names) for q in quarters]
    totals = [line.total for line in lines if line.total is not None]
    average = (
        (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if totals
        else None
    )
    level = ""
    if average is not None and ruleset.scoring.is_points:
        level = names.get(ruleset.level_for_points(average), "")
    return QuarterSummary(
        lines=tuple(lines), average_text=points_text(average), average_level=level
    )


def _quarter_line(quarter: int, report: Report | None, names: dict[str, str]) -> QuarterLine:
    if report is None or report.status != ReportStatus.SUBMITTED:
        return QuarterLine(quarter, report.pk if report else None, False, None, "", "", "")
    result = getattr(report.subject, "quarter_result", None)
    return QuarterLine(
        quarter=quarter,
        report_id=report.pk,
        submitted=True,
        total=report.total_points,
        total_text=points_text(report.total_points),
        self_level=names.get(report.self_level, ""),
        result_level=names.get(result.level, "") if result else "",
    )

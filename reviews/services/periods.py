"""Review periods: creation, local rule variants, the calendar and its per-unit overrides."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from orgunits import limits
from orgunits.models import OrgUnit

from .. import permissions, rulesets, selectors
from ..exceptions import (
    DateOutsidePeriod,
    LocalRuleSetMismatch,
    PeriodAlreadyExists,
    PlaceholderConfirmationNotAllowed,
    QuarterNotAssessed,
    RuleSetHasPlaceholders,
    RuleSetNotFound,
    TextTooLong,
)
from ..models import (
    LocalRuleSet,
    PeriodKind,
    PeriodStatus,
    PlaceholderConfirmation,
    ReviewPeriod,
    ScheduleOverride,
)
from . import point_split

# The reason recorded when a command (demo data, benchmarks) opens a period on placeholders.
COMMAND_LINE_REASON = "Dữ liệu mẫu, mở từ dòng lệnh khi bộ quy tắc còn nội dung chờ nguyên văn."


def _load(code: str) -> rulesets.RuleSet:
    try:
        return rulesets.get_ruleset(code)
    except KeyError as exc:
        raise RuleSetNotFound(f"Không có bộ quy tắc «{code}».") from exc


@transaction.atomic
def create_period(
    *,
    name: str,
    kind: str,
    year: int,
    scope: OrgUnit,
    opens_on: dt.date,
    quarter: int | None = None,
    ruleset_code: str | None = None,
    created_by: AbstractBaseUser | None = None,
    placeholders_reason: str = "",
    placeholders_confirmed_by: AbstractBaseUser | None = None,
) -> ReviewPeriod:
    """Open a review period for a subtree under a rule set (default: the one for the year).

    A rule set with texts still awaiting their official wording opens only with a written
    reason (`placeholders_reason`), confirmed by an administrator of the scope (the web) or by
    the operator at the command line (`placeholders_confirmed_by` None); it is audited."""
    ruleset = _load(ruleset_code) if ruleset_code else rulesets.ruleset_for_year(year)
    if kind == PeriodKind.QUARTERLY:
        _check_quarter(ruleset, quarter)
    missing = ruleset.placeholders()
    reason = placeholders_reason.strip()
    if missing and not reason:
        raise RuleSetHasPlaceholders(ruleset.title, missing)
    confirmer = placeholders_confirmed_by
    if (
        missing
        and confirmer is not None
        and not permissions.can_confirm_placeholders(confirmer, scope)
    ):
        raise PlaceholderConfirmationNotAllowed(
            "Chỉ quản trị viên của đơn vị được xác nhận mở kỳ khi bộ quy tắc còn nội dung "
            "chưa có nguyên văn."
        )
    period = _create(name, kind, year, quarter, scope, opens_on, ruleset, created_by)
    point_split.attach_point_split(period)
    if missing:
        PlaceholderConfirmation.objects.create(
            period=period,
            confirmed_by=confirmer,
            reason=reason,
            ruleset_code=ruleset.code,
            ruleset_version=ruleset.version,
            ruleset_digest=ruleset.digest,
            placeholders=missing,
        )
    return period


def _create(
    name: str,
    kind: str,
    year: int,
    quarter: int | None,
    scope: OrgUnit,
    opens_on: dt.date,
    ruleset: rulesets.RuleSet,
    created_by: AbstractBaseUser | None,
) -> ReviewPeriod:
    try:
        with transaction.atomic():
            return ReviewPeriod.objects.create(
                name=name.strip(),
                kind=kind,
                year=year,
                quarter=quarter,
                scope=scope,
                opens_on=opens_on,
                ruleset_code=ruleset.code,
                ruleset_version=ruleset.version,
                ruleset_snapshot=dict(ruleset.data),
                ruleset_digest=ruleset.digest,
                created_by=created_by,
                status=PeriodStatus.OPEN,
            )
    except IntegrityError as exc:
        raise PeriodAlreadyExists(
            f"Đã có kỳ kiểm điểm loại này năm {year} cho {scope.name}."
        ) from exc


def _check_quarter(ruleset: rulesets.RuleSet, quarter: int | None) -> None:
    rule = ruleset.quarterly
    if rule is None:
        raise QuarterNotAssessed("Bộ quy tắc của năm này không quy định đánh giá hằng quý.")
    if quarter not in rule.quarters:
        listed = ", ".join(str(q) for q in rule.quarters)
        raise QuarterNotAssessed(
            f"Chỉ đánh giá hằng quý các quý {listed}; các quý khác gộp vào đánh giá cuối năm."
        )


@transaction.atomic
def set_local_ruleset(*, period: ReviewPeriod, unit: OrgUnit, ruleset_code: str) -> LocalRuleSet:
    """Let a subtree run under a local variant that extends the period's rule set."""
    variant = _load(ruleset_code)
    if variant.extends != period.ruleset_code:
        raise LocalRuleSetMismatch(
            f"Bộ quy tắc «{variant.code}» không kế thừa «{period.ruleset_code}» của kỳ này."
        )
    selectors.forget_local_rules(period)
    local, _ = LocalRuleSet.objects.update_or_create(
        period=period,
        unit=unit,
        defaults={
            "ruleset_code": variant.code,
            "ruleset_version": variant.version,
            "ruleset_snapshot": dict(variant.data),
            "ruleset_digest": variant.digest,
        },
    )
    return local


@transaction.atomic
def set_schedule_override(
    *, period: ReviewPeriod, unit: OrgUnit, milestone: str, day: dt.date, reason: str = ""
) -> ScheduleOverride:
    """Give one unit its own date for a milestone of the period's calendar."""
    check_period_date(period=period, day=day, label="Ngày")
    reason = limits.check_text(reason, kind="short_text", label="Lý do", error=TextTooLong)
    override, _ = ScheduleOverride.objects.update_or_create(
        period=period, unit=unit, milestone=milestone, defaults={"day": day, "reason": reason}
    )
    return override


def check_period_date(*, period: ReviewPeriod, day: dt.date, label: str) -> dt.date:
    """Refuse a date far from the period (a typo such as 9999): its year ± the margin."""
    first, last = limits.period_date_window(period.year)
    if not first <= day <= last:
        raise DateOutsidePeriod(
            f"{label} phải trong khoảng {first:%d/%m/%Y} đến {last:%d/%m/%Y} "
            f"(năm {period.year} của kỳ kiểm điểm, trước hoặc sau một năm)."
        )
    return day

"""The quota and decisions: a quota group's plan and its adjustment or exception (R-Q1 … R-Q5),
deciding with the caps, the state-side share (R-Q6) and the linkage (R-L1, R-L2) checked on the
levels being decided, publishing and cancelling a decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orgunits import limits
from orgunits.models import Membership, OrgUnit, UnitKind
from orgunits.selectors import role_paths
from orgunits.text import nfc_lines
from reviews import selectors as review_selectors
from reviews.models import QuotaGroup, ReviewPeriod

from .. import notices
from ..appraisal_status import appraisal_state
from ..exceptions import (
    ChangeReasonRequired,
    ChecksNotMet,
    DecisionLocked,
    LinkageViolated,
    NotEligibleForRating,
    NothingToDecide,
    QuotaExceeded,
    TextTooLong,
)
from ..models import (
    CandidateResult,
    Decision,
    DecisionStatus,
    Rating,
    RatingStatus,
    RoundKind,
    StateRating,
)
from ..quota import QuotaCandidate, QuotaPlan, plan, with_exception, within_cap
from .checks import HTT, HTXS, _current, _heads, _worse
from .quota_exceptions import granted_ratios


def _ballot_share(period: ReviewPeriod, subject_id: int, level: str) -> Fraction | None:
    result = (
        CandidateResult.objects.filter(
            candidate__subject_id=subject_id, round__kind=RoundKind.RATING
        )
        .order_by("-round__closed_at")
        .first()
    )
    if result is None:
        return None
    base = int(result.computation.get("base") or 0)
    return Fraction(int(result.counts.get(level, 0)), base) if base else None


def group_status(group: QuotaGroup, *, extra_ratings: dict[int, str] | None = None) -> QuotaPlan:
    """The quota plan of a group from its current levels (R-Q1 … R-Q5)."""
    ratings = list(
        Rating.objects.filter(subject__quota_group=group)
        .exclude(status=RatingStatus.REOPENED)
        .select_related("subject__person", "subject__report", "subject__unit")
    )
    return _group_plan(group, ratings, extra_ratings)


def _group_plan(
    group: QuotaGroup, ratings: list[Rating], extra_ratings: dict[int, str] | None = None
) -> QuotaPlan:
    ruleset = review_selectors.ruleset_for_unit(group.period, group.unit)
    levels = {r.subject_id: r.level for r in ratings}
    levels.update(extra_ratings or {})
    htxs = [r for r in ratings if levels[r.subject_id] == HTXS]
    htt = sum(1 for r in ratings if levels[r.subject_id] == HTT)
    candidates = [
        QuotaCandidate(
            subject_id=r.subject_id,
            name=str(r.subject),
            score=getattr(getattr(r.subject, "report", None), "total_points", None),
            ballot_share=_ballot_share(group.period, r.subject_id, HTXS),
            tie_key=r.subject.person.given_name if r.subject.person_id else r.subject.unit.name,
        )
        for r in htxs
    ]
    return plan(
        ruleset.quota,
        candidates=candidates,
        htt=htt,
        headcount=len(ratings),
        granted=granted_ratios([group]).get(group.pk),
    )


def decided_group_plans(decision: Decision) -> list[tuple[QuotaGroup, QuotaPlan]]:
    """The cap computation of each quota group where the decision kept or moved down an HTXS,
    on the levels decided in the group (the same function the quota page and a refusal use)."""
    ratings = Rating.objects.filter(decision=decision, subject__quota_group__isnull=False)
    group_ids = ratings.filter(Q(level=HTXS) | Q(quota_adjusted=True)).values(
        "subject__quota_group"
    )
    plans = []
    for group in QuotaGroup.objects.filter(pk__in=group_ids).select_related("unit", "period"):
        decided = Rating.objects.filter(
            subject__quota_group=group,
            status__in=(RatingStatus.DECIDED, RatingStatus.PUBLISHED),
        ).select_related("subject__person", "subject__report", "subject__unit")
        plans.append((group, _group_plan(group, list(decided))))
    return sorted(plans, key=lambda item: (item[0].unit.path, item[0].name))


@transaction.atomic
def apply_quota_suggestion(*, group: QuotaGroup, user: AbstractBaseUser) -> list[Rating]:
    """Move the lowest-ranked HTXS proposals of the group to HTT, as the plan suggests."""
    QuotaGroup.objects.select_for_update().get(pk=group.pk)
    suggestion = group_status(group)
    moved = []
    reason = "Điều chỉnh theo tỷ lệ tối đa HTXS của nhóm: " + " ".join(suggestion.steps)
    # The cap depends on how many move, not on who: a decided HTXS cannot move, so the
    # lowest-ranked proposals that are still open move in its place.
    to_move = len(suggestion.move_down)
    with pghistory.context(reason=reason):
        for candidate in reversed(suggestion.candidates):
            if len(moved) == to_move:
                break
            rating = Rating.objects.select_for_update().get(subject_id=candidate.subject_id)
            if rating.status != RatingStatus.APPRAISED:
                continue
            rating.level = HTT
            rating.change_reason = reason
            rating.quota_adjusted = True
            rating.updated_by = user
            rating.save()
            moved.append(rating)
    return moved


def deciding_body(user: AbstractBaseUser, unit: OrgUnit) -> OrgUnit:
    """The body that decides for `unit`: the nearest unit (itself or an ancestor) on which the
    user holds the competent authority's role; the unit itself for a superuser without one."""
    paths = [p for p in role_paths(user).get("decide", []) if unit.path.startswith(p)]
    if not paths:
        return unit
    return OrgUnit.objects.get(path=max(paths, key=len))


@transaction.atomic
def decide(
    *,
    period: ReviewPeriod,
    unit: OrgUnit,
    user: AbstractBaseUser,
    decided_on: dt.date,
    number: str = "",
    override_reason: str = "",
) -> Decision:
    """Lock the appraised levels of the unit's subtree in a decision, enforcing R-Q1 per group
    and R-Q6 per state unit. Subjects whose checks block (no report, no points, a level above
    a failed check's cap) are decided only with `override_reason`, stored and audited.

    The pending ratings and then each affected quota group are locked (both in id order, so
    concurrent deciders cannot deadlock); a group is counted with the levels already decided
    in it plus the ones being decided, so simultaneous deciders can never put more HTXS in a
    group than its cap, and proposals still open elsewhere in the group do not block.
    """
    pending = list(
        Rating.objects.select_for_update(of=("self",))
        .filter(
            subject__period=period,
            subject__unit__path__startswith=unit.path,
            status=RatingStatus.APPRAISED,
        )
        .select_related("subject__unit", "subject__person")
        .order_by("pk")
    )
    if not pending:
        raise NothingToDecide("Không có mức xếp loại nào chờ quyết định trong phạm vi này.")
    missing = [r for r in pending if not r.level]
    if missing:
        raise NotEligibleForRating(
            f"Còn {len(missing)} đối tượng chưa có mức xếp loại (ví dụ: {missing[0].subject})."
        )
    pending_ids = [r.pk for r in pending]
    _enforce_group_caps(pending, pending_ids)
    shares = _state_share_problems(period, unit)
    if shares:
        raise QuotaExceeded(
            "Tỷ lệ công chức xếp loại HTXS cao hơn tỷ lệ đảng viên xếp loại HTXS.", shares
        )
    violations = linkage_violations(period, pending)
    if violations:
        raise LinkageViolated("; ".join(violations))
    override_reason = nfc_lines(override_reason)
    limits.check_text(override_reason, kind="reason", label="Lý do quyết định", error=TextTooLong)
    blocked = unmet_checks(period, pending)
    if blocked and not override_reason:
        raise ChecksNotMet(
            f"Còn {len(blocked)} đối tượng có điều kiện thẩm định chưa đạt. Cần bổ sung rồi "
            "thẩm định lại, hoặc ghi rõ lý do vẫn quyết định.",
            blocked,
        )
    number = number.strip()
    title = f"Quyết định {number} ngày" if number else "Quyết định ngày"
    note = f"{title} {decided_on:%d/%m/%Y}"
    if blocked:
        note += f". Quyết định khi còn điều kiện chưa đạt: {override_reason}"
    else:
        override_reason = ""
    with pghistory.context(reason=note):
        decision = Decision.objects.create(
            period=period,
            unit=unit,
            issued_by=deciding_body(user, unit),
            override_reason=override_reason,
            number=number,
            decided_by=user,
            decided_on=decided_on,
        )
        # One statement for the whole scope (the rows are locked above): the audit triggers
        # record each row all the same, and the kept counts are updated once, not per rating.
        Rating.objects.filter(pk__in=pending_ids).update(
            status=RatingStatus.DECIDED,
            decision=decision,
            updated_by=user,
            updated_at=timezone.now(),
        )
    return decision


def _enforce_group_caps(pending: list[Rating], pending_ids: list[int]) -> None:
    """R-Q1 per affected group, each locked in id order, on the levels already decided in the
    group plus the ones being decided."""
    group_ids = sorted({r.subject.quota_group_id for r in pending if r.subject.quota_group_id})
    groups = list(
        QuotaGroup.objects.select_for_update(of=("self",))
        .filter(pk__in=group_ids)
        .select_related("unit", "period")
        .order_by("pk")
    )
    granted = granted_ratios(groups)
    for group in groups:
        ruleset = review_selectors.ruleset_for_unit(group.period, group.unit)
        rule = with_exception(ruleset.quota, granted.get(group.pk))
        counted = Rating.objects.filter(subject__quota_group=group).filter(
            Q(status__in=(RatingStatus.DECIDED, RatingStatus.PUBLISHED)) | Q(pk__in=pending_ids)
        )
        htxs = counted.filter(level=HTXS).count()
        htt = counted.filter(level=HTT).count()
        if not within_cap(rule, htxs=htxs, htt=htt, headcount=counted.count()):
            status = _group_plan(
                group,
                list(counted.select_related("subject__person", "subject__report", "subject__unit")),
            )
            earlier = counted.exclude(pk__in=pending_ids)
            steps = list(status.steps)
            if earlier.exists():
                steps.insert(
                    0,
                    f"Đã quyết định trước trong nhóm: {earlier.filter(level=HTXS).count()} HTXS, "
                    f"{earlier.filter(level=HTT).count()} HTT (được tính cùng lần quyết định này).",
                )
            raise QuotaExceeded(
                f"Nhóm «{group.name}» vượt tỷ lệ HTXS: {htxs} HTXS, tối đa {status.limit}. "
                "Áp dụng đề nghị điều chỉnh hoặc ngoại lệ đã được phê duyệt trước khi quyết định.",
                steps,
            )


def unmet_checks(period: ReviewPeriod, ratings: Sequence[Rating]) -> list[str]:
    """ "<subject>: <blocking checks>" for each rating whose appraisal checks block a decision."""
    found = []
    for rating in ratings:
        ruleset = review_selectors.ruleset_for_unit(period, rating.subject.unit)
        state = appraisal_state(rating.checks, rating.level, ruleset.level_rank)
        if state.blocked:
            found.append(f"{rating.subject}: {'; '.join(state.blocking)}")
    return found


def state_share_violation(
    *, unit_name: str, state_levels: Sequence[str], party_levels: Sequence[str]
) -> str:
    """R-Q6 on plain levels: a message when the civil servants' HTXS share is above the party
    members' HTXS share, else "". Nothing to compare while either side has no one rated."""
    if not state_levels or not party_levels:
        return ""
    state_htxs = sum(1 for level in state_levels if level == HTXS)
    party_htxs = sum(1 for level in party_levels if level == HTXS)
    state = Fraction(state_htxs, len(state_levels))
    party = Fraction(party_htxs, len(party_levels))
    if state <= party:
        return ""
    return (
        f"{unit_name}: tỷ lệ công chức xếp loại HTXS {state_htxs}/{len(state_levels)} "
        f"({float(state) * 100:.1f}%) cao hơn tỷ lệ đảng viên xếp loại HTXS "
        f"{party_htxs}/{len(party_levels)} ({float(party) * 100:.1f}%)."
    )


def state_share_violations(period: ReviewPeriod, unit: OrgUnit) -> list[str]:
    """R-Q6 for one unit: its civil servants' state-side ratings against the appraised or
    decided party ratings of the party members who belong to its subtree (one level per
    person: the worst, if they are rated at several sites)."""
    state_levels = list(
        StateRating.objects.filter(period=period, unit=unit).values_list("level", flat=True)
    )
    if not state_levels:
        return []
    members = Membership.objects.filter(unit__path__startswith=unit.path).filter(_current(period))
    ruleset = review_selectors.ruleset_for_unit(period, unit)
    worst: dict[int, str] = {}
    for person_id, level in (
        Rating.objects.filter(
            subject__period=period,
            subject__person__is_party_member=True,
            subject__person_id__in=members.values("person_id"),
            status__in=(RatingStatus.APPRAISED, RatingStatus.DECIDED, RatingStatus.PUBLISHED),
        )
        .exclude(level="")
        .values_list("subject__person_id", "level")
    ):
        worst[person_id] = _worse([worst.get(person_id, ""), level], ruleset)
    message = state_share_violation(
        unit_name=unit.name, state_levels=state_levels, party_levels=list(worst.values())
    )
    return [message] if message else []


def _state_share_problems(period: ReviewPeriod, scope: OrgUnit) -> list[str]:
    """R-Q6 for every unit of the decided subtree with state-side ratings, where its rule set
    has the constraint on."""
    problems: list[str] = []
    rated = StateRating.objects.filter(period=period, unit__path__startswith=scope.path)
    units = OrgUnit.objects.filter(pk__in=rated.values("unit_id")).order_by("path")
    for state_unit in units:
        ruleset = review_selectors.ruleset_for_unit(period, state_unit)
        if ruleset.constraints.civil_servant_htxs_share_not_above_party:
            problems.extend(state_share_violations(period, state_unit))
    return problems


def linkage_violations(period: ReviewPeriod, ratings: list[Rating]) -> list[str]:
    """R-L1 and R-L2 on the levels about to be decided (after any quota adjustment)."""
    collective_levels = dict(
        Rating.objects.filter(subject__period=period, subject__person__isnull=True)
        .exclude(status=RatingStatus.REOPENED)
        .values_list("subject__unit_id", "level")
    )
    units = {
        u.pk: u
        for u in OrgUnit.objects.filter(
            pk__in=[r.subject.unit_id for r in ratings] + list(collective_levels)
        )
    }
    by_path = {u.path: u for u in units.values()}
    people = {r.subject.person_id for r in ratings if r.subject.person_id}
    heads = _heads(period, people)
    problems = []
    for rating in ratings:
        subject = rating.subject
        ruleset = review_selectors.ruleset_for_unit(period, units[subject.unit_id])
        if subject.person_id and ruleset.constraints.head_not_above_collective:
            for unit_id, unit_name in heads.get(subject.person_id, []):
                cap = collective_levels.get(unit_id)
                if cap and ruleset.level_rank(rating.level) < ruleset.level_rank(cap):
                    problems.append(
                        f"{subject} ({rating.level}) cao hơn mức của tập thể {unit_name} do mình "
                        f"đứng đầu ({cap})"
                    )
        unit = units[subject.unit_id]
        if (
            subject.person_id is None
            and unit.kind == UnitKind.LEADERSHIP_COLLECTIVE
            and ruleset.constraints.leadership_not_above_organisation
        ):
            parent = by_path.get(unit.path[: -OrgUnit.steplen])
            cap = collective_levels.get(parent.pk) if parent else None
            if cap and ruleset.level_rank(rating.level) < ruleset.level_rank(cap):
                problems.append(
                    f"Tập thể lãnh đạo {unit.name} ({rating.level}) cao hơn mức của {parent.name} "
                    f"({cap})"
                )
    return problems


@transaction.atomic
def publish(*, decision: Decision, user: AbstractBaseUser, now=None) -> Decision:
    """Make the decided levels visible to the subjects (công khai kết quả)."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != DecisionStatus.DECIDED:
        raise DecisionLocked("Quyết định đã công bố hoặc đã bị hủy.")
    decision.status = DecisionStatus.PUBLISHED
    decision.published_at = now or timezone.now()
    with pghistory.context(reason="Công khai kết quả"):
        decision.save()
        # A rating re-opened since the decision (R-K3) stays open for re-rating.
        Rating.objects.filter(decision=decision, status=RatingStatus.DECIDED).update(
            status=RatingStatus.PUBLISHED
        )
    notices.result_published(decision=decision)
    return decision


@transaction.atomic
def cancel_decision(*, decision: Decision, reason: str, user: AbstractBaseUser) -> Decision:
    """The directly superior level cancels a decision; its ratings reopen for re-rating."""
    reason = nfc_lines(reason)
    if not reason:
        raise ChangeReasonRequired("Cần ghi rõ lý do hủy quyết định.")
    limits.check_text(reason, kind="reason", label="Lý do hủy", error=TextTooLong)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status == DecisionStatus.CANCELLED:
        raise DecisionLocked("Quyết định đã bị hủy.")
    decision.status = DecisionStatus.CANCELLED
    decision.cancel_reason = reason
    decision.cancelled_by = user
    with pghistory.context(reason=reason):
        decision.save()
        Rating.objects.filter(decision=decision).exclude(status=RatingStatus.REOPENED).update(
            status=RatingStatus.APPRAISED, decision=None, reopened_reason=reason
        )
    return decision

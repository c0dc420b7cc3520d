"""Appraisal (thẩm định): the checks, the proposals and an officer's change of level.

The checks run in one place, each giving a cap on the level and its reason in Vietnamese:
eligibility (R-E*), the points band, discipline (R-K1 … R-K3), the rule set's hard conditions
for HTXS (a collective with a disciplined sub-unit or leadership member stays at most HTT),
head ≤ collective (R-L1), leadership collective ≤ organisation (R-L2), a chi bộ's HTT needing
its members (R-L4).
The proposal is the worst of the ballot (or self) proposal and every cap.

The quota and decisions live in `decisions`, discipline recording and re-opening in
`discipline`; their services are re-exported here so `appraisal.decide` and the like keep working.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from orgunits import limits
from orgunits.models import OrgUnit, UnitKind
from orgunits.text import nfc_lines
from reviews import selectors as review_selectors
from reviews.models import Eligibility, ReportStatus, ReviewPeriod, Subject
from reviews.rule_text import without_rule_id
from reviews.services.remediation import unremedied_counts

from .. import notices
from ..exceptions import (
    ChangeReasonRequired,
    DecisionLocked,
    LevelAboveCap,
    TextTooLong,
    UnknownLevel,
)
from ..models import CandidateResult, DisciplineRecord, Rating, RatingStatus, RoundKind
from . import conditions
from .checks import HT, HTT, HTXS, KHT, Check, _heads, _worse
from .decisions import (
    apply_quota_suggestion,
    cancel_decision,
    decide,
    group_status,
    linkage_violations,
    publish,
    state_share_violation,
    state_share_violations,
)
from .discipline import (
    _collective_htxs_discipline,
    _disciplined_leaders,
    _subunit_ids,
    _unit_discipline,
    counting_discipline,
    counting_record_ids,
    discipline_rule,
    record_discipline,
)
from .order_checks import order_checks
from .quota_exceptions import approve_quota_exception

__all__ = [
    "apply_quota_suggestion",
    "appraise",
    "approve_quota_exception",
    "cancel_decision",
    "change_level",
    "counting_discipline",
    "counting_record_ids",
    "decide",
    "discipline_rule",
    "group_status",
    "linkage_violations",
    "publish",
    "record_discipline",
    "state_share_violation",
    "state_share_violations",
]

RATED = (Eligibility.ELIGIBLE, Eligibility.CAPPED)
# The check of a subject capped by absence whose stored reason is empty.
ABSENCE_CAP = "Nghỉ dài ngày trong năm: không xếp loại cao hơn Hoàn thành nhiệm vụ."


def _ballot_proposals(period: ReviewPeriod, subject_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The latest closed secret-ballot proposal per subject: (level, share text)."""
    results = (
        CandidateResult.objects.filter(
            candidate__subject_id__in=subject_ids, round__kind=RoundKind.RATING
        )
        .select_related("candidate", "round")
        .order_by("candidate__subject_id", "-round__closed_at")
    )
    proposals: dict[int, tuple[str, str]] = {}
    for result in results:
        subject_id = result.candidate.subject_id
        if subject_id not in proposals:
            base = result.computation.get("base") or 0
            votes = result.counts.get(result.proposed, 0) if result.proposed else 0
            proposals[subject_id] = (result.proposed, f"{votes}/{base}")
    return proposals


@transaction.atomic
def appraise(*, period: ReviewPeriod, unit: OrgUnit, user: AbstractBaseUser) -> list[Rating]:
    """Run every check for the rated subjects of the unit's subtree and (re)write proposals.

    Ratings already decided are left alone; an officer's changed level is kept.
    """
    subjects = list(
        Subject.objects.filter(
            period=period, unit__path__startswith=unit.path, eligibility__in=RATED
        ).select_related("person", "unit", "report")
    )
    ids = [s.pk for s in subjects]
    existing = {r.subject_id: r for r in Rating.objects.filter(subject_id__in=ids)}
    ballots = _ballot_proposals(period, ids)
    person_ids = {s.person_id for s in subjects if s.person_id}
    disciplined_people = set(
        DisciplineRecord.objects.filter(
            counting_discipline(period), person_id__in=person_ids
        ).values_list("person_id", flat=True)
    )
    unit_records = list(
        DisciplineRecord.objects.filter(
            counting_discipline(period), unit__path__startswith=unit.path
        ).select_related("unit")
    )
    unremedied = unremedied_counts(period, subjects)
    heads = _heads(period, person_ids)
    context = conditions.load_context(period, subjects, heads)
    proposals: dict[int, str] = {}
    checks: dict[int, list[Check]] = {}

    # Pass 1: individuals without the linkage to their collective.
    for subject in subjects:
        ruleset = review_selectors.ruleset_for_unit(period, subject.unit)
        found = _base_checks(subject, ruleset, ballots, unremedied.get(subject.pk, 0))
        if subject.person_id:
            if (
                ruleset.scoring.hard_conditions.kht_if_disciplined_in_year
                and subject.person_id in disciplined_people
            ):
                found.append(Check("R-K1", False, "Bị kỷ luật trong năm đánh giá.", cap=KHT))
            found.extend(_level_conditions(subject, ruleset, found, context))
            checks[subject.pk] = found
            proposals[subject.pk] = _proposal(found, ruleset)

    # Pass 2: collectives, which need their members (R-L4) and their sub-units (R-K1).
    members_by_unit: dict[int, list[str]] = defaultdict(list)
    for subject in subjects:
        if subject.person_id:
            members_by_unit[subject.unit_id].append(proposals[subject.pk])
    collective_level: dict[int, str] = {}
    collectives = sorted(
        (s for s in subjects if s.person_id is None), key=lambda s: -len(s.unit.path)
    )
    leaders = _disciplined_leaders(period, [s.unit for s in collectives])
    for subject in collectives:
        ruleset = review_selectors.ruleset_for_unit(period, subject.unit)
        found = _base_checks(subject, ruleset, ballots, unremedied.get(subject.pk, 0))
        children = _subunit_ids(subject.unit)
        found.extend(_unit_discipline(subject.unit, unit_records, children))
        if ruleset.scoring.hard_conditions.collective_htxs_no_disciplined:
            found.extend(
                _collective_htxs_discipline(
                    unit_records, children, leaders.get(subject.unit_id, [])
                )
            )
        found.extend(_level_conditions(subject, ruleset, found, context))
        if ruleset.constraints.cell_htt_requires_members and subject.unit.kind in (
            UnitKind.PARTY_CELL,
            UnitKind.GRASSROOTS_CELL,
            UnitKind.GRASSROOTS_COMMITTEE,
        ):
            found.append(_members_support(members_by_unit[subject.unit_id], ruleset))
        checks[subject.pk] = found
        proposals[subject.pk] = _proposal(found, ruleset)
        collective_level[subject.unit_id] = proposals[subject.pk]

    # Pass 3: R-L2 leadership collective ≤ its organisation, then R-L1 head ≤ collective.
    for subject in collectives:
        ruleset = review_selectors.ruleset_for_unit(period, subject.unit)
        if (
            ruleset.constraints.leadership_not_above_organisation
            and subject.unit.kind == UnitKind.LEADERSHIP_COLLECTIVE
        ):
            parent = subject.unit.path[: -OrgUnit.steplen]
            organisation = next((s for s in collectives if s.unit.path == parent), None)
            if organisation is not None and collective_level.get(organisation.unit_id):
                cap = collective_level[organisation.unit_id]
                ok = ruleset.level_rank(proposals[subject.pk] or KHT) >= ruleset.level_rank(cap)
                checks[subject.pk].append(
                    Check(
                        "R-L2",
                        ok,
                        "Tập thể lãnh đạo, quản lý không xếp cao hơn mức của "
                        f"{organisation.unit.name} ({cap}).",
                        cap=cap,
                    )
                )
                proposals[subject.pk] = _proposal(checks[subject.pk], ruleset)
                collective_level[subject.unit_id] = proposals[subject.pk]
    level_by_path = {s.unit.path: collective_level.get(s.unit_id, "") for s in collectives}
    for subject in subjects:
        if not subject.person_id:
            continue
        ruleset = review_selectors.ruleset_for_unit(period, subject.unit)
        led = ruleset.conditions_for_class(subject.subject_class)
        checks[subject.pk].extend(conditions.led_units_check(subject, led, context, level_by_path))
        proposals[subject.pk] = _proposal(checks[subject.pk], ruleset)
        if not ruleset.constraints.head_not_above_collective:
            continue
        for unit_id, unit_name in heads.get(subject.person_id, []):
            cap = collective_level.get(unit_id)
            if cap:
                ok = ruleset.level_rank(proposals[subject.pk] or KHT) >= ruleset.level_rank(cap)
                checks[subject.pk].append(
                    Check(
                        "R-L1",
                        ok,
                        f"Người đứng đầu không xếp cao hơn mức của tập thể {unit_name} ({cap}).",
                        cap=cap,
                    )
                )
        proposals[subject.pk] = _proposal(checks[subject.pk], ruleset)

    for subject_id, found in order_checks(period, subjects).items():
        checks[subject_id].extend(found)  # warnings only: no cap, the proposals stand

    ratings = []
    for subject in subjects:
        rating = existing.get(subject.pk) or Rating(subject=subject)
        if rating.pk and rating.status in (RatingStatus.DECIDED, RatingStatus.PUBLISHED):
            continue  # decided levels change only through cancellation or re-opening
        if rating.status == RatingStatus.REOPENED:
            # Re-rating after R-K3: the officer's earlier change was made without the new
            # facts, so the level follows the new proposal until an officer changes it again.
            rating.status = RatingStatus.APPRAISED
            rating.change_reason = ""
            rating.quota_adjusted = False
        rating.proposed_level = proposals[subject.pk]
        rating.checks = [c.as_json() for c in checks[subject.pk]]
        if not rating.change_reason:
            rating.level = rating.proposed_level
        rating.updated_by = user
        ratings.append(rating)
    # A few statements for the whole scope rather than one per subject: the audit triggers
    # record every row all the same, and the kept counts are updated per statement.
    now = timezone.now()
    for rating in ratings:
        rating.updated_at = now
    with pghistory.context(reason="Thẩm định tự động"):
        Rating.objects.bulk_create([r for r in ratings if r.pk is None], batch_size=2000)
        Rating.objects.bulk_update(
            [r for r in ratings if r.pk is not None],
            [
                "status",
                "change_reason",
                "quota_adjusted",
                "proposed_level",
                "checks",
                "level",
                "updated_by",
                "updated_at",
            ],
            batch_size=500,
        )
    notices.awaiting_decision(period=period, unit=unit, ratings=ratings)
    return ratings


def _base_checks(subject: Subject, ruleset, ballots, unremedied: int = 0) -> list[Check]:
    found: list[Check] = []
    report = getattr(subject, "report", None)
    ballot = ballots.get(subject.pk)
    if report is None or (
        report.status == ReportStatus.NOT_STARTED
        and not report.self_level
        and report.total_points is None
    ):
        found.append(Check("report", False, "Chưa có bản kiểm điểm, tự đánh giá.", blocks=True))
    if ballot and ballot[0]:
        found.append(
            Check(
                "ballot", True, f"Đề xuất qua bỏ phiếu kín: {ballot[0]} ({ballot[1]}).", ballot[0]
            )
        )
    elif report is not None and report.self_level:
        found.append(Check("self", True, f"Tự nhận mức: {report.self_level}.", report.self_level))
    else:
        found.append(
            Check("proposal", False, "Chưa có đề xuất (phiếu kín hoặc tự nhận).", blocks=True)
        )
    if subject.eligibility == Eligibility.CAPPED:
        found.append(
            Check("R-E3", False, without_rule_id(subject.eligibility_reason) or ABSENCE_CAP, cap=HT)
        )
    if ruleset.scoring.model == "points":
        total = report.total_points if report is not None else None
        if total is None:
            found.append(Check("points", False, "Chưa có tổng điểm tự chấm.", blocks=True))
        else:
            band = ruleset.level_for_points(total)
            points = review_selectors.points_text(total)
            found.append(Check("points", True, f"Tổng điểm {points} thuộc khung {band}.", band))
    if ruleset.scoring.hard_conditions.htxs_requires_all_shortcomings_remedied and unremedied:
        found.append(
            Check(
                "remediation",
                False,
                f"HTXS cần khắc phục 100% hạn chế, khuyết điểm đã được chỉ ra: còn {unremedied} "
                "chưa khắc phục.",
                cap=HTT,
            )
        )
    class_conditions = ruleset.conditions_for_class(subject.subject_class)
    if (
        ruleset.scoring.model == "points"
        and ballot
        and ballot[0] == HTXS
        and class_conditions.htxs_min_tasks_on_time_pct is None
    ):
        found.append(
            Check(
                "hard_conditions",
                True,
                "HTXS cần xác minh điều kiện: hoàn thành 100% nhiệm vụ đúng tiến độ, vượt mức "
                "theo bộ quy tắc và khắc phục 100% hạn chế đã chỉ ra.",
            )
        )
    return found


def _level_conditions(subject: Subject, ruleset, found: list[Check], context) -> list[Check]:
    """The rule set's Art. 11 conditions and KHT triggers for the subject's class."""
    start = next((c.cap for c in found if c.code in ("ballot", "self")), "")
    return conditions.level_checks(
        subject,
        ruleset.conditions_for_class(subject.subject_class),
        start,
        context,
        ruleset.level_rank,
    )


def _proposal(found: list[Check], ruleset) -> str:
    starting = next((c.cap for c in found if c.code in ("ballot", "self")), "")
    if not starting:
        return ""
    return _worse([starting, *[c.cap for c in found if c.code not in ("ballot", "self")]], ruleset)


def _members_support(levels: list[str], ruleset) -> Check:
    """R-L4: a chi bộ rated HTT needs every member at HT or better and half at HTT or better."""
    rated = [lvl for lvl in levels if lvl]
    if not rated:
        return Check("R-L4", True, "Chưa có đảng viên được xếp loại.")
    at_least_ht = sum(1 for lvl in rated if ruleset.level_rank(lvl) <= ruleset.level_rank(HT))
    at_least_htt = sum(1 for lvl in rated if ruleset.level_rank(lvl) <= ruleset.level_rank(HTT))
    minimum = Fraction(ruleset.constraints.cell_htt_min_pct_htt, 100)
    ok = at_least_ht == len(rated) and Fraction(at_least_htt, len(rated)) >= minimum
    return Check(
        "R-L4",
        ok,
        "Chi bộ xếp HTT cần mọi đảng viên từ HT trở lên và "
        f"{float(minimum) * 100:g}% từ HTT trở lên: {at_least_ht}/{len(rated)} từ HT trở lên, "
        f"{at_least_htt}/{len(rated)} từ HTT trở lên.",
        cap="" if ok else HT,
    )


@transaction.atomic
def change_level(*, rating: Rating, level: str, reason: str, user: AbstractBaseUser) -> Rating:
    """The officer sets a level other than the proposal; a written reason is required. The
    level must be one of the rule set's, and a subject capped by absence (R-E3) stays at most
    HT."""
    rating = (
        Rating.objects.select_for_update()
        .select_related("subject__unit", "subject__period")
        .get(pk=rating.pk)
    )
    if rating.status != RatingStatus.APPRAISED:
        raise DecisionLocked("Mức xếp loại đã được quyết định; cần hủy quyết định để sửa.")
    subject = rating.subject
    ruleset = review_selectors.ruleset_for_unit(subject.period, subject.unit)
    codes = [lvl.code for lvl in ruleset.levels]
    if level not in codes:
        raise UnknownLevel(f"Mức «{level}» không có trong bộ quy tắc ({', '.join(codes)}).")
    if subject.eligibility == Eligibility.CAPPED and ruleset.level_rank(level) < ruleset.level_rank(
        HT
    ):
        raise LevelAboveCap(
            "Đối tượng này chỉ được xếp loại không quá mức Hoàn thành nhiệm vụ "
            f"({without_rule_id(subject.eligibility_reason) or 'nghỉ ốm, nghỉ chế độ'})."
        )
    reason = limits.check_text(
        nfc_lines(reason), kind="reason", label="Lý do thay đổi", error=TextTooLong
    )
    if level != rating.proposed_level and not reason:
        raise ChangeReasonRequired("Cần ghi rõ lý do khi thay đổi mức so với đề xuất.")
    rating.level = level
    rating.change_reason = reason
    rating.updated_by = user
    with pghistory.context(reason=reason or "Giữ mức đề xuất"):
        rating.save()
    return rating

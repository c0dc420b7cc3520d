"""Appraisal (thẩm định), the quota, decisions and re-opening.

The checks run in one place, each giving a cap on the level and its reason in Vietnamese:
eligibility (R-E*), the points band, discipline (R-K1 … R-K3), the rule set's hard conditions
for HTXS (a collective with a disciplined sub-unit or leadership member stays at most HTT),
head ≤ collective (R-L1), leadership collective ≤ organisation (R-L2), a chi bộ's HTT needing
its members (R-L4).
The proposal is the worst of the ballot (or self) proposal and every cap.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orgunits.models import Membership, MembershipRole, OrgUnit, UnitKind
from orgunits.text import nfc_lines
from reviews import selectors as review_selectors
from reviews.models import Eligibility, QuotaGroup, ReviewPeriod, Subject, SubjectClass
from reviews.services.remediation import unremedied_counts

from ..exceptions import (
    ChangeReasonRequired,
    DecisionLocked,
    LevelAboveCap,
    LinkageViolated,
    NotEligibleForRating,
    NothingToDecide,
    QuotaExceeded,
    UnknownLevel,
)
from ..models import (
    CandidateResult,
    Decision,
    DecisionStatus,
    DisciplineRecord,
    QuotaException,
    Rating,
    RatingStatus,
    RoundKind,
    StateRating,
)
from ..quota import QuotaCandidate, QuotaPlan, plan, within_cap

HTXS, HTT, HT, KHT = "HTXS", "HTT", "HT", "KHT"
RATED = (Eligibility.ELIGIBLE, Eligibility.CAPPED)
HEAD_ROLES = (MembershipRole.HEAD, MembershipRole.SECRETARY)
# Who counts as a collective's leadership for its HTXS condition; every member of a leadership
# collective (tập thể lãnh đạo, quản lý) counts too.
LEADERSHIP_ROLES = (
    MembershipRole.SECRETARY,
    MembershipRole.DEPUTY_SECRETARY,
    MembershipRole.COMMITTEE_MEMBER,
    MembershipRole.HEAD,
    MembershipRole.DEPUTY_HEAD,
)
# R-K1: more than this share of a collective's sub-units disciplined makes it KHT.
SUBUNIT_DISCIPLINE_SHARE = Fraction(1, 5)


@dataclass
class Check:
    code: str
    ok: bool
    message: str
    cap: str = ""

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "ok": self.ok, "message": self.message, "cap": self.cap}


def _worse(levels: list[str], ruleset) -> str:
    present = [lvl for lvl in levels if lvl]
    return max(present, key=ruleset.level_rank) if present else ""


def counting_discipline(period: ReviewPeriod) -> Q:
    """Records that count against `period`: violated in its year, not self-detected and
    remedied (R-K1); each record counts only for the year of the violation (R-K2, R-K3)."""
    return Q(violation_date__year=period.year, self_detected_remedied=False)


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
    proposals: dict[int, str] = {}
    checks: dict[int, list[Check]] = {}

    # Pass 1: individuals without the linkage to their collective.
    for subject in subjects:
        ruleset = review_selectors.ruleset_for_unit(period, subject.unit)
        found = _base_checks(subject, ruleset, ballots, unremedied.get(subject.pk, 0))
        if subject.person_id:
            if subject.person_id in disciplined_people:
                found.append(Check("R-K1", False, "R-K1: bị kỷ luật trong năm đánh giá.", cap=KHT))
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
                        f"R-L2: tập thể lãnh đạo không cao hơn mức của {organisation.unit.name} "
                        f"({cap}).",
                        cap=cap,
                    )
                )
                proposals[subject.pk] = _proposal(checks[subject.pk], ruleset)
                collective_level[subject.unit_id] = proposals[subject.pk]
    heads = _heads(period, {s.person_id for s in subjects if s.person_id})
    for subject in subjects:
        if not subject.person_id:
            continue
        ruleset = review_selectors.ruleset_for_unit(period, subject.unit)
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
                        f"R-L1: người đứng đầu không cao hơn mức của tập thể {unit_name} ({cap}).",
                        cap=cap,
                    )
                )
        proposals[subject.pk] = _proposal(checks[subject.pk], ruleset)

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
    with pghistory.context(reason="Thẩm định tự động"):
        for rating in ratings:
            rating.save()
    return ratings


def _base_checks(subject: Subject, ruleset, ballots, unremedied: int = 0) -> list[Check]:
    found: list[Check] = []
    report = getattr(subject, "report", None)
    ballot = ballots.get(subject.pk)
    if ballot and ballot[0]:
        found.append(
            Check(
                "ballot", True, f"Đề xuất qua bỏ phiếu kín: {ballot[0]} ({ballot[1]}).", ballot[0]
            )
        )
    elif report is not None and report.self_level:
        found.append(Check("self", True, f"Tự nhận mức: {report.self_level}.", report.self_level))
    else:
        found.append(Check("proposal", False, "Chưa có đề xuất (phiếu kín hoặc tự nhận)."))
    if subject.eligibility == Eligibility.CAPPED:
        found.append(Check("R-E3", False, subject.eligibility_reason or "R-E3", cap=HT))
    if ruleset.scoring.model == "points":
        total = report.total_points if report is not None else None
        if total is None:
            found.append(Check("points", False, "Chưa có tổng điểm tự chấm."))
        else:
            band = ruleset.level_for_points(total)
            found.append(Check("points", True, f"Tổng điểm {total} thuộc khung {band}.", band))
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
    if ruleset.scoring.model == "points" and ballot and ballot[0] == HTXS:
        found.append(
            Check(
                "hard_conditions",
                True,
                "HTXS cần xác minh điều kiện: hoàn thành 100% nhiệm vụ đúng tiến độ, vượt mức "
                "theo bộ quy tắc và khắc phục 100% hạn chế đã chỉ ra.",
            )
        )
    return found


def _proposal(found: list[Check], ruleset) -> str:
    starting = next((c.cap for c in found if c.code in ("ballot", "self")), "")
    if not starting:
        return ""
    return _worse([starting, *[c.cap for c in found if c.code not in ("ballot", "self")]], ruleset)


def _subunit_ids(unit: OrgUnit) -> set[int]:
    """The units directly under `unit` (its tổ chức trực thuộc)."""
    return set(
        OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).values_list(
            "pk", flat=True
        )
    )


def _disciplined_leaders(period: ReviewPeriod, units: list[OrgUnit]) -> dict[int, list[str]]:
    """Per collective, the names of its leadership members disciplined for the period's year:
    committee members and heads (and their deputies), and every member of a leadership
    collective. One query for all the collectives."""
    leadership_collectives = {u.pk for u in units if u.kind == UnitKind.LEADERSHIP_COLLECTIVE}
    disciplined = DisciplineRecord.objects.filter(
        counting_discipline(period), person__isnull=False
    ).values("person_id")
    rows = (
        Membership.objects.filter(unit__in=[u.pk for u in units], person_id__in=disciplined)
        .filter(_current(period))
        .filter(Q(role__in=LEADERSHIP_ROLES) | Q(unit__in=leadership_collectives))
        .order_by("person__full_name")
        .values_list("unit_id", "person__full_name")
        .distinct()
    )
    found: dict[int, list[str]] = defaultdict(list)
    for unit_id, name in rows:
        found[unit_id].append(name)
    return found


def _collective_htxs_discipline(
    records: list[DisciplineRecord], children: set[int], leaders: list[str]
) -> list[Check]:
    """The rule set's HTXS condition for collectives: no sub-unit and no leadership member
    disciplined in the year; otherwise the collective stays at most HTT."""
    subunits = sorted({r.unit.name for r in records if r.unit_id in children})
    reasons = []
    if subunits:
        reasons.append("tổ chức trực thuộc bị kỷ luật: " + ", ".join(subunits))
    if leaders:
        reasons.append("thành viên lãnh đạo bị kỷ luật: " + ", ".join(leaders))
    if not reasons:
        return []
    message = "Tập thể chưa đủ điều kiện HTXS (" + "; ".join(reasons) + ")."
    return [Check("collective_htxs", False, message, cap=HTT)]


def _unit_discipline(
    unit: OrgUnit, records: list[DisciplineRecord], children: set[int] | None = None
) -> list[Check]:
    own = [r for r in records if r.unit_id == unit.pk]
    found = []
    if own:
        found.append(Check("R-K1", False, "R-K1: tập thể bị kỷ luật trong năm đánh giá.", KHT))
    if children is None:
        children = _subunit_ids(unit)
    disciplined = {r.unit_id for r in records if r.unit_id in children}
    if children and Fraction(len(disciplined), len(children)) > SUBUNIT_DISCIPLINE_SHARE:
        found.append(
            Check(
                "R-K1",
                False,
                f"R-K1: {len(disciplined)}/{len(children)} tổ chức trực thuộc bị kỷ luật "
                "(trên 20%).",
                KHT,
            )
        )
    if any(r.is_corruption for r in records if r.unit_id in children):
        found.append(
            Check("R-K1", False, "R-K1: có tổ chức trực thuộc bị kỷ luật về tham nhũng.", KHT)
        )
    return found


def _members_support(levels: list[str], ruleset) -> Check:
    """R-L4: a chi bộ rated HTT needs every member at HT or better and half at HTT or better."""
    rated = [lvl for lvl in levels if lvl]
    if not rated:
        return Check("R-L4", True, "R-L4: chưa có đảng viên được xếp loại.")
    at_least_ht = sum(1 for lvl in rated if ruleset.level_rank(lvl) <= ruleset.level_rank(HT))
    at_least_htt = sum(1 for lvl in rated if ruleset.level_rank(lvl) <= ruleset.level_rank(HTT))
    minimum = Fraction(ruleset.constraints.cell_htt_min_pct_htt, 100)
    ok = at_least_ht == len(rated) and Fraction(at_least_htt, len(rated)) >= minimum
    return Check(
        "R-L4",
        ok,
        f"R-L4: {at_least_ht}/{len(rated)} đảng viên từ HT trở lên, {at_least_htt}/{len(rated)} "
        f"từ HTT trở lên (cần 100% và {float(minimum) * 100:g}%).",
        cap="" if ok else HT,
    )


def _current(period: ReviewPeriod) -> Q:
    """Memberships held on the period's reference date (as enrolment reads them)."""
    reference = period.opens_on
    return (Q(end_date=None) | Q(end_date__gte=reference)) & (
        Q(start_date=None) | Q(start_date__lte=reference)
    )


def _heads(period: ReviewPeriod, person_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """The units each person heads (their collective caps their level, R-L1)."""
    heads: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for person_id, unit_id, name in (
        Membership.objects.filter(person_id__in=person_ids, role__in=HEAD_ROLES)
        .filter(_current(period))
        .values_list("person_id", "unit_id", "unit__name")
    ):
        heads[person_id].append((unit_id, name))
    return heads


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
            "R-E3: đối tượng này chỉ được xếp loại không quá mức Hoàn thành nhiệm vụ "
            f"({subject.eligibility_reason or 'nghỉ ốm, nghỉ chế độ'})."
        )
    reason = nfc_lines(reason)
    if level != rating.proposed_level and not reason:
        raise ChangeReasonRequired("Cần ghi rõ lý do khi thay đổi mức so với đề xuất.")
    rating.level = level
    rating.change_reason = reason
    rating.updated_by = user
    with pghistory.context(reason=reason or "Giữ mức đề xuất"):
        rating.save()
    return rating


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
    extra = sum(group.exceptions.values_list("extra_htxs", flat=True))
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
    return plan(ruleset.quota, candidates=candidates, htt=htt, headcount=len(ratings), extra=extra)


@transaction.atomic
def apply_quota_suggestion(*, group: QuotaGroup, user: AbstractBaseUser) -> list[Rating]:
    """Move the lowest-ranked HTXS proposals of the group to HTT, as the plan suggests."""
    QuotaGroup.objects.select_for_update().get(pk=group.pk)
    suggestion = group_status(group)
    moved = []
    reason = "Điều chỉnh theo tỷ lệ tối đa HTXS của nhóm (R-Q1): " + " ".join(suggestion.steps)
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


@transaction.atomic
def approve_quota_exception(
    *, group: QuotaGroup, extra_htxs: int, reason: str, user: AbstractBaseUser
) -> QuotaException:
    """R-Q5: the competent level allows an outstanding group more HTXS, with a reason."""
    reason = nfc_lines(reason)
    if not reason:
        raise ChangeReasonRequired("Ngoại lệ về tỷ lệ cần ghi rõ lý do.")
    with pghistory.context(reason=reason):
        return QuotaException.objects.create(
            group=group, extra_htxs=extra_htxs, reason=reason, approved_by=user
        )


@transaction.atomic
def decide(
    *,
    period: ReviewPeriod,
    unit: OrgUnit,
    user: AbstractBaseUser,
    decided_on: dt.date,
    number: str = "",
) -> Decision:
    """Lock the appraised levels of the unit's subtree in a decision, enforcing R-Q1 per group
    and R-Q6 per state unit.

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
        .select_related("subject")
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
    group_ids = sorted({r.subject.quota_group_id for r in pending if r.subject.quota_group_id})
    groups = list(QuotaGroup.objects.select_for_update().filter(pk__in=group_ids).order_by("pk"))
    for group in groups:
        ruleset = review_selectors.ruleset_for_unit(group.period, group.unit)
        counted = Rating.objects.filter(subject__quota_group=group).filter(
            Q(status__in=(RatingStatus.DECIDED, RatingStatus.PUBLISHED)) | Q(pk__in=pending_ids)
        )
        htxs = counted.filter(level=HTXS).count()
        htt = counted.filter(level=HTT).count()
        extra = sum(group.exceptions.values_list("extra_htxs", flat=True))
        if not within_cap(
            ruleset.quota, htxs=htxs, htt=htt, headcount=counted.count(), extra=extra
        ):
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
                f"Nhóm «{group.name}» vượt tỷ lệ HTXS: {htxs} HTXS, tối đa {status.allowed}. "
                "Áp dụng đề nghị điều chỉnh hoặc ngoại lệ đã được phê duyệt trước khi quyết định.",
                steps,
            )
    shares = _state_share_problems(period, unit)
    if shares:
        raise QuotaExceeded(
            "Tỷ lệ công chức xếp loại HTXS cao hơn tỷ lệ đảng viên xếp loại HTXS (R-Q6).", shares
        )
    violations = linkage_violations(period, pending)
    if violations:
        raise LinkageViolated("; ".join(violations))
    number = number.strip()
    title = f"Quyết định {number} ngày" if number else "Quyết định ngày"
    with pghistory.context(reason=f"{title} {decided_on:%d/%m/%Y}"):
        decision = Decision.objects.create(
            period=period, unit=unit, number=number, decided_by=user, decided_on=decided_on
        )
        for rating in pending:
            rating.status = RatingStatus.DECIDED
            rating.decision = decision
            rating.updated_by = user
            rating.save(update_fields=["status", "decision", "updated_by", "updated_at"])
    return decision


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
        f"R-Q6: {unit_name}: tỷ lệ công chức xếp loại HTXS {state_htxs}/{len(state_levels)} "
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
                        f"R-L1: {subject} ({rating.level}) cao hơn mức của tập thể {unit_name} "
                        f"({cap})"
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
                    f"R-L2: {unit.name} ({rating.level}) cao hơn mức của {parent.name} ({cap})"
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
    return decision


@transaction.atomic
def cancel_decision(*, decision: Decision, reason: str, user: AbstractBaseUser) -> Decision:
    """The directly superior level cancels a decision; its ratings reopen for re-rating."""
    reason = nfc_lines(reason)
    if not reason:
        raise ChangeReasonRequired("Cần ghi rõ lý do hủy quyết định.")
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


@transaction.atomic
def record_discipline(
    *,
    user: AbstractBaseUser,
    unit_at_time: OrgUnit,
    violation_date: dt.date,
    decision_date: dt.date,
    form: str,
    person=None,
    unit: OrgUnit | None = None,
    is_corruption: bool = False,
    self_detected_remedied: bool = False,
    description: str = "",
) -> tuple[DisciplineRecord, list[Rating]]:
    """Record a disciplinary decision; a rating already decided for the year of the violation
    is re-opened (R-K3), with the change audited. Returns the record and re-opened ratings."""
    with pghistory.context(
        reason=f"Ghi nhận quyết định kỷ luật ngày {decision_date:%d/%m/%Y} về vi phạm ngày "
        f"{violation_date:%d/%m/%Y}."
    ):
        record = DisciplineRecord.objects.create(
            person=person,
            unit=unit,
            unit_at_time=unit_at_time,
            violation_date=violation_date,
            decision_date=decision_date,
            form=form,
            is_corruption=is_corruption,
            self_detected_remedied=self_detected_remedied,
            description=nfc_lines(description),
            recorded_by=user,
        )
    if self_detected_remedied:
        return record, []
    affected = Rating.objects.filter(
        subject__period__year=violation_date.year,
        status__in=(RatingStatus.DECIDED, RatingStatus.PUBLISHED),
    )
    if person is not None:
        affected = affected.filter(subject__person=person)
    else:
        units = [unit.pk]
        parent = _parent_made_kht(unit, violation_date.year)
        if parent is not None:
            units.append(parent.pk)
        affected = affected.filter(
            subject__unit_id__in=units, subject__subject_class=SubjectClass.COLLECTIVE
        )
    reason = (
        f"R-K3: quyết định kỷ luật ngày {decision_date:%d/%m/%Y} về vi phạm ngày "
        f"{violation_date:%d/%m/%Y}; xem xét lại mức xếp loại năm {violation_date.year}."
    )
    reopened = []
    with pghistory.context(reason=reason):
        for rating in affected.select_for_update():
            rating.status = RatingStatus.REOPENED
            rating.reopened_reason = reason
            rating.updated_by = user
            rating.save()
            reopened.append(rating)
    return record, reopened


def _parent_made_kht(unit: OrgUnit, year: int) -> OrgUnit | None:
    """The parent organisation, when its sub-units' discipline in `year` (a corruption case,
    or more than 20% of them disciplined) makes it KHT under R-K1."""
    parent_path = unit.path[: -OrgUnit.steplen]
    parent = OrgUnit.objects.filter(path=parent_path).first() if parent_path else None
    if parent is None:
        return None
    records = list(
        DisciplineRecord.objects.filter(
            violation_date__year=year,
            self_detected_remedied=False,
            unit__path__startswith=parent.path,
        ).exclude(unit=parent)
    )
    return parent if any(not c.ok for c in _unit_discipline(parent, records)) else None

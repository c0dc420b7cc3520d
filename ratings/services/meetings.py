"""Meetings: creation with the convened list, attendance, the agenda in order, conclusions."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from orgunits import limits
from orgunits.limits import TEXT_LIMITS
from orgunits.models import Membership, MembershipRole, OrgUnit, Person, UnitKind
from orgunits.text import clip, nfc, nfc_lines, vn_decimal
from reviews import selectors as review_selectors
from reviews.models import Eligibility, ReviewPeriod, Subject, Suggestion
from reviews.rule_text import without_rule_id
from reviews.rulesets import MeetingRule

from .. import notices
from ..exceptions import (
    AgendaOrderBroken,
    AttendanceLocked,
    MeetingHasOpenRound,
    MeetingNotEditable,
    NotConvened,
    SecretaryNotPresent,
    TextTooLong,
)
from ..models import (
    AgendaItem,
    Attendance,
    BallotRound,
    Meeting,
    MeetingKind,
    MeetingStatus,
    RoundStatus,
)
from ..tally import VoteRule, quorum_met

# R-L3: the collective first, then the head, the deputies, the members.
ROLE_RANK = {
    MembershipRole.HEAD: 0,
    MembershipRole.SECRETARY: 0,
    MembershipRole.DEPUTY_HEAD: 1,
    MembershipRole.DEPUTY_SECRETARY: 1,
    MembershipRole.COMMITTEE_MEMBER: 2,
}


def suggested_kind(period: ReviewPeriod, unit: OrgUnit) -> str:
    """The meeting kind the rule set suggests for the unit (local rule on staff counts)."""
    if unit.kind in (UnitKind.PARTY_CELL, UnitKind.GRASSROOTS_CELL):
        return MeetingKind.PARTY_CELL
    if unit.kind == UnitKind.LEADERSHIP_COLLECTIVE:
        return MeetingKind.LEADERSHIP_COLLECTIVE
    threshold = review_selectors.ruleset_for_unit(period, unit).meeting
    limit = threshold.key_cadre_conference_staff_threshold
    if limit and unit.staff_count >= limit:
        return MeetingKind.KEY_CADRE_CONFERENCE
    return MeetingKind.FULL_STAFF_CONFERENCE


@transaction.atomic
def create_meeting(
    *,
    period: ReviewPeriod,
    unit: OrgUnit,
    chair: AbstractBaseUser,
    starts_on: dt.date,
    ends_on: dt.date,
    duration_days: Decimal,
    kind: str | None = None,
    title: str = "",
    location: str = "",
) -> Meeting:
    """Create the meeting, convene the unit's current members and build the agenda."""
    meeting = Meeting.objects.create(
        period=period,
        unit=unit,
        kind=kind or suggested_kind(period, unit),
        title=clip(
            nfc(title) or f"Hội nghị kiểm điểm {period.year} – {unit.name}",
            TEXT_LIMITS["short_text"],
        ),
        starts_on=starts_on,
        ends_on=ends_on,
        duration_days=duration_days,
        location=nfc(location),
        chair=chair,
    )
    people = (
        Membership.objects.filter(unit=unit)
        .filter(Q(end_date=None) | Q(end_date__gte=starts_on))
        .values_list("person_id", flat=True)
        .distinct()
    )
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, person_id=pk) for pk in sorted(set(people))]
    )
    build_agenda(meeting=meeting)
    notices.meeting_convened(meeting=meeting)
    return meeting


@dataclass(frozen=True)
class LeftOut:
    """A subject of the meeting's unit kept off the agenda or a ballot paper, and why."""

    subject: Subject
    reason: str


def exclusion_reason(subject: Subject) -> str:
    """Why a subject is not reviewed or not rated, as enrolment or an officer decided it (the
    rule ids of the stored reason are for the record, not for the chair)."""
    if subject.eligibility_overridden and subject.override_reason:
        return subject.override_reason
    return without_rule_id(subject.eligibility_reason) or str(
        Eligibility(subject.eligibility).label
    )


def _site_subjects(meeting: Meeting):
    # Names are ordered by PostgreSQL's Vietnamese collation (Python's code-point order puts
    # Ánh, Đạt and Ơn after Yến); callers' stable sorts then only group by role.
    return (
        Subject.objects.filter(period=meeting.period, unit=meeting.unit)
        .select_related("person")
        .order_by("person__given_name", "person__full_name", "person__code", "pk")
    )


def left_out_of_agenda(meeting: Meeting) -> list[LeftOut]:
    """The unit's subjects that enrolment (or an officer) put outside the review (R-E1)."""
    return [
        LeftOut(subject, exclusion_reason(subject))
        for subject in _site_subjects(meeting).filter(eligibility=Eligibility.NOT_REVIEWED)
    ]


# Bands of the agenda (Art. 12(2), R-L3): a collective placed "first", then individuals by
# role (head, deputies, committee members, members), then a collective placed "last".
COLLECTIVE_FIRST, COLLECTIVE_LAST, MEMBER_RANK = 0, 5, 3


def agenda_band(*, unit_kind: str, is_collective: bool, role_rank: int, rule: MeetingRule) -> int:
    """Where a subject belongs on its unit's agenda, by the rule set's order."""
    if not is_collective:
        return 1 + role_rank
    place = (
        rule.agenda_leadership_collective
        if unit_kind == UnitKind.LEADERSHIP_COLLECTIVE
        else rule.agenda_party_organisation
    )
    return COLLECTIVE_LAST if place == "last" else COLLECTIVE_FIRST


def _bands(meeting: Meeting, subjects: list[Subject]) -> dict[int, int]:
    rule = review_selectors.ruleset_for_unit(meeting.period, meeting.unit).meeting
    ranks: dict[int, int] = {}
    current = Membership.objects.filter(unit=meeting.unit).filter(
        Q(end_date=None) | Q(end_date__gte=meeting.starts_on)
    )
    for person_id, role in current.values_list("person_id", "role"):
        ranks[person_id] = min(ranks.get(person_id, MEMBER_RANK), ROLE_RANK.get(role, MEMBER_RANK))
    return {
        subject.pk: agenda_band(
            unit_kind=meeting.unit.kind,
            is_collective=subject.person_id is None,
            role_rank=ranks.get(subject.person_id, MEMBER_RANK),
            rule=rule,
        )
        for subject in subjects
    }


@transaction.atomic
def build_agenda(*, meeting: Meeting) -> list[AgendaItem]:
    """(Re)build the agenda in the rule set's order (Art. 12(2), R-L3), keeping conclusions
    already written.

    Subjects not reviewed (R-E1: exempt, suspended, admitted less than 6 months ago, as
    enrolment computed it or an officer overrode it) are left out; see left_out_of_agenda.
    """
    if meeting.status == MeetingStatus.CLOSED:
        raise MeetingNotEditable("Hội nghị đã kết thúc.")
    subjects = list(_site_subjects(meeting).exclude(eligibility=Eligibility.NOT_REVIEWED))
    bands = _bands(meeting, subjects)
    subjects.sort(key=lambda s: bands[s.pk])
    conclusions = dict(meeting.agenda.values_list("subject_id", "conclusion"))
    meeting.agenda.all().delete()
    return AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=meeting,
                subject=subject,
                position=index,
                conclusion=conclusions.get(subject.pk, ""),
            )
            for index, subject in enumerate(subjects, start=1)
        ]
    )


def _order_broken(before: Subject, after: Subject, bands: dict[int, int]) -> str:
    if before.person_id is None or after.person_id is None:
        collective = before if before.person_id is None else after
        when = "trước" if bands[collective.pk] == COLLECTIVE_FIRST else "sau"
        return f"theo bộ quy tắc, tập thể {collective.unit.name} được kiểm điểm {when} các cá nhân"
    return "người đứng đầu được kiểm điểm trước, rồi đến cấp phó, cấp ủy viên và các thành viên"


@transaction.atomic
def move_agenda_item(*, item: AgendaItem, position: int) -> list[AgendaItem]:
    """Move one item of the agenda; refused when the new order breaks the rule set's order."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    if meeting.status == MeetingStatus.CLOSED:
        raise MeetingNotEditable("Hội nghị đã kết thúc.")
    items = list(meeting.agenda.select_related("subject__person", "subject__unit"))
    moving = next(i for i in items if i.pk == item.pk)
    items.remove(moving)
    items.insert(min(max(position, 1), len(items) + 1) - 1, moving)
    bands = _bands(meeting, [i.subject for i in items])
    for first, second in itertools.pairwise(items):
        if bands[first.subject_id] > bands[second.subject_id]:
            raise AgendaOrderBroken(
                f"Không thể xếp «{second.subject}» trước «{first.subject}»: "
                f"{_order_broken(first.subject, second.subject, bands)}."
            )
    # Two steps so no two items share a position in between (unique per meeting).
    offset = len(items) + 1
    for index, agenda_item in enumerate(items, start=1):
        agenda_item.position = index + offset
    AgendaItem.objects.bulk_update(items, ["position"])
    for agenda_item in items:
        agenda_item.position -= offset
    AgendaItem.objects.bulk_update(items, ["position"])
    return items


@transaction.atomic
def set_attendance(
    *, meeting: Meeting, person: Person, present: bool, absence_reason: str = ""
) -> Attendance:
    """Mark a convened person present, or absent with a reason; refused while a round is open."""
    if meeting.status == MeetingStatus.CLOSED:
        raise MeetingNotEditable("Hội nghị đã kết thúc.")
    # The ballots of an open round were issued to those present when it opened; attendance
    # waits for the round to close. The meeting lock orders this against open_round.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).exists()
    open_round = BallotRound.objects.filter(meeting=meeting, status=RoundStatus.OPEN).first()
    if open_round is not None:
        raise AttendanceLocked(
            f"Không thể thay đổi điểm danh khi đang có vòng bỏ phiếu mở (vòng {open_round.number}:"
            f" đã phát phiếu cho {open_round.present_count} người có mặt lúc mở vòng). Đóng vòng "
            "bỏ phiếu rồi điểm danh lại; người đến muộn bỏ phiếu ở vòng sau."
        )
    attendance = Attendance.objects.filter(meeting=meeting, person=person).first()
    if attendance is None:
        raise NotConvened(f"{person.full_name} không có trong danh sách triệu tập.")
    reason = nfc(absence_reason)
    if not present and not reason:
        raise NotConvened(f"Cần ghi lý do vắng mặt của {person.full_name}.")
    attendance.present = present
    attendance.absence_reason = "" if present else reason
    attendance.save(update_fields=["present", "absence_reason"])
    _under_way(meeting)
    return attendance


def _under_way(meeting: Meeting) -> None:
    # Planned → in progress when the roll is first taken (a round opening does the same).
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.save(update_fields=["status"])


@transaction.atomic
def set_counting_committee(*, meeting: Meeting, people: list[Person]) -> None:
    """Name the vote-counting committee (tổ kiểm phiếu) among those convened."""
    ids = {p.pk for p in people}
    convened = set(meeting.attendance.values_list("person_id", flat=True))
    if not ids <= convened:
        raise NotConvened("Thành viên tổ kiểm phiếu phải có trong danh sách triệu tập.")
    meeting.attendance.update(is_counting_member=False)
    meeting.attendance.filter(person_id__in=ids).update(is_counting_member=True)


@transaction.atomic
def conclude_item(*, item: AgendaItem, conclusion: str) -> AgendaItem:
    """Record the chair's conclusion on one agenda item."""
    if item.meeting.status == MeetingStatus.CLOSED:
        raise MeetingNotEditable("Hội nghị đã kết thúc.")
    item.conclusion = limits.check_text(
        nfc_lines(conclusion), kind="conclusion", label="Kết luận", error=TextTooLong
    )
    item.save(update_fields=["conclusion"])
    return item


@transaction.atomic
def start_meeting(*, meeting: Meeting) -> Meeting:
    if meeting.status == MeetingStatus.CLOSED:
        raise MeetingNotEditable("Hội nghị đã kết thúc.")
    _under_way(meeting)
    return meeting


@transaction.atomic
def close_meeting(*, meeting: Meeting) -> Meeting:
    """End the meeting (the minutes are final): refused while a round is open. Nothing closes
    a meeting by itself, since after any round the chair may still need a follow-up round."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).exists()
    meeting.refresh_from_db(fields=["status"])
    if meeting.status == MeetingStatus.CLOSED:
        raise MeetingNotEditable("Hội nghị đã kết thúc.")
    open_round = meeting.rounds.filter(status=RoundStatus.OPEN).first()
    if open_round is not None:
        raise MeetingHasOpenRound(
            f"Vòng bỏ phiếu {open_round.number} đang mở: đóng vòng bỏ phiếu trước khi kết thúc "
            "hội nghị."
        )
    meeting.status = MeetingStatus.CLOSED
    meeting.save(update_fields=["status"])
    return meeting


@transaction.atomic
def set_secretary(*, meeting: Meeting, person: Person | None) -> Meeting:
    """The chair names the meeting's secretary (thư ký hội nghị) among those present; the
    name goes into the meeting and counting minutes."""
    if meeting.status == MeetingStatus.CLOSED:
        raise MeetingNotEditable("Hội nghị đã kết thúc.")
    if person is not None and not meeting.attendance.filter(person=person, present=True).exists():
        raise SecretaryNotPresent(
            f"Thư ký hội nghị phải là người có mặt trong danh sách triệu tập; "
            f"{person.full_name} chưa được điểm danh có mặt."
        )
    meeting.secretary = person
    meeting.secretary_name = person.full_name if person else ""
    meeting.save(update_fields=["secretary", "secretary_name"])
    return meeting


@dataclass(frozen=True)
class MeetingCheck:
    code: str
    ok: bool
    message: str


def vote_rule_for(meeting: Meeting) -> VoteRule:
    vote = review_selectors.ruleset_for_unit(meeting.period, meeting.unit).vote
    return VoteRule(
        rule=vote.rule,
        base=vote.base,
        threshold=vote.threshold,
        strict=vote.strict,
        quorum=vote.quorum,
        min_voters_for_counts=vote.min_voters_for_counts,
        allow_revote=vote.allow_revote,
    )


def meeting_checks(meeting: Meeting) -> list[MeetingCheck]:
    """Quorum and minimum length against the rule set, each with its reason in Vietnamese."""
    ruleset = review_selectors.ruleset_for_unit(meeting.period, meeting.unit)
    convened = meeting.attendance.count()
    present = meeting.attendance.filter(present=True).count()
    rule = vote_rule_for(meeting)
    checks = [
        MeetingCheck(
            "quorum",
            quorum_met(rule, convened=convened, present=present),
            f"Có mặt {present}/{convened}; cần ít nhất {float(rule.quorum) * 100:g}% số được "
            "triệu tập.",
        )
    ]
    has_suggestions = Suggestion.objects.filter(
        subject__period=meeting.period, subject__unit=meeting.unit
    ).exists()
    minimum = (
        ruleset.meeting.min_days_with_suggestions if has_suggestions else ruleset.meeting.min_days
    )
    checks.append(
        MeetingCheck(
            "duration",
            meeting.duration_days >= minimum,
            f"Thời lượng {vn_decimal(meeting.duration_days)} ngày; tối thiểu "
            f"{vn_decimal(minimum)} ngày" + (" (có gợi ý kiểm điểm)." if has_suggestions else "."),
        )
    )
    suggested = suggested_kind(meeting.period, meeting.unit)
    if suggested != meeting.kind:
        checks.append(
            MeetingCheck(
                "kind",
                False,
                f"Bộ quy tắc gợi ý hình thức «{MeetingKind(suggested).label}» cho đơn vị này.",
            )
        )
    return checks

"""Meetings: the agenda order (R-L3), attendance, the checks against the rule set (§6 step 3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from orgunits.models import MembershipRole, PartyStatus, UnitKind
from ratings.exceptions import (
    AgendaOrderBroken,
    AttendanceLocked,
    MeetingNotEditable,
    NotConvened,
)
from ratings.models import MeetingKind
from ratings.services import ballots, meetings
from reviews import selectors as review_selectors
from reviews.models import Subject, SubjectClass, Suggestion
from reviews.services import enrolment, periods

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory
from .conftest import ABSENCE_REASON, MEETING_DAY


def _member(unit, name, role=MembershipRole.PARTY_MEMBER, **kwargs):
    person = PersonFactory(full_name=name, **kwargs)
    MembershipFactory(person=person, unit=unit, role=role)
    return person


def _meeting(period, unit, chair):
    """A one-day meeting of the unit on MEETING_DAY."""
    return meetings.create_meeting(
        period=period,
        unit=unit,
        chair=chair,
        starts_on=MEETING_DAY,
        ends_on=MEETING_DAY,
        duration_days=Decimal("1.0"),
    )


def test_build_agenda_does_order_head_deputies_members_then_party_organisation_Art_12_2(
    tree, period, secretary
):
    unit = tree.cell_a
    # Given names chosen so Python's code-point order (Ánh, Đạt, Ơn after Yến) is wrong.
    yen = _member(unit, "Hoàng Thị Yến")
    dat = _member(unit, "Nguyễn Đức Đạt")
    deputy = _member(unit, "Lê Văn Vinh", MembershipRole.DEPUTY_SECRETARY)
    on = _member(unit, "Vũ Văn Ơn")
    committee = _member(unit, "Đỗ Minh Giang", MembershipRole.COMMITTEE_MEMBER)
    anh = _member(unit, "Trần Ngọc Ánh")
    binh = _member(unit, "Bùi Thị Bình")
    dung = _member(unit, "Phạm Văn Dũng")
    # A former deputy secretary, now a plain member: the ended role no longer ranks them.
    former = _member(unit, "Ngô Thị An")
    MembershipFactory(
        person=former,
        unit=unit,
        role=MembershipRole.DEPUTY_SECRETARY,
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2025, 6, 30),
    )
    enrolment.enrol_period(period=period)
    meeting = _meeting(period, unit, secretary)
    order = [item.subject for item in meeting.agenda.select_related("subject__person")]
    # QĐ 366 Art. 12(2): the party members before their party organisation.
    assert order[-1].subject_class == SubjectClass.COLLECTIVE
    assert order[-1].unit == unit
    assert [s.person for s in order[:-1]] == [
        secretary.person,
        deputy,
        committee,
        former,  # An
        anh,
        binh,
        dung,
        dat,  # Đ after D
        on,  # Ơ after O
        yen,
    ]
    assert [item.position for item in meeting.agenda.all()] == list(range(1, 12))


def test_build_agenda_does_leave_out_members_not_reviewed_R_E1(tree, period, secretary):
    unit = tree.cell_a
    exempt = _member(unit, "Nguyễn Văn Miễn", party_status=PartyStatus.EXEMPT)
    suspended = _member(unit, "Trần Văn Đình", party_status=PartyStatus.SUSPENDED)
    recent = _member(unit, "Lê Thị Mới", party_admission_date=dt.date(2026, 9, 2))
    kept = _member(unit, "Phạm Văn Đủ")
    enrolment.enrol_period(period=period)
    meeting = _meeting(period, unit, secretary)
    on_agenda = {item.subject.person for item in meeting.agenda.select_related("subject__person")}
    assert on_agenda == {None, secretary.person, kept}
    assert [item.position for item in meeting.agenda.all()] == [1, 2, 3]
    left_out = meetings.left_out_of_agenda(meeting)
    assert [entry.subject.person for entry in left_out] == [suspended, exempt, recent]
    reasons = {entry.subject.person: entry.reason for entry in left_out}
    assert "miễn công tác và sinh hoạt đảng" in reasons[exempt]
    assert "đình chỉ sinh hoạt" in reasons[suspended]
    assert reasons[recent] == (
        "Không kiểm điểm: vào Đảng ngày 02/09/2026, đến hết ngày 01/12/2026 chưa đủ 6 tháng "
        "(tính theo tháng dương lịch: đủ 6 tháng vào hết ngày 01/03/2027)."
    )
    assert not any("R-E" in reason for reason in reasons.values())


def test_build_agenda_does_put_leadership_collective_first_Art_12_2(
    tree, period, secretary, leadership
):
    member = _member(leadership, "Đặng Văn Thành")
    deputy = _member(leadership, "Phan Thị Hạnh", MembershipRole.DEPUTY_HEAD)
    head = _member(leadership, "Võ Minh Quân", MembershipRole.HEAD)
    enrolment.enrol_period(period=period)
    meeting = _meeting(period, leadership, secretary)
    order = [item.subject for item in meeting.agenda.select_related("subject__person")]
    assert order[0].subject_class == SubjectClass.COLLECTIVE
    # The head, then the deputies (the fixture's two and this one).
    assert order[1].person == head
    assert deputy in [s.person for s in order[2:]]
    assert member not in [s.person for s in order]  # a plain member is not reviewed there


@pytest.mark.parametrize(
    ("unit_kind", "leadership_place", "party_place", "band"),
    [
        (UnitKind.LEADERSHIP_COLLECTIVE, "first", "last", meetings.COLLECTIVE_FIRST),
        (UnitKind.LEADERSHIP_COLLECTIVE, "last", "first", meetings.COLLECTIVE_LAST),
        (UnitKind.PARTY_CELL, "first", "last", meetings.COLLECTIVE_LAST),
        (UnitKind.GRASSROOTS_COMMITTEE, "last", "first", meetings.COLLECTIVE_FIRST),
    ],
)
def test_agenda_band_does_follow_the_rule_set_when_placing_the_collective(
    period, unit_kind, leadership_place, party_place, band
):
    rule = replace(
        review_selectors.ruleset_for_unit(period, period.scope).meeting,
        agenda_leadership_collective=leadership_place,
        agenda_party_organisation=party_place,
    )
    assert meetings.agenda_band(
        unit_kind=unit_kind, is_collective=True, role_rank=0, rule=rule
    ) == (band)
    heads = meetings.agenda_band(unit_kind=unit_kind, is_collective=False, role_rank=0, rule=rule)
    members = meetings.agenda_band(unit_kind=unit_kind, is_collective=False, role_rank=3, rule=rule)
    assert meetings.COLLECTIVE_FIRST < heads < members < meetings.COLLECTIVE_LAST


def test_move_agenda_item_rejects_move_when_it_breaks_the_order_Art_12_2(make_meeting, tree):
    convened = make_meeting(4)
    items = list(convened.meeting.agenda.select_related("subject__person"))
    secretary_item, members, collective = items[0], items[1:3], items[-1]
    with pytest.raises(AgendaOrderBroken, match="được kiểm điểm sau các cá nhân"):
        meetings.move_agenda_item(item=collective, position=1)
    with pytest.raises(AgendaOrderBroken, match="người đứng đầu được kiểm điểm trước"):
        meetings.move_agenda_item(item=members[0], position=1)
    assert list(convened.meeting.agenda.values_list("pk", flat=True)) == [i.pk for i in items]
    # Within one band the chair is free: two members swap places.
    meetings.move_agenda_item(item=members[1], position=2)
    assert list(convened.meeting.agenda.values_list("pk", flat=True)) == [
        secretary_item.pk,
        members[1].pk,
        members[0].pk,
        *[i.pk for i in items[3:]],
    ]
    assert list(convened.meeting.agenda.values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_build_agenda_does_keep_conclusions_when_rebuilt(make_meeting):
    convened = make_meeting(3)
    item = convened.meeting.agenda.first()
    meetings.conclude_item(item=item, conclusion="Tập thể  hoàn thành\r\n tốt nhiệm vụ.")
    meetings.build_agenda(meeting=convened.meeting)
    item = convened.meeting.agenda.get(subject=item.subject)
    assert item.conclusion == "Tập thể hoàn thành\ntốt nhiệm vụ."


def test_build_agenda_rejects_change_when_meeting_closed(make_meeting):
    convened = make_meeting(2)
    meetings.close_meeting(meeting=convened.meeting)
    with pytest.raises(MeetingNotEditable):
        meetings.build_agenda(meeting=convened.meeting)
    with pytest.raises(MeetingNotEditable):
        meetings.set_attendance(meeting=convened.meeting, person=convened.people[0], present=True)


def test_create_meeting_does_convene_current_members_when_created(tree, period, secretary):
    current = _member(tree.cell_a, "Lê Thị Hà")
    gone = PersonFactory()
    MembershipFactory(person=gone, unit=tree.cell_a, end_date=dt.date(2026, 6, 30))
    _member(tree.cell_b, "Phạm Văn Hùng")
    meeting = _meeting(period, tree.cell_a, secretary)
    convened = set(meeting.attendance.values_list("person_id", flat=True))
    assert convened == {secretary.person.pk, current.pk}
    assert meeting.kind == MeetingKind.PARTY_CELL
    assert meeting.title == "Hội nghị kiểm điểm 2026 – Chi bộ thôn Đông"


# -- attendance ----------------------------------------------------------------------------------


def test_set_attendance_rejects_absence_when_no_reason(make_meeting):
    convened = make_meeting(2)
    person = convened.people[1]
    with pytest.raises(NotConvened, match="lý do vắng mặt"):
        meetings.set_attendance(
            meeting=convened.meeting, person=person, present=False, absence_reason="  "
        )
    attendance = meetings.set_attendance(
        meeting=convened.meeting, person=person, present=False, absence_reason=" Ốm  đau "
    )
    assert (attendance.present, attendance.absence_reason) == (False, "Ốm đau")
    attendance = meetings.set_attendance(meeting=convened.meeting, person=person, present=True)
    assert (attendance.present, attendance.absence_reason) == (True, "")


def test_set_attendance_rejects_when_round_open(make_meeting):
    # The ballots issued are those present when the round opened: 7 of 12 here. Letting the
    # chair mark five more present mid-round let 12 vote against a base of 7.
    convened = make_meeting(12, present=7)
    ballot_round = convened.open()
    late = convened.people[7]
    with pytest.raises(AttendanceLocked, match="đang có vòng bỏ phiếu mở"):
        meetings.set_attendance(meeting=convened.meeting, person=late, present=True)
    with pytest.raises(AttendanceLocked):
        meetings.set_attendance(
            meeting=convened.meeting, person=convened.people[0], present=False, absence_reason="Ốm"
        )
    assert convened.meeting.attendance.filter(present=True).count() == 7
    ballots.close_round(ballot_round=ballot_round)
    meetings.set_attendance(meeting=convened.meeting, person=late, present=True)
    assert convened.meeting.attendance.filter(present=True).count() == 8


def test_set_attendance_rejects_person_when_not_convened(make_meeting, outsider):
    convened = make_meeting(2)
    with pytest.raises(NotConvened, match="không có trong danh sách triệu tập"):
        meetings.set_attendance(meeting=convened.meeting, person=outsider.person, present=True)


def test_set_counting_committee_rejects_person_when_not_convened(make_meeting, outsider):
    convened = make_meeting(3)
    with pytest.raises(NotConvened):
        meetings.set_counting_committee(
            meeting=convened.meeting, people=[convened.people[1], outsider.person]
        )
    meetings.set_counting_committee(meeting=convened.meeting, people=convened.people[1:])
    meetings.set_counting_committee(meeting=convened.meeting, people=[convened.people[2]])
    committee = convened.meeting.attendance.filter(is_counting_member=True)
    assert list(committee.values_list("person_id", flat=True)) == [convened.people[2].pk]


# -- checks against the rule set -----------------------------------------------------------------


def _check(meeting, code):
    return next(c for c in meetings.meeting_checks(meeting) if c.code == code)


@pytest.mark.parametrize(("present", "ok"), [(2, True), (1, False)])
def test_meeting_checks_does_report_quorum_when_half_present(make_meeting, present, ok):
    convened = make_meeting(4, present=present)
    check = _check(convened.meeting, "quorum")
    assert check.ok is ok
    assert f"Có mặt {present}/4" in check.message
    assert "50%" in check.message


@pytest.mark.parametrize(("days", "ok"), [("1.0", True), ("0.5", False)])
def test_meeting_checks_does_compare_duration_when_central_rule_set(make_meeting, days, ok):
    convened = make_meeting(2, duration_days=Decimal(days))
    check = _check(convened.meeting, "duration")
    assert check.ok is ok
    assert "tối thiểu 1 ngày" in check.message
    assert {c.code for c in meetings.meeting_checks(convened.meeting)} == {"quorum", "duration"}


@pytest.mark.parametrize(
    ("days", "suggestions", "ok", "minimum"),
    [
        ("1.0", False, False, "1,5"),
        ("1.5", False, True, "1,5"),
        ("1.5", True, False, "2"),
        ("2.0", True, True, "2"),
    ],
)
def test_meeting_checks_does_require_longer_meeting_when_local_rule_with_suggestions(
    make_meeting, tree, org_officer, days, suggestions, ok, minimum
):
    convened = make_meeting(2, duration_days=Decimal(days))
    periods.set_local_ruleset(
        period=convened.period, unit=tree.cell_a, ruleset_code="thanhhoa-qd366"
    )
    if suggestions:
        subject = Subject.objects.get(
            period=convened.period, person=convened.people[1], unit=tree.cell_a
        )
        Suggestion.objects.create(
            subject=subject,
            issuing_unit=tree.district,
            issued_by=org_officer,
            text="Làm rõ trách nhiệm trong việc chậm triển khai nghị quyết.",
        )
    check = _check(convened.meeting, "duration")
    assert check.ok is ok
    assert f"tối thiểu {minimum} ngày" in check.message
    assert ("có gợi ý kiểm điểm" in check.message) is suggestions


def test_meeting_checks_does_flag_kind_when_rule_set_suggests_another(make_meeting):
    convened = make_meeting(2, kind=MeetingKind.FULL_STAFF_CONFERENCE)
    check = _check(convened.meeting, "kind")
    assert check.ok is False
    assert "Party cell meeting" in check.message or "chi bộ" in check.message.lower()


# -- the meeting kind the rule set suggests -----------------------------------------------------


@pytest.mark.parametrize(
    ("staff", "local", "expected"),
    [
        (75, True, MeetingKind.KEY_CADRE_CONFERENCE),
        (70, True, MeetingKind.KEY_CADRE_CONFERENCE),
        (69, True, MeetingKind.FULL_STAFF_CONFERENCE),
        (75, False, MeetingKind.FULL_STAFF_CONFERENCE),  # central rule set: local rule off
    ],
)
def test_suggested_kind_does_pick_key_cadre_conference_when_70_staff_and_local_rule(
    tree, period, staff, local, expected
):
    agency = OrgUnitFactory(
        code="T01-SYT",
        name="Sở Y tế",
        kind=UnitKind.AGENCY,
        staff_count=staff,
        parent=tree.province,
    )
    if local:
        periods.set_local_ruleset(period=period, unit=agency, ruleset_code="thanhhoa-qd366")
    assert meetings.suggested_kind(period, agency) == expected


def test_suggested_kind_does_follow_unit_kind_when_cell_or_leadership(tree, period, leadership):
    assert meetings.suggested_kind(period, tree.cell_a) == MeetingKind.PARTY_CELL
    assert meetings.suggested_kind(period, leadership) == MeetingKind.LEADERSHIP_COLLECTIVE


def test_meeting_checks_does_accept_absent_with_reason_when_counting_present(make_meeting):
    convened = make_meeting(3, present=2)
    absent = convened.meeting.attendance.get(person=convened.people[2])
    assert (absent.present, absent.absence_reason) == (False, ABSENCE_REASON)
    assert _check(convened.meeting, "quorum").ok


def test_create_meeting_does_bound_the_derived_title_when_the_unit_name_is_long(
    tree, period, secretary
):
    tree.cell_a.name = "Chi bộ " + "Đ" * 246  # 253 characters: the longest a roster allows
    tree.cell_a.save(update_fields=["name"])
    meeting = _meeting(period, tree.cell_a, secretary)
    meeting.refresh_from_db()
    assert len(meeting.title) == 255
    assert meeting.title.startswith("Hội nghị kiểm điểm 2026 – Chi bộ ĐĐ")
    assert meeting.title.endswith("…")

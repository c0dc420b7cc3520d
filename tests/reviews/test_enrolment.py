"""Enrolment of a period's subjects from the tree: one test per eligibility rule (R-E1 … R-E4)."""

from __future__ import annotations

import datetime as dt

import pytest

from orgunits.models import Absence, AbsenceKind, MembershipRole, PartyStatus, UnitKind
from reviews import rulesets
from reviews.exceptions import OverrideReasonRequired
from reviews.models import Eligibility, QuotaGroup, Report, ReportStatus, Subject, SubjectClass
from reviews.services.enrolment import enrol_period, override_eligibility
from reviews.services.periods import create_period

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory

OPENS_ON = dt.date(2025, 11, 17)
LONG_AGO = dt.date(2010, 5, 19)


@pytest.fixture
def period(tree, org_officer):
    return create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm năm 2025",
        kind="annual",
        year=2025,
        scope=tree.district,
        opens_on=OPENS_ON,
        created_by=org_officer,
    )


@pytest.fixture
def period_124(tree, org_officer):
    return create_period(
        name="Kiểm điểm năm 2024",
        kind="annual",
        year=2024,
        scope=tree.district,
        opens_on=dt.date(2024, 11, 18),
        created_by=org_officer,
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
    )


def _person_at(unit, role=MembershipRole.PARTY_MEMBER, **person):
    person.setdefault(
        "party_admission_date", LONG_AGO if person.get("is_party_member", True) else None
    )
    return MembershipFactory(unit=unit, role=role, person=PersonFactory(**person)).person


def _subject(period, person, unit=None) -> Subject:
    subjects = Subject.objects.filter(period=period, person=person)
    if unit is not None:
        subjects = subjects.filter(unit=unit)
    return subjects.get()


def _absence(person, kind, start, end):
    Absence.objects.create(person=person, kind=kind, start_date=start, end_date=end)


def _leadership_collective(tree, code="T01-H01-LD", deputies=2):
    """A leadership collective; its deputies (not party members) make it big enough to hold
    its own review (HD 43 §7.4) once the test adds its head."""
    board = OrgUnitFactory(
        code=code,
        name="Tập thể lãnh đạo UBND xã Yên Lạc",
        kind=UnitKind.LEADERSHIP_COLLECTIVE,
        parent=tree.district,
    )
    for _ in range(deputies):
        _person_at(board, role=MembershipRole.DEPUTY_HEAD, is_party_member=False)
    return board


# -- R-E1 not reviewed ---------------------------------------------------------------------------


def test_enrol_period_does_mark_exempt_member_not_reviewed_R_E1(tree, period):
    person = _person_at(tree.cell_a, party_status=PartyStatus.EXEMPT)
    enrol_period(period=period)
    subject = _subject(period, person)
    assert subject.eligibility == Eligibility.NOT_REVIEWED
    assert subject.eligibility_reason.startswith("Không kiểm điểm: đảng viên được miễn công tác")


def test_enrol_period_does_mark_suspended_member_not_reviewed_R_E1(tree, period):
    person = _person_at(tree.cell_b, party_status=PartyStatus.SUSPENDED)
    enrol_period(period=period)
    assert _subject(period, person).eligibility == Eligibility.NOT_REVIEWED


def test_enrol_period_does_mark_member_admitted_under_6_months_not_reviewed_R_E1(tree, period):
    recent = _person_at(tree.cell_a, party_admission_date=OPENS_ON - dt.timedelta(days=120))
    settled = _person_at(tree.cell_a, party_admission_date=OPENS_ON - dt.timedelta(days=200))
    enrol_period(period=period)
    assert _subject(period, recent).eligibility == Eligibility.NOT_REVIEWED
    assert _subject(period, settled).eligibility == Eligibility.ELIGIBLE


# -- R-E2 not rated ------------------------------------------------------------------------------


def test_enrol_period_does_mark_new_collective_not_rated_R_E2(tree, period):
    new_cell = OrgUnitFactory(code="T01-H01-C", name="Chi bộ thôn Mới", parent=tree.district)
    new_cell.established_on = OPENS_ON - dt.timedelta(days=90)
    new_cell.save(update_fields=["established_on"])
    tree.cell_a.established_on = OPENS_ON - dt.timedelta(days=400)
    tree.cell_a.save(update_fields=["established_on"])
    enrol_period(period=period)
    new = Subject.objects.get(period=period, unit=new_cell, person=None)
    assert new.subject_class == SubjectClass.COLLECTIVE
    assert new.eligibility == Eligibility.NOT_RATED
    assert new.eligibility_reason.startswith(
        f"Không xếp loại: tập thể thành lập ngày {new_cell.established_on:%d/%m/%Y}"
    )
    old = Subject.objects.get(period=period, unit=tree.cell_a, person=None)
    assert old.eligibility == Eligibility.ELIGIBLE


# -- R-E3 absences -------------------------------------------------------------------------------


def test_enrol_does_rate_on_time_worked_without_cap_when_sick_leave_over_3_months_qd366(
    tree, period
):
    sick = _person_at(tree.cell_a)
    _absence(sick, AbsenceKind.SICK_LEAVE, dt.date(2025, 3, 1), dt.date(2025, 6, 10))
    short = _person_at(tree.cell_a)
    _absence(short, AbsenceKind.SICK_LEAVE, dt.date(2025, 3, 1), dt.date(2025, 4, 15))
    enrol_period(period=period)
    subject = _subject(period, sick)
    assert subject.eligibility == Eligibility.ELIGIBLE
    assert subject.rated_on_time_worked
    assert subject.eligibility_reason == (
        "Nghỉ ốm 3 tháng 10 ngày trong năm (từ 3 tháng trở lên): đánh giá trên kết quả làm "
        "việc thực tế."
    )
    assert _subject(period, short).eligibility == Eligibility.ELIGIBLE
    assert not _subject(period, short).rated_on_time_worked


def test_enrol_does_cap_at_ht_when_sick_leave_over_3_months_qd124(tree, period_124):
    sick = _person_at(tree.cell_a)
    _absence(sick, AbsenceKind.SICK_LEAVE, dt.date(2024, 3, 1), dt.date(2024, 6, 10))
    enrol_period(period=period_124)
    subject = _subject(period_124, sick)
    assert subject.eligibility == Eligibility.CAPPED
    assert not subject.rated_on_time_worked
    assert subject.eligibility_reason == (
        "Nghỉ ốm 3 tháng 10 ngày trong năm (từ 3 tháng trở lên): không xếp loại cao hơn "
        "“Hoàn thành nhiệm vụ”."
    )


@pytest.mark.parametrize(
    ("last_day", "expected"),
    [
        # 01/03 … 31/05 is 3 calendar months; a day fewer is not.
        (dt.date(2024, 5, 30), Eligibility.ELIGIBLE),
        (dt.date(2024, 5, 31), Eligibility.CAPPED),
    ],
)
def test_enrol_does_count_sick_leave_in_calendar_months_at_boundary_qd124(
    tree, period_124, last_day, expected
):
    sick = _person_at(tree.cell_a)
    _absence(sick, AbsenceKind.SICK_LEAVE, dt.date(2024, 3, 1), last_day)
    enrol_period(period=period_124)
    assert _subject(period_124, sick).eligibility == expected


def test_enrol_does_add_separate_sick_leaves_as_one_span_from_the_first(tree, period_124):
    sick = _person_at(tree.cell_a)
    # 31 days of January + 29 of February 2024 (leap) + 31 of October = 91 days, counted
    # from 01/01: 01/01 … 31/03, exactly 3 months.
    _absence(sick, AbsenceKind.SICK_LEAVE, dt.date(2024, 1, 1), dt.date(2024, 2, 29))
    _absence(sick, AbsenceKind.SICK_LEAVE, dt.date(2024, 10, 1), dt.date(2024, 10, 31))
    # An overlapping certificate counts its days once.
    _absence(sick, AbsenceKind.SICK_LEAVE, dt.date(2024, 10, 20), dt.date(2024, 10, 25))
    enrol_period(period=period_124)
    subject = _subject(period_124, sick)
    assert subject.eligibility == Eligibility.CAPPED
    assert "Nghỉ ốm 3 tháng trong năm" in subject.eligibility_reason


def test_enrol_period_does_mark_state_side_worked_under_6_months_not_rated_R_E3(tree, period):
    board = _leadership_collective(tree)
    person = _person_at(board, role=MembershipRole.HEAD, is_party_member=False)
    _absence(person, AbsenceKind.OTHER, dt.date(2025, 1, 1), dt.date(2025, 7, 31))
    enrol_period(period=period)
    subject = _subject(period, person, board)
    assert subject.subject_class == SubjectClass.LEADER
    assert subject.eligibility == Eligibility.NOT_RATED
    assert subject.eligibility_reason == (
        "Không xếp loại: thời gian công tác trong năm 5 tháng, dưới 6 tháng: vẫn viết kiểm "
        "điểm, không xếp loại."
    )


def test_enrol_period_does_mark_maternity_rated_on_time_worked_R_E3(tree, period):
    person = _person_at(tree.cell_b)
    _absence(person, AbsenceKind.MATERNITY, dt.date(2025, 2, 1), dt.date(2025, 7, 31))
    enrol_period(period=period)
    subject = _subject(period, person)
    # Six months of maternity leave neither caps nor suspends the rating.
    assert subject.eligibility == Eligibility.ELIGIBLE
    assert subject.rated_on_time_worked
    assert subject.eligibility_reason == (
        "Nghỉ thai sản 6 tháng trong năm: đánh giá trên kết quả làm việc thực tế."
    )


# -- R-E4 several review sites -------------------------------------------------------------------


def test_enrol_period_does_mark_leader_reviewed_at_two_sites_R_E4(tree, period):
    board = _leadership_collective(tree)
    leader = _person_at(tree.cell_a)
    MembershipFactory(person=leader, unit=board, role=MembershipRole.HEAD)
    enrol_period(period=period)
    sites = dict(
        Subject.objects.filter(period=period, person=leader).values_list("unit_id", "subject_class")
    )
    assert sites == {tree.cell_a.pk: SubjectClass.NON_LEADER, board.pk: SubjectClass.LEADER}
    # The leadership collective is itself a collective subject.
    assert Subject.objects.filter(period=period, unit=board, person=None).exists()


def test_enrol_does_review_small_leadership_collective_within_the_cell_qd366(tree, period):
    board = _leadership_collective(tree, deputies=0)
    head, deputy = _person_at(tree.cell_a), _person_at(tree.cell_b)
    MembershipFactory(person=head, unit=board, role=MembershipRole.HEAD)
    MembershipFactory(person=deputy, unit=board, role=MembershipRole.DEPUTY_HEAD)
    result = enrol_period(period=period)
    # No separate review site for its two members: each reviews as a leader at their cell.
    assert not Subject.objects.filter(period=period, unit=board, person__isnull=False).exists()
    assert _subject(period, head).unit == tree.cell_a
    assert _subject(period, head).subject_class == SubjectClass.LEADER
    assert _subject(period, deputy).subject_class == SubjectClass.LEADER
    assert "Tập thể lãnh đạo UBND xã Yên Lạc" in _subject(period, head).eligibility_reason
    collective = Subject.objects.get(period=period, unit=board, person=None)
    assert "kiểm điểm trong chi bộ, cấp ủy" in collective.eligibility_reason
    assert result.notes == [
        "Tập thể lãnh đạo UBND xã Yên Lạc có 2 thành viên (dưới 3): kiểm điểm trong chi bộ, "
        "cấp ủy nơi sinh hoạt, không lập điểm kiểm điểm riêng."
    ]


def test_enrol_does_keep_small_leadership_collective_as_review_site_qd124(tree, period_124):
    board = _leadership_collective(tree, deputies=0)
    head = _person_at(tree.cell_a)
    MembershipFactory(person=head, unit=board, role=MembershipRole.HEAD)
    result = enrol_period(period=period_124)
    sites = set(Subject.objects.filter(period=period_124, person=head).values_list("unit_id"))
    assert sites == {(tree.cell_a.pk,), (board.pk,)}
    assert result.notes == []


def test_enrol_does_keep_small_leadership_collective_when_a_member_has_no_party_cell(tree, period):
    board = _leadership_collective(tree, deputies=1)
    head = _person_at(tree.cell_a)
    MembershipFactory(person=head, unit=board, role=MembershipRole.HEAD)
    result = enrol_period(period=period)
    assert Subject.objects.filter(period=period, person=head, unit=board).exists()
    assert "vẫn kiểm điểm riêng tại tập thể lãnh đạo" in result.notes[0]


def test_enrol_does_rate_temporary_attendee_at_official_cell_only(tree, period):
    person = _person_at(tree.cell_a)
    MembershipFactory(
        person=person, unit=tree.cell_b, role=MembershipRole.PARTY_MEMBER, is_temporary=True
    )
    result = enrol_period(period=period)
    assert _subject(period, person).unit == tree.cell_a
    assert result.notes == [
        f"{person.full_name} sinh hoạt tạm thời tại Chi bộ thôn Tây: kiểm điểm, đánh giá, xếp "
        "loại tại chi bộ nơi sinh hoạt chính thức."
    ]


# -- idempotence, overrides, reports and quota groups ---------------------------------------------


def test_enrol_period_does_create_nothing_new_when_run_again(tree, period, member, secretary):
    _person_at(tree.cell_b)
    first = enrol_period(period=period)
    subjects, reports = Subject.objects.count(), Report.objects.count()
    second = enrol_period(period=period)
    assert first.created > 0
    assert second.created == 0
    assert second.updated == 0
    assert second.unchanged == first.created
    assert (Subject.objects.count(), Report.objects.count()) == (subjects, reports)


def test_enrol_period_does_keep_officer_override_when_run_again(tree, period, org_officer):
    person = _person_at(tree.cell_a, party_status=PartyStatus.SUSPENDED)
    enrol_period(period=period)
    subject = _subject(period, person)
    override_eligibility(
        subject=subject,
        eligibility=Eligibility.ELIGIBLE,
        reason="Quyết định khôi phục sinh hoạt đảng ngày 01/11/2025.",
        user=org_officer,
    )
    result = enrol_period(period=period)
    subject.refresh_from_db()
    assert result.created == 0
    assert subject.eligibility == Eligibility.ELIGIBLE
    assert subject.eligibility_overridden
    assert subject.overridden_by == org_officer


def test_override_eligibility_rejects_empty_reason(tree, period, org_officer):
    person = _person_at(tree.cell_a)
    enrol_period(period=period)
    subject = _subject(period, person)
    with pytest.raises(OverrideReasonRequired):
        override_eligibility(
            subject=subject, eligibility=Eligibility.NOT_RATED, reason="   ", user=org_officer
        )
    subject.refresh_from_db()
    assert subject.eligibility == Eligibility.ELIGIBLE
    assert not subject.eligibility_overridden


def test_enrol_period_does_create_reports_with_form_of_subject_class(tree, period):
    board = _leadership_collective(tree)
    leader = _person_at(tree.cell_a)
    MembershipFactory(person=leader, unit=board, role=MembershipRole.HEAD)
    _person_at(tree.cell_b, works_in_political_system=False)
    enrol_period(period=period)
    ruleset = rulesets.get_ruleset(period.ruleset_code)
    reports = list(Report.objects.filter(subject__period=period).select_related("subject"))
    assert len(reports) == Subject.objects.filter(period=period).count()
    assert {r.subject.subject_class for r in reports} >= {
        SubjectClass.COLLECTIVE,
        SubjectClass.LEADER,
        SubjectClass.NON_LEADER,
        SubjectClass.OUTSIDE,
    }
    for report in reports:
        assert report.status == ReportStatus.NOT_STARTED
        assert report.form_code == ruleset.form_for_class(report.subject.subject_class).code
    # QĐ 366 / HD 43: Mẫu 01 collectives, 2A leaders, 2B non-leaders, 2C outside.
    by_class = {r.subject.subject_class: r.form_code for r in reports}
    assert by_class == {
        SubjectClass.COLLECTIVE: "01",
        SubjectClass.LEADER: "2A",
        SubjectClass.NON_LEADER: "2B",
        SubjectClass.OUTSIDE: "2C",
    }


def test_enrol_period_does_group_quota_per_grassroots_organisation_and_class_R_Q2(
    tree, org_officer, authority
):
    other = OrgUnitFactory(
        code="T01-CB",
        name="Chi bộ cơ sở Trường THPT",
        kind=UnitKind.GRASSROOTS_CELL,
        parent=tree.province,
    )
    a, b, c = _person_at(tree.cell_a), _person_at(tree.cell_b), _person_at(other)
    period = create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm toàn tỉnh 2025",
        kind="annual",
        year=2025,
        scope=tree.province,
        opens_on=OPENS_ON,
        created_by=authority,
    )
    enrol_period(period=period)
    groups = {(g.unit_id, g.subject_class) for g in QuotaGroup.objects.filter(period=period)}
    assert groups == {
        (tree.district.pk, SubjectClass.NON_LEADER),
        (tree.district.pk, SubjectClass.COLLECTIVE),
        (other.pk, SubjectClass.NON_LEADER),
        (other.pk, SubjectClass.COLLECTIVE),
        # The provincial committee has no grassroots organisation above it: its own group.
        (tree.province.pk, SubjectClass.COLLECTIVE),
    }
    sa, sb, sc = (_subject(period, p) for p in (a, b, c))
    # Members of two chi bộ of one grassroots committee share a group; another does not.
    assert sa.quota_group_id == sb.quota_group_id != sc.quota_group_id
    cells = Subject.objects.filter(period=period, unit__in=[tree.cell_a, tree.cell_b], person=None)
    assert {s.quota_group.unit_id for s in cells} == {tree.district.pk}

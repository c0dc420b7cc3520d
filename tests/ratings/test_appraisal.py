"""Appraisal, the quota at decision time and re-opening: R-K1 … R-K3, R-L1/R-L2/R-L4, R-Q1/R-Q2,
R-Q4 … R-Q6, and an audit row with a reason for every change.

Each test builds its data explicitly: self-proposed levels and points on the reports, ratings
through `appraisal.appraise`, discipline through `appraisal.record_discipline`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orgunits.models import Membership, MembershipRole, OrgUnit, Person, UnitKind
from ratings.exceptions import (
    ChangeReasonRequired,
    LevelAboveCap,
    LinkageViolated,
    QuotaExceeded,
    UnknownLevel,
)
from ratings.models import (
    Decision,
    DisciplineForm,
    DisciplineRecord,
    QuotaException,
    Rating,
    RatingStatus,
    StateRating,
)
from ratings.quota import BASIS_LABELS
from ratings.services import appraisal
from reviews.models import Eligibility, QuotaGroup, Report, ReviewPeriod, Subject, SubjectClass
from reviews.services import enrolment, periods

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory

HTXS, HTT, HT, KHT = "HTXS", "HTT", "HT", "KHT"
# R-K1 … R-K3 as written (violation year, re-opening, self-detected exemption) stay the rules of
# QĐ 124; QĐ 366 counts discipline when decided (see test_level_conditions.py).
RK = "qd124-hd25"
POINTS = {HTXS: Decimal("95"), HTT: Decimal("80"), HT: Decimal("60"), KHT: Decimal("40")}
ADMITTED = dt.date(2010, 1, 1)


# -- Building the data ------------------------------------------------------------------------


def make_period(tree, user, year: int, code: str = "qd366-hd43") -> ReviewPeriod:
    return periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name=f"Kiểm điểm năm {year}",
        kind="annual",
        year=year,
        scope=tree.province,
        opens_on=dt.date(year, 12, 1),
        ruleset_code=code,
        created_by=user,
    )


def enrol(period: ReviewPeriod) -> None:
    """Enrol the period; every party member here was admitted long before it (R-E1 aside)."""
    Person.objects.filter(is_party_member=True).update(party_admission_date=ADMITTED)
    enrolment.enrol_period(period=period)


def add_members(unit: OrgUnit, n: int, **person) -> list[Person]:
    people = [PersonFactory(party_admission_date=ADMITTED, **person) for _ in range(n)]
    for p in people:
        MembershipFactory(person=p, unit=unit)
    return people


def subject(period: ReviewPeriod, unit: OrgUnit, person: Person | None = None) -> Subject:
    return Subject.objects.get(period=period, unit=unit, person=person)


def propose(period, unit, person=None, level=HTT, points=None) -> None:
    """The subject's self-proposed level and self-scored points."""
    Report.objects.filter(subject=subject(period, unit, person)).update(
        self_level=level, total_points=POINTS[level] if points is None else Decimal(points)
    )


def propose_all(period: ReviewPeriod, level: str) -> None:
    Report.objects.filter(subject__period=period).update(
        self_level=level, total_points=POINTS[level]
    )


def rating(period, unit, person=None) -> Rating:
    return Rating.objects.select_related("subject").get(
        subject__period=period, subject__unit=unit, subject__person=person
    )


def failed(r: Rating, code: str) -> list[str]:
    return [c["message"] for c in r.checks if c["code"] == code and not c["ok"]]


def discipline(user, *, violated: dt.date, decided: dt.date, at: OrgUnit, **kwargs):
    return appraisal.record_discipline(
        user=user,
        unit_at_time=at,
        violation_date=violated,
        decision_date=decided,
        form=kwargs.pop("form", DisciplineForm.REPRIMAND),
        **kwargs,
    )


def non_leader_group(period: ReviewPeriod, unit: OrgUnit) -> QuotaGroup:
    return QuotaGroup.objects.get(period=period, unit=unit, subject_class=SubjectClass.NON_LEADER)


def decided_counts(group: QuotaGroup) -> tuple[int, int]:
    decided = Rating.objects.filter(subject__quota_group=group, status=RatingStatus.DECIDED)
    return decided.filter(level=HTXS).count(), decided.filter(level=HTT).count()


def audit(model, pk: int) -> list[tuple[str, str, str | None]]:
    """(label, status or "", reason) of every history event of one row, oldest first."""
    events = (
        model.pgh_event_model.objects.filter(pgh_obj_id=pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    return [
        (
            e.pgh_label,
            getattr(e, "status", ""),
            (e.pgh_context.metadata if e.pgh_context else {}).get("reason"),
        )
        for e in events
    ]


@pytest.fixture
def cell_group(period, tree):
    """Seven party members of chi bộ A proposing 2 HTXS (95 and 92 points) and 5 HTT; every
    collective proposes HT. Returns (period, people, their quota group)."""

    def build(htxs_points=("95", "92"), htt: int = 5):
        people = add_members(tree.cell_a, len(htxs_points) + htt)
        enrol(period)
        propose_all(period, HT)
        for person, points in zip(people, htxs_points, strict=False):
            propose(period, tree.cell_a, person, HTXS, points)
        for person in people[len(htxs_points) :]:
            propose(period, tree.cell_a, person, HTT)
        return people, non_leader_group(period, tree.district)

    return build


# -- R-K1: discipline in the year ---------------------------------------------------------------


def test_appraise_does_rate_kht_when_individual_disciplined_in_year_R_K1(tree, member, org_officer):
    period = make_period(tree, org_officer, 2026, code=RK)
    enrol(period)
    propose_all(period, HTT)
    discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2026, 3, 2),
        decided=dt.date(2026, 6, 1),
    )

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    r = rating(period, tree.cell_a, member.person)
    assert (r.proposed_level, r.level) == (KHT, KHT)
    assert failed(r, "R-K1")


def test_appraise_does_not_rate_kht_when_self_detected_and_remedied_R_K1(tree, member, org_officer):
    period = make_period(tree, org_officer, 2026, code=RK)
    enrol(period)
    propose_all(period, HTT)
    _record, reopened = discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2026, 3, 2),
        decided=dt.date(2026, 6, 1),
        self_detected_remedied=True,
    )

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    r = rating(period, tree.cell_a, member.person)
    assert r.level == HTT
    assert not failed(r, "R-K1")
    assert reopened == []


def test_appraise_does_rate_kht_when_collective_disciplined_R_K1(period, tree, org_officer):
    add_members(tree.cell_a, 2)
    enrol(period)
    propose_all(period, HTT)
    discipline(
        org_officer,
        unit=tree.cell_a,
        at=tree.cell_a,
        violated=dt.date(2026, 2, 10),
        decided=dt.date(2026, 5, 4),
        form=DisciplineForm.WARNING,
    )

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    assert rating(period, tree.cell_a).level == KHT
    assert failed(rating(period, tree.cell_a), "R-K1")
    assert rating(period, tree.cell_b).level == HTT


@pytest.mark.parametrize(("disciplined", "expected"), [(1, HTT), (2, KHT)])
def test_appraise_does_rate_kht_when_over_20pct_subunits_disciplined_R_K1(
    period, tree, org_officer, disciplined, expected
):
    """Five chi bộ under the grassroots committee: 1 disciplined is exactly 20% (not KHT)."""
    cells = [tree.cell_a, tree.cell_b] + [OrgUnitFactory(parent=tree.district) for _ in range(3)]
    enrol(period)
    propose_all(period, HTT)
    for cell in cells[:disciplined]:
        discipline(
            org_officer,
            unit=cell,
            at=cell,
            violated=dt.date(2026, 4, 1),
            decided=dt.date(2026, 7, 1),
        )

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    district = rating(period, tree.district)
    assert district.level == expected
    assert bool(failed(district, "R-K1")) == (expected == KHT)


# -- The rule set's HTXS condition for collectives (QĐ 366: no disciplined sub-unit or
# leadership member) ------------------------------------------------------------------------


def _propose_htxs(period, unit) -> None:
    propose_all(period, HTT)
    propose(period, unit, None, HTXS)


@pytest.mark.parametrize(
    ("code", "expected"),
    # QĐ 366 sets the condition; QĐ 124's rule set does not, so HTXS stays possible there.
    [("qd366-hd43", HTT), ("qd124-hd25", HTXS)],
)
def test_appraise_does_keep_a_collective_at_htt_when_a_subunit_is_disciplined_htxs_condition(
    tree, org_officer, code, expected
):
    """One chi bộ of five disciplined: not KHT (20% is not over 20%), but not HTXS either."""
    period = make_period(tree, org_officer, 2026, code=code)
    for _ in range(3):
        OrgUnitFactory(parent=tree.district)
    enrol(period)
    _propose_htxs(period, tree.district)
    discipline(
        org_officer,
        unit=tree.cell_b,
        at=tree.cell_b,
        violated=dt.date(2026, 4, 1),
        decided=dt.date(2026, 7, 1),
    )

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    district = rating(period, tree.district)
    assert (district.proposed_level, district.level) == (expected, expected)
    blocked = f"Tập thể chưa đủ điều kiện HTXS (tổ chức trực thuộc bị kỷ luật: {tree.cell_b.name})."
    assert failed(district, "collective_htxs") == ([blocked] if expected == HTT else [])


def test_appraise_does_keep_a_collective_at_htt_when_a_leader_is_disciplined_htxs_condition(
    period, tree, org_officer
):
    secretary = PersonFactory(party_admission_date=ADMITTED, full_name="Nguyễn Văn Bí Thư")
    MembershipFactory(person=secretary, unit=tree.cell_a, role=MembershipRole.SECRETARY)
    plain = PersonFactory(party_admission_date=ADMITTED, full_name="Trần Thị Đảng Viên")
    MembershipFactory(person=plain, unit=tree.cell_b)
    enrol(period)
    propose_all(period, HTT)
    propose(period, tree.cell_a, None, HTXS)
    propose(period, tree.cell_b, None, HTXS)
    # Not related to their duties: no KHT trigger under QĐ 366, but still no HTXS.
    for person, unit in ((secretary, tree.cell_a), (plain, tree.cell_b)):
        discipline(
            org_officer,
            person=person,
            at=unit,
            violated=dt.date(2026, 3, 2),
            decided=dt.date(2026, 6, 1),
            duty_related=False,
        )

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    cell_a = rating(period, tree.cell_a)
    assert cell_a.level == HTT
    assert failed(cell_a, "collective_htxs") == [
        "Tập thể chưa đủ điều kiện HTXS (thành viên lãnh đạo bị kỷ luật: Nguyễn Văn Bí Thư)."
    ]
    # A disciplined member who holds no leadership post does not block the chi bộ's HTXS.
    cell_b = rating(period, tree.cell_b)
    assert (cell_b.level, failed(cell_b, "collective_htxs")) == (HTXS, [])


@pytest.mark.parametrize(("self_detected", "expected"), [(False, KHT), (True, HTT)])
def test_appraise_does_rate_kht_when_subunit_has_corruption_case_R_K1(
    tree, org_officer, self_detected, expected
):
    """One chi bộ of five (20%, not over) with a corruption case is enough, unless it found and
    remedied the case itself."""
    period = make_period(tree, org_officer, 2026, code=RK)
    for _ in range(3):
        OrgUnitFactory(parent=tree.district)
    enrol(period)
    propose_all(period, HTT)
    discipline(
        org_officer,
        unit=tree.cell_b,
        at=tree.cell_b,
        violated=dt.date(2026, 4, 1),
        decided=dt.date(2026, 7, 1),
        is_corruption=True,
        self_detected_remedied=self_detected,
    )

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    assert rating(period, tree.district).level == expected


# -- R-K2, R-K3: one violation counts once, against its year and its unit ----------------------


def test_appraise_does_count_violation_only_in_its_year_R_K2(
    tree, member, secretary, org_officer, authority
):
    """A 2025 violation disciplined in 2026 re-opens 2025 and leaves 2026 alone."""
    p2025 = make_period(tree, org_officer, 2025, code=RK)
    enrol(p2025)
    propose_all(p2025, HTT)
    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)
    appraisal.decide(
        period=p2025, unit=tree.district, user=authority, decided_on=dt.date(2026, 1, 15)
    )
    p2026 = make_period(tree, org_officer, 2026, code=RK)
    enrol(p2026)
    propose_all(p2026, HTT)

    discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2025, 10, 1),
        decided=dt.date(2026, 2, 1),
    )
    appraisal.appraise(period=p2026, unit=tree.district, user=org_officer)
    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)

    now = rating(p2026, tree.cell_a, member.person)
    assert now.level == HTT
    assert not failed(now, "R-K1")
    then = rating(p2025, tree.cell_a, member.person)
    assert then.level == KHT
    assert failed(then, "R-K1")


def test_record_discipline_does_reopen_decided_rating_of_violation_year_R_K3(
    tree, member, secretary, org_officer, authority
):
    p2025 = make_period(tree, org_officer, 2025, code=RK)
    enrol(p2025)
    propose_all(p2025, HTT)
    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)
    appraisal.decide(
        period=p2025,
        unit=tree.district,
        user=authority,
        decided_on=dt.date(2026, 1, 15),
        number="12-QĐ/ĐU",
    )

    _record, reopened = discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2025, 11, 10),
        decided=dt.date(2026, 3, 5),
    )

    r = rating(p2025, tree.cell_a, member.person)
    assert reopened == [r]
    assert r.status == RatingStatus.REOPENED
    assert "05/03/2026" in r.reopened_reason
    assert "10/11/2025" in r.reopened_reason
    assert rating(p2025, tree.cell_a, secretary.person).status == RatingStatus.DECIDED
    # The re-opening is in the audit trail, with its reason.
    assert audit(Rating, r.pk)[-1] == ("update", RatingStatus.REOPENED, r.reopened_reason)

    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)

    r.refresh_from_db()
    assert (r.status, r.level) == (RatingStatus.APPRAISED, KHT)
    assert failed(r, "R-K1")


def test_record_discipline_does_reopen_parent_when_subunit_corruption_found_later_R_K3(
    tree, org_officer, authority
):
    """A chi bộ disciplined in 2026 for corruption in 2025 re-opens its own 2025 rating and its
    grassroots committee's (R-K1: a sub-unit with a corruption case)."""
    p2025 = make_period(tree, org_officer, 2025, code=RK)
    add_members(tree.cell_a, 2)
    enrol(p2025)
    propose_all(p2025, HTT)
    appraisal.appraise(period=p2025, unit=tree.province, user=org_officer)
    appraisal.decide(
        period=p2025, unit=tree.province, user=authority, decided_on=dt.date(2026, 1, 15)
    )

    _record, reopened = discipline(
        org_officer,
        unit=tree.cell_b,
        at=tree.cell_b,
        violated=dt.date(2025, 8, 1),
        decided=dt.date(2026, 5, 1),
        is_corruption=True,
    )

    assert {r.subject.unit for r in reopened} == {tree.cell_b, tree.district}
    assert rating(p2025, tree.province).status == RatingStatus.DECIDED
    appraisal.appraise(period=p2025, unit=tree.province, user=org_officer)
    assert rating(p2025, tree.district).level == KHT
    assert rating(p2025, tree.cell_b).level == KHT
    assert rating(p2025, tree.cell_a).level == HTT


def test_publish_does_leave_reopened_rating_open_R_K3(tree, member, org_officer, authority):
    p2025 = make_period(tree, org_officer, 2025, code=RK)
    enrol(p2025)
    propose_all(p2025, HTT)
    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)
    decision = appraisal.decide(
        period=p2025, unit=tree.district, user=authority, decided_on=dt.date(2026, 1, 15)
    )
    discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2025, 11, 10),
        decided=dt.date(2026, 1, 20),
    )

    appraisal.publish(decision=decision, user=authority)

    assert rating(p2025, tree.cell_a, member.person).status == RatingStatus.REOPENED
    assert rating(p2025, tree.cell_a).status == RatingStatus.PUBLISHED


def test_appraise_does_drop_earlier_officer_change_when_rating_reopened_R_K3(
    tree, member, secretary, org_officer, authority
):
    """The officer's change made before the discipline was known does not survive it."""
    p2025 = make_period(tree, org_officer, 2025, code=RK)
    enrol(p2025)
    propose_all(p2025, HTT)
    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)
    appraisal.change_level(
        rating=rating(p2025, tree.cell_a, member.person),
        level=HT,
        reason="Chưa hoàn thành chỉ tiêu phát triển đảng viên",
        user=org_officer,
    )
    appraisal.decide(
        period=p2025, unit=tree.district, user=authority, decided_on=dt.date(2026, 1, 15)
    )
    discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2025, 11, 10),
        decided=dt.date(2026, 3, 5),
    )

    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)

    r = rating(p2025, tree.cell_a, member.person)
    assert (r.status, r.level, r.change_reason) == (RatingStatus.APPRAISED, KHT, "")


def test_record_discipline_does_count_violation_against_old_unit_R_K3(
    tree, member, org_officer, authority
):
    """Disciplined in 2026 for a 2025 violation at chi bộ A, after moving to chi bộ B: the 2025
    rating at A re-opens, the 2026 rating at B does not move."""
    p2025 = make_period(tree, org_officer, 2025, code=RK)
    enrol(p2025)
    propose_all(p2025, HTT)
    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)
    appraisal.decide(
        period=p2025, unit=tree.district, user=authority, decided_on=dt.date(2026, 1, 15)
    )
    Membership.objects.filter(person=member.person, unit=tree.cell_a).update(
        end_date=dt.date(2026, 1, 31)
    )
    MembershipFactory(person=member.person, unit=tree.cell_b, start_date=dt.date(2026, 2, 1))
    p2026 = make_period(tree, org_officer, 2026, code=RK)
    enrol(p2026)
    propose_all(p2026, HTT)
    appraisal.appraise(period=p2026, unit=tree.district, user=org_officer)

    record, reopened = discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2025, 9, 1),
        decided=dt.date(2026, 4, 1),
    )
    appraisal.appraise(period=p2026, unit=tree.district, user=org_officer)

    assert record.unit_at_time == tree.cell_a
    assert [(r.subject.period, r.subject.unit) for r in reopened] == [(p2025, tree.cell_a)]
    assert rating(p2026, tree.cell_b, member.person).level == HTT
    assert rating(p2026, tree.cell_a).level == HTT
    assert rating(p2026, tree.cell_b).level == HTT


def test_appraise_does_count_collective_discipline_against_record_unit_R_K3(
    period, tree, member, org_officer
):
    """For a collective, the record's unit is what counts: the person's record (no unit) makes
    no chi bộ KHT; the chi bộ's own record makes only that chi bộ KHT."""
    enrol(period)
    propose_all(period, HTT)
    discipline(
        org_officer,
        person=member.person,
        at=tree.cell_b,
        violated=dt.date(2026, 3, 1),
        decided=dt.date(2026, 5, 1),
    )
    discipline(
        org_officer,
        unit=tree.cell_a,
        at=tree.cell_a,
        violated=dt.date(2026, 3, 1),
        decided=dt.date(2026, 5, 1),
    )

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    assert rating(period, tree.cell_a).level == KHT
    assert rating(period, tree.cell_b).level == HTT
    assert DisciplineRecord.objects.filter(unit=tree.cell_b).count() == 0


# -- R-L1, R-L2, R-L4: linkage --------------------------------------------------------------


def test_appraise_does_cap_head_at_collective_level_R_L1(
    enrolled, tree, leadership, member, org_officer
):
    """The member heads the leadership collective: it at HT caps both their ratings at HT."""
    propose_all(enrolled, HTT)
    propose(enrolled, leadership, None, HT)

    appraisal.appraise(period=enrolled, unit=tree.district, user=org_officer)

    for site in (tree.cell_a, leadership):
        r = rating(enrolled, site, member.person)
        assert (r.proposed_level, r.level) == (HT, HT)
        assert failed(r, "R-L1")


def test_appraise_does_not_cap_former_head_at_collective_level_R_L1(
    enrolled, tree, leadership, member, org_officer
):
    """Someone who stopped heading the collective before the review is not capped by it."""
    Membership.objects.filter(
        person=member.person, unit=leadership, role=MembershipRole.HEAD
    ).update(end_date=dt.date(2026, 6, 30))
    propose_all(enrolled, HTT)
    propose(enrolled, leadership, None, HT)

    appraisal.appraise(period=enrolled, unit=tree.district, user=org_officer)

    r = rating(enrolled, tree.cell_a, member.person)
    assert r.level == HTT
    assert not failed(r, "R-L1")


def test_decide_rejects_head_above_collective_when_officer_raised_R_L1(
    enrolled, tree, leadership, member, org_officer, authority
):
    propose_all(enrolled, HTT)
    propose(enrolled, leadership, None, HT)
    appraisal.appraise(period=enrolled, unit=tree.district, user=org_officer)
    appraisal.change_level(
        rating=rating(enrolled, leadership, member.person),
        level=HTT,
        reason="Đơn vị vượt chỉ tiêu thu ngân sách",
        user=org_officer,
    )

    with pytest.raises(LinkageViolated, match=r"cao hơn mức của tập thể .* do mình đứng đầu"):
        appraisal.decide(
            period=enrolled, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
        )
    assert not Decision.objects.exists()


def test_appraise_does_cap_leadership_collective_at_organisation_R_L2(
    enrolled, tree, leadership, member, org_officer
):
    propose_all(enrolled, HTT)
    propose(enrolled, tree.district, None, HT)

    appraisal.appraise(period=enrolled, unit=tree.district, user=org_officer)

    collective = rating(enrolled, leadership)
    assert collective.level == HT
    assert failed(collective, "R-L2")
    # … and the head follows the capped collective (R-L1).
    assert rating(enrolled, leadership, member.person).level == HT


def test_decide_rejects_leadership_collective_above_organisation_when_raised_R_L2(
    enrolled, tree, leadership, org_officer, authority
):
    propose_all(enrolled, HT)
    propose(enrolled, leadership, None, HTT)
    appraisal.appraise(period=enrolled, unit=tree.district, user=org_officer)
    appraisal.change_level(
        rating=rating(enrolled, leadership),
        level=HTT,
        reason="Tập thể đoàn kết, hoàn thành tốt nhiệm vụ",
        user=org_officer,
    )

    with pytest.raises(LinkageViolated, match=r"Tập thể lãnh đạo .* cao hơn mức của"):
        appraisal.decide(
            period=enrolled, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
        )


@pytest.mark.parametrize(
    ("year", "code", "local", "expected"),
    [
        (2026, "qd366-hd43", None, HTT),
        (2026, "qd366-hd43", "thanhhoa-qd366", HT),
        (2020, "qd132-hd21", None, HT),
    ],
    ids=["central-off", "thanhhoa-on", "qd132-on"],
)
def test_appraise_does_cap_cell_at_ht_when_member_kht_R_L4(
    tree, member, secretary, org_officer, year, code, local, expected
):
    period = make_period(tree, org_officer, year, code)
    if local:
        periods.set_local_ruleset(period=period, unit=tree.district, ruleset_code=local)
    enrol(period)
    propose_all(period, HTT)
    propose(period, tree.cell_a, member.person, KHT)

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    cell = rating(period, tree.cell_a)
    assert cell.level == expected
    assert bool(failed(cell, "R-L4")) == (expected == HT)
    # The other chi bộ, all of whose members are fine, keeps HTT.
    assert rating(period, tree.cell_b).level == HTT


# -- R-Q1 … R-Q6: the quota at decision time ----------------------------------------------------


def test_decide_rejects_htxs_over_cap_R_Q1(cell_group, period, tree, org_officer, authority):
    people, group = cell_group(htxs_points=("95", "92"), htt=5)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    with pytest.raises(QuotaExceeded) as refused:
        appraisal.decide(
            period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
        )
    assert "tối đa 1" in str(refused.value)
    assert any(BASIS_LABELS["htt"] in step for step in refused.value.steps)
    assert not Decision.objects.exists()

    moved = appraisal.apply_quota_suggestion(group=group, user=org_officer)

    # The lower score moves down to HTT, with the computation as its reason.
    assert [r.subject.person for r in moved] == [people[1]]
    lower = rating(period, tree.cell_a, people[1])
    assert (lower.level, lower.proposed_level, lower.quota_adjusted) == (HTT, HTXS, True)
    assert "tỷ lệ tối đa HTXS" in lower.change_reason
    appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
    )
    assert decided_counts(group) == (1, 6)


def test_apply_quota_suggestion_does_move_open_proposals_when_lower_one_decided_R_Q1(
    period, tree, org_officer, authority
):
    """A decided HTXS cannot move: the lowest-ranked proposal still open moves in its place."""
    group_a = add_members(tree.cell_a, 6)
    group_b = add_members(tree.cell_b, 6)
    enrol(period)
    propose_all(period, HTT)
    propose(period, tree.cell_a, group_a[0], HTXS, "91")
    propose(period, tree.cell_b, group_b[0], HTXS, "99")
    propose(period, tree.cell_b, group_b[1], HTXS, "98")
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    appraisal.decide(
        period=period, unit=tree.cell_a, user=authority, decided_on=dt.date(2026, 12, 20)
    )  # 1 HTXS, 5 HTT: within the cap on its own
    group = non_leader_group(period, tree.district)

    moved = appraisal.apply_quota_suggestion(group=group, user=org_officer)

    # 3 HTXS and 9 HTT: 2 may stay. The lowest (91) is decided, so the 98 moves instead.
    assert [r.subject.person for r in moved] == [group_b[1]]
    appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 21)
    )
    assert decided_counts(group) == (2, 10)


def test_decide_does_count_only_decided_levels_of_other_units_R_Q1(
    period, tree, org_officer, authority
):
    """Open proposals elsewhere in the group neither block nor help a decision; the levels
    already decided in the group count together with the ones being decided."""
    in_a = add_members(tree.cell_a, 5)
    in_b = add_members(tree.cell_b, 6)
    enrol(period)
    propose_all(period, HTT)
    for person in in_b[:3]:
        propose(period, tree.cell_b, person, HTXS)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    group = non_leader_group(period, tree.district)

    # Chi bộ A proposes no HTXS: the 3 HTXS still open in chi bộ B do not block it.
    appraisal.decide(
        period=period, unit=tree.cell_a, user=authority, decided_on=dt.date(2026, 12, 20)
    )
    assert decided_counts(group) == (0, len(in_a))

    # Chi bộ B: 3 HTXS with 3 + 5 HTT decided → at most 1.
    with pytest.raises(QuotaExceeded) as refused:
        appraisal.decide(
            period=period, unit=tree.cell_b, user=authority, decided_on=dt.date(2026, 12, 21)
        )
    assert any("Đã quyết định trước trong nhóm: 0 HTXS, 5 HTT" in s for s in refused.value.steps)


def test_enrol_period_does_group_per_grassroots_organisation_and_class_R_Q2(
    period, tree, org_officer
):
    other = OrgUnitFactory(
        name="Đảng bộ xã Bình Minh", kind=UnitKind.GRASSROOTS_COMMITTEE, parent=tree.province
    )
    other_cell = OrgUnitFactory(name="Chi bộ thôn Bắc", parent=other)
    (in_a,) = add_members(tree.cell_a, 1)
    (in_b,) = add_members(tree.cell_b, 1)
    (elsewhere,) = add_members(other_cell, 1)
    (leader,) = add_members(tree.cell_a, 1, has_leadership_post=True)

    enrol(period)

    group_a = subject(period, tree.cell_a, in_a).quota_group
    assert subject(period, tree.cell_b, in_b).quota_group == group_a
    assert (group_a.unit, group_a.subject_class) == (tree.district, SubjectClass.NON_LEADER)
    assert subject(period, other_cell, elsewhere).quota_group.unit == other
    assert subject(period, other_cell, elsewhere).quota_group != group_a
    leaders = subject(period, tree.cell_a, leader).quota_group
    assert (leaders.unit, leaders.subject_class) == (tree.district, SubjectClass.LEADER)


def test_decide_does_count_moved_subject_in_its_new_group_R_Q2(
    period, tree, org_officer, authority
):
    other = OrgUnitFactory(kind=UnitKind.GRASSROOTS_COMMITTEE, parent=tree.province)
    other_cell = OrgUnitFactory(parent=other)
    here = add_members(tree.cell_a, 4)
    add_members(other_cell, 5)
    enrol(period)
    propose_all(period, HTT)
    propose(period, tree.cell_a, here[0], HTXS)
    appraisal.appraise(period=period, unit=tree.province, user=org_officer)
    group, other_group = non_leader_group(period, tree.district), non_leader_group(period, other)

    # 1 HTXS with 3 HTT in the grassroots committee's group: over the cap.
    assert appraisal.group_status(group).exceeded
    with pytest.raises(QuotaExceeded):
        appraisal.decide(
            period=period, unit=tree.province, user=authority, decided_on=dt.date(2026, 12, 20)
        )

    enrolment.move_to_quota_group(subject=subject(period, tree.cell_a, here[0]), group=other_group)

    assert not appraisal.group_status(group).exceeded
    moved_status = appraisal.group_status(other_group)
    assert (moved_status.allowed, moved_status.exceeded) == (1, False)
    appraisal.decide(
        period=period, unit=tree.province, user=authority, decided_on=dt.date(2026, 12, 20)
    )
    assert decided_counts(other_group) == (1, 5)
    assert decided_counts(group) == (0, 3)


@pytest.mark.parametrize(("local", "allowed"), [("thanhhoa-qd366", True), (None, False)])
def test_decide_does_allow_one_htxs_in_small_group_when_rule_set_says_R_Q4(
    cell_group, period, tree, org_officer, authority, local, allowed
):
    """Fewer than 5 rated HTT: 1 HTXS under the Thanh Hóa variant, none under the central one."""
    if local:
        periods.set_local_ruleset(period=period, unit=tree.province, ruleset_code=local)
    _people, group = cell_group(htxs_points=("95",), htt=4)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    def decide():
        appraisal.decide(
            period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
        )

    if allowed:
        decide()
        assert decided_counts(group) == (1, 4)
    else:
        with pytest.raises(QuotaExceeded) as refused:
            decide()
        assert "tối đa 0" in str(refused.value)


def test_decide_does_allow_up_to_25_percent_when_exception_granted_R_Q5(
    cell_group, period, tree, org_officer, authority
):
    """2 HTXS among 10 rated HTT or better: 20% keeps 1; the authority's 25% keeps both."""
    _people, group = cell_group(htxs_points=("95", "92"), htt=8)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    with pytest.raises(QuotaExceeded):
        appraisal.decide(
            period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
        )

    exception = appraisal.approve_quota_exception(
        period=period,
        group=group,
        ratio=Decimal("0.25"),
        reason="Đơn vị được tặng Huân chương Lao động, hoàn thành xuất sắc nhiệm vụ chính trị",
        user=authority,
    )

    assert (exception.approved_by, exception.ratio) == (authority, Decimal("0.2500"))
    status = appraisal.group_status(group)
    assert (status.limit, status.exceeded) == (2, False)
    assert any("tỷ lệ 25% là ngoại lệ được authority duyệt ngày" in s for s in status.steps)
    appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
    )
    assert decided_counts(group) == (2, 8)


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_approve_quota_exception_rejects_missing_reason_R_Q5(cell_group, period, authority, reason):
    _people, group = cell_group()

    with pytest.raises(ChangeReasonRequired):
        appraisal.approve_quota_exception(
            period=period, group=group, ratio=Decimal("0.25"), reason=reason, user=authority
        )
    assert not QuotaException.objects.exists()


@pytest.fixture
def agency(period, tree):
    """An agency of the district: 6 party members of chi bộ A work there (1 HTXS, 5 HTT) with
    2 civil servants outside the party. Returns (agency, its 8 civil servants)."""
    unit = OrgUnitFactory(name="Ủy ban nhân dân xã", kind=UnitKind.AGENCY, parent=tree.district)
    party = add_members(tree.cell_a, 6)
    others = [PersonFactory(is_party_member=False, party_admission_date=None) for _ in range(2)]
    for person in party + others:
        MembershipFactory(person=person, unit=unit, role=MembershipRole.STAFF)
    enrol(period)
    propose_all(period, HT)
    propose(period, tree.cell_a, party[0], HTXS)
    for person in party[1:]:
        propose(period, tree.cell_a, person, HTT)
    return unit, party + others


def state_ratings(period, unit, people, htxs: int) -> None:
    for index, person in enumerate(people):
        StateRating.objects.create(
            period=period, unit=unit, person=person, level=HTXS if index < htxs else HTT
        )


def test_decide_rejects_state_htxs_share_above_party_share_R_Q6(
    agency, period, org_officer, authority, tree
):
    unit, staff = agency
    state_ratings(period, unit, staff, htxs=2)  # 2/8 = 25% against 1/6 ≈ 16.7%
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    problems = appraisal.state_share_violations(period, unit)

    assert len(problems) == 1
    assert "tỷ lệ công chức xếp loại HTXS" in problems[0]
    assert "2/8" in problems[0]
    assert "1/6" in problems[0]
    with pytest.raises(QuotaExceeded) as refused:
        appraisal.decide(
            period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
        )
    assert refused.value.steps == problems


def test_decide_does_accept_state_htxs_share_not_above_party_share_R_Q6(
    agency, period, org_officer, authority, tree
):
    unit, staff = agency
    state_ratings(period, unit, staff, htxs=1)  # 1/8 = 12.5% against 1/6
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    assert appraisal.state_share_violations(period, unit) == []
    appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
    )


@pytest.mark.parametrize(
    ("state", "party", "violates"),
    [
        ([HTXS, HTT], [HTXS, HTT, HTT], True),
        ([HTXS, HTT], [HTXS, HTT], False),
        ([HTT, HT], [], False),
        ([HTXS], [], False),
        ([], [HTXS], False),
    ],
)
def test_state_share_violation_does_compare_htxs_shares_R_Q6(state, party, violates):
    message = appraisal.state_share_violation(
        unit_name="Ủy ban nhân dân xã", state_levels=state, party_levels=party
    )

    assert bool(message) == violates


# -- An audit row with a reason for every change -------------------------------------------


def test_change_level_does_leave_audit_reason(cell_group, period, tree, org_officer):
    people, _group = cell_group()
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    r = rating(period, tree.cell_a, people[2])

    appraisal.change_level(
        rating=r, level=HT, reason="Vắng sinh hoạt chi bộ 4 lần", user=org_officer
    )

    assert audit(Rating, r.pk) == [
        ("insert", RatingStatus.APPRAISED, "Thẩm định tự động"),
        ("update", RatingStatus.APPRAISED, "Vắng sinh hoạt chi bộ 4 lần"),
    ]


def test_change_level_rejects_other_level_without_reason(cell_group, period, tree, org_officer):
    people, _group = cell_group()
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    with pytest.raises(ChangeReasonRequired):
        appraisal.change_level(
            rating=rating(period, tree.cell_a, people[2]), level=HT, reason=" ", user=org_officer
        )


def test_change_level_does_refuse_a_level_outside_the_ruleset_UnknownLevel(
    cell_group, period, tree, org_officer
):
    people, _group = cell_group()
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    r = rating(period, tree.cell_a, people[2])

    with pytest.raises(UnknownLevel, match="Mức «XUATSAC» không có trong bộ quy tắc"):
        appraisal.change_level(rating=r, level="XUATSAC", reason="Gõ nhầm", user=org_officer)
    r.refresh_from_db()
    assert r.level == HTT


def test_change_level_does_keep_a_subject_capped_by_absence_at_most_ht_R_E3(
    cell_group, period, tree, org_officer
):
    people, _group = cell_group()
    Subject.objects.filter(period=period, person=people[2]).update(
        eligibility=Eligibility.CAPPED, eligibility_reason="Nghỉ ốm 4 tháng"
    )
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    r = rating(period, tree.cell_a, people[2])
    assert r.level == HT  # the appraisal's own cap

    with pytest.raises(LevelAboveCap, match="Nghỉ ốm 4 tháng"):
        appraisal.change_level(rating=r, level=HTT, reason="Đề nghị", user=org_officer)
    appraisal.change_level(rating=r, level=KHT, reason="Không hoàn thành", user=org_officer)
    r.refresh_from_db()
    assert r.level == KHT


def test_quota_services_do_leave_audit_reason(cell_group, period, tree, org_officer, authority):
    _people, group = cell_group()
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    (moved,) = appraisal.apply_quota_suggestion(group=group, user=org_officer)
    exception = appraisal.approve_quota_exception(
        period=period,
        group=group,
        ratio=Decimal("0.25"),
        reason="Đơn vị dẫn đầu phong trào thi đua",
        user=authority,
    )

    label, _status, reason = audit(Rating, moved.pk)[-1]
    assert label == "update"
    assert reason.startswith("Điều chỉnh theo tỷ lệ tối đa HTXS của nhóm:")
    assert audit(QuotaException, exception.pk) == [
        ("insert", "", "Đơn vị dẫn đầu phong trào thi đua")
    ]


def test_decision_services_do_leave_audit_reason(
    cell_group, period, tree, member, org_officer, authority
):
    cell_group(htxs_points=("95",), htt=5)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    r = rating(period, tree.cell_a, member.person)

    first = appraisal.decide(
        period=period,
        unit=tree.district,
        user=authority,
        decided_on=dt.date(2026, 12, 20),
        number="25-QĐ/ĐU",
    )
    appraisal.publish(decision=first, user=authority)
    appraisal.cancel_decision(
        decision=first, reason="Hội nghị không đủ số lượng tham dự", user=authority
    )
    second = appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 28)
    )
    discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2026, 6, 1),
        decided=dt.date(2026, 12, 30),
    )

    trail = audit(Rating, r.pk)
    assert [(label, status) for label, status, _ in trail] == [
        ("insert", RatingStatus.APPRAISED),
        ("update", RatingStatus.DECIDED),
        ("update", RatingStatus.PUBLISHED),
        ("update", RatingStatus.APPRAISED),
        ("update", RatingStatus.DECIDED),
    ]
    assert [reason for _, _, reason in trail] == [
        "Thẩm định tự động",
        "Quyết định 25-QĐ/ĐU ngày 20/12/2026",
        "Công khai kết quả",
        "Hội nghị không đủ số lượng tham dự",
        "Quyết định ngày 28/12/2026",
    ]  # QĐ 366 re-opens nothing: the record counts where it is decided
    assert audit(Decision, first.pk) == [
        ("insert", "decided", "Quyết định 25-QĐ/ĐU ngày 20/12/2026"),
        ("update", "published", "Công khai kết quả"),
        ("update", "cancelled", "Hội nghị không đủ số lượng tham dự"),
    ]
    assert audit(Decision, second.pk) == [("insert", "decided", "Quyết định ngày 28/12/2026")]
    (record,) = DisciplineRecord.objects.all()
    assert audit(DisciplineRecord, record.pk) == [
        ("insert", "", "Ghi nhận quyết định kỷ luật ngày 30/12/2026 về vi phạm ngày 01/06/2026.")
    ]

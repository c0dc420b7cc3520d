"""QĐ 366 Art. 11: the HTXS/HTT/HT conditions and every KHT trigger, per subject class, read from
the rule set's [level_conditions]; the officer's appraisal facts; the timing of discipline
under 366 (counts when decided, the past year untouched) against 124 (R-K3 re-opens).

Each test builds its data explicitly: self-proposed levels and points on the reports, facts
through `facts.record_appraisal_facts`, discipline through `appraisal.record_discipline`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orgunits.models import MembershipRole
from ratings.exceptions import (
    ConfidenceSourceRequired,
    DecisionLocked,
    FactsReasonRequired,
    FactsShareOutOfRange,
)
from ratings.models import AppraisalFacts, DisciplineForm, RatingStatus
from ratings.services import appraisal
from ratings.services import facts as facts_services
from reviews.models import Subject

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory
from .test_appraisal import (
    ADMITTED,
    HT,
    HTT,
    HTXS,
    KHT,
    audit,
    discipline,
    enrol,
    failed,
    make_period,
    propose,
    propose_all,
    rating,
)

GOOD_TASKS = {
    "tasks_completed_pct": 100,
    "tasks_on_time_pct": 100,
    "tasks_exceeded_pct": 40,
    "tasks_behind_pct": 0,
}


def record(
    subject: Subject, user, reason: str = "Báo cáo tổng kết năm của đơn vị", source="", **facts
):
    return facts_services.record_appraisal_facts(
        subject=subject, user=user, reason=reason, facts=facts, low_confidence_source=source
    )


def subject_of(period, unit, person=None) -> Subject:
    return Subject.objects.get(period=period, unit=unit, person=person)


def appraise(period, tree, user):
    appraisal.appraise(period=period, unit=tree.district, user=user)


def kht_messages(r, code: str) -> list[str]:
    return [c["message"] for c in r.checks if c["code"] == code and c["cap"] == KHT]


@pytest.fixture
def leader(tree):
    """The secretary of the grassroots committee (a leader heading the district and its two
    chi bộ below)."""
    person = PersonFactory(
        party_admission_date=ADMITTED, full_name="Lê Văn Lãnh Đạo", has_leadership_post=True
    )
    MembershipFactory(person=person, unit=tree.district, role=MembershipRole.SECRETARY)
    return person


@pytest.fixture
def plain(tree):
    person = PersonFactory(party_admission_date=ADMITTED, full_name="Phạm Thị Đảng Viên")
    MembershipFactory(person=person, unit=tree.cell_a)
    return person


# -- HTXS, HTT and HT conditions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("tasks", "expected", "message"),
    [
        (
            {"tasks_on_time_pct": 90},
            HT,  # not all on time fails HTT's condition too
            "Chưa đủ điều kiện mức HTXS: 90% nhiệm vụ đúng tiến độ (cần ít nhất 100%).",
        ),
        (
            {"tasks_exceeded_pct": Decimal("29.5")},
            HTT,
            "Chưa đủ điều kiện mức HTXS: 29,5% nhiệm vụ vượt mức (cần ít nhất 30%).",
        ),
    ],
    ids=["on_time", "exceeded"],
)
def test_appraise_does_lower_htxs_when_task_conditions_fail_art11(
    period, tree, org_officer, plain, tasks, expected, message
):
    enrol(period)
    propose_all(period, HTT)
    propose(period, tree.cell_a, plain, HTXS)
    record(subject_of(period, tree.cell_a, plain), org_officer, **{**GOOD_TASKS, **tasks})

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert r.proposed_level == expected
    assert failed(r, "art11_htxs") == [message]


def test_appraise_does_confirm_htxs_when_task_conditions_met_art11(
    period, tree, org_officer, plain
):
    enrol(period)
    propose_all(period, HTT)
    propose(period, tree.cell_a, plain, HTXS)
    record(subject_of(period, tree.cell_a, plain), org_officer, **GOOD_TASKS)

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert r.proposed_level == HTXS
    assert [c["message"] for c in r.checks if c["code"] == "art11_htxs" and c["ok"]] == [
        "Đủ điều kiện mức HTXS: 100% nhiệm vụ đúng tiến độ; 40% nhiệm vụ vượt mức."
    ]


def test_appraise_does_flag_htxs_not_verified_when_facts_missing_art11(
    period, tree, org_officer, plain
):
    """Without facts the condition is shown as not verified; the level is not lowered."""
    enrol(period)
    propose_all(period, HTT)
    propose(period, tree.cell_a, plain, HTXS)

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert r.proposed_level == HTXS
    (check,) = [c for c in r.checks if c["code"].startswith("art11_")]
    assert (check["code"], check["ok"], check["cap"]) == ("art11_unverified", False, "")
    assert check["message"] == (
        "Chưa xác minh được điều kiện về thực hiện nhiệm vụ của mức HTXS, HTT, HT: cơ quan tổ "
        "chức cần nhập số liệu thẩm định."
    )


def test_appraise_does_keep_leader_from_htxs_when_a_unit_they_head_falls_short_art11(
    period, tree, org_officer, leader
):
    """A leader's HTXS needs the units they head on time and exceeding too."""
    enrol(period)
    propose_all(period, HTT)
    propose(period, tree.district, leader, HTXS)
    record(subject_of(period, tree.district, leader), org_officer, **GOOD_TASKS)
    record(
        subject_of(period, tree.district),
        org_officer,
        **{**GOOD_TASKS, "tasks_exceeded_pct": 10},
    )

    appraise(period, tree, org_officer)

    r = rating(period, tree.district, leader)
    assert r.proposed_level == HTT
    assert failed(r, "art11_led_units") == [
        f"Chưa đủ điều kiện mức HTXS: {tree.district.name} do mình phụ trách chỉ đạt 10% nhiệm "
        "vụ vượt mức."
    ]


def test_appraise_does_lower_htt_to_ht_when_tasks_not_all_on_time_art11(
    period, tree, org_officer, plain
):
    enrol(period)
    propose_all(period, HTT)
    record(
        subject_of(period, tree.cell_a, plain),
        org_officer,
        **{**GOOD_TASKS, "tasks_on_time_pct": 95, "tasks_behind_pct": 5},
    )

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert r.proposed_level == HT
    assert failed(r, "art11_htt") == [
        "Chưa đủ điều kiện mức HTT: 95% nhiệm vụ đúng tiến độ (cần ít nhất 100%)."
    ]


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        (
            {"tasks_completed_pct": 90},
            "Chưa đủ điều kiện mức HT: 90% nhiệm vụ hoàn thành (cần ít nhất 100%).",
        ),
        (
            {"tasks_behind_pct": 25},
            "Chưa đủ điều kiện mức HT: 25% nhiệm vụ chậm tiến độ (cần không quá 20%).",
        ),
    ],
    ids=["not_all_done", "over_20pct_behind"],
)
def test_appraise_does_rate_kht_when_ht_task_conditions_fail_art11(
    period, tree, org_officer, plain, tasks, message
):
    enrol(period)
    propose_all(period, HT)
    record(subject_of(period, tree.cell_a, plain), org_officer, **{**GOOD_TASKS, **tasks})

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert r.proposed_level == KHT
    assert failed(r, "art11_ht") == [message]


# -- KHT triggers of a leadership collective --------------------------------------------------


@pytest.mark.parametrize(
    ("finding", "code", "message"),
    [
        ("cadre_work_wrongdoing", "art11_cadre_work", "có sai phạm trong công tác cán bộ."),
        ("disunity", "art11_disunity", "mất đoàn kết nội bộ."),
        ("position_seeking", "art11_position_seeking", "có tình trạng chạy chức, chạy quyền."),
        (
            "degradation_found",
            "art11_degradation",
            "có thành viên biểu hiện suy thoái về tư tưởng chính trị, đạo đức, lối sống, "
            "“tự diễn biến”, “tự chuyển hóa”.",
        ),
    ],
)
def test_appraise_does_rate_collective_kht_when_a_finding_is_recorded_art11(
    period, tree, org_officer, leadership, finding, code, message
):
    enrol(period)
    propose_all(period, HTT)
    record(subject_of(period, leadership), org_officer, **{finding: True})

    appraise(period, tree, org_officer)

    r = rating(period, leadership)
    assert r.proposed_level == KHT
    assert kht_messages(r, code) == ["Không hoàn thành nhiệm vụ: " + message]


def test_appraise_does_rate_collective_kht_when_a_member_is_disciplined_for_duties_art11(
    period, tree, org_officer, leadership
):
    head = PersonFactory(party_admission_date=ADMITTED, full_name="Võ Văn Chủ Tịch")
    MembershipFactory(person=head, unit=leadership, role=MembershipRole.HEAD)
    moved = PersonFactory(party_admission_date=ADMITTED, full_name="Đỗ Thị Chuyển Đến")
    MembershipFactory(person=moved, unit=leadership, role=MembershipRole.DEPUTY_HEAD)
    enrol(period)
    propose_all(period, HTT)
    discipline(
        org_officer,
        person=head,
        at=leadership,
        violated=dt.date(2026, 3, 2),
        decided=dt.date(2026, 6, 1),
        form=DisciplineForm.WARNING,
    )
    # From the unit the deputy worked in before: not this collective's violation.
    discipline(
        org_officer,
        person=moved,
        at=tree.elsewhere,
        violated=dt.date(2026, 1, 5),
        decided=dt.date(2026, 4, 1),
    )

    appraise(period, tree, org_officer)

    r = rating(period, leadership)
    assert r.proposed_level == KHT
    assert kht_messages(r, "art11_discipline") == [
        "Không hoàn thành nhiệm vụ: thành viên Võ Văn Chủ Tịch bị kỷ luật cảnh cáo (quyết định "
        "ngày 01/06/2026) do vi phạm liên quan đến thực hiện chức trách, nhiệm vụ."
    ]


@pytest.mark.parametrize("cls", ["collective", "leader"])
def test_appraise_does_rate_kht_when_unit_completed_under_70pct_of_tasks_art11(
    period, tree, org_officer, leader, cls
):
    enrol(period)
    propose_all(period, HTT)
    target = subject_of(period, tree.district, None if cls == "collective" else leader)
    record(target, org_officer, unit_tasks_completed_pct=Decimal("69.9"))

    appraise(period, tree, org_officer)

    r = rating(period, tree.district, target.person)
    assert r.proposed_level == KHT
    assert kht_messages(r, "art11_unit_tasks") == [
        "Không hoàn thành nhiệm vụ: cơ quan, đơn vị hoàn thành 69,9% nhiệm vụ (dưới 70%)."
    ]


@pytest.mark.parametrize("cls", ["collective", "leader"])
def test_appraise_does_rate_kht_when_the_5_socio_economic_targets_are_missed_art11(
    period, tree, org_officer, leader, cls
):
    enrol(period)
    propose_all(period, HTT)
    target = subject_of(period, tree.district, None if cls == "collective" else leader)
    record(target, org_officer, socio_economic_targets_met=False)

    appraise(period, tree, org_officer)

    r = rating(period, tree.district, target.person)
    assert kht_messages(r, "art11_targets") == [
        "Không hoàn thành nhiệm vụ: không đạt 5 chỉ tiêu kinh tế - xã hội cơ bản."
    ]
    assert r.proposed_level == KHT


# -- KHT triggers of leaders ------------------------------------------------------------------


@pytest.mark.parametrize(("kht_cells", "expected"), [(1, HTT), (2, KHT)])
def test_appraise_does_rate_leader_kht_when_over_half_the_units_under_them_are_kht_art11(
    period, tree, org_officer, leader, kht_cells, expected
):
    """Three chi bộ under the committee the leader heads: 1 KHT is a third, 2 is over half."""
    cells = [tree.cell_a, tree.cell_b, OrgUnitFactory(parent=tree.district)]
    enrol(period)
    propose_all(period, HTT)
    for cell in cells[:kht_cells]:
        propose(period, cell, None, KHT)

    appraise(period, tree, org_officer)

    r = rating(period, tree.district, leader)
    assert r.proposed_level == expected
    expected_messages = (
        ["Không hoàn thành nhiệm vụ: 2/3 đơn vị thuộc phạm vi phụ trách xếp loại Không hoàn "
         "thành nhiệm vụ (trên 50%)."]
        if expected == KHT
        else []
    )  # fmt: skip
    assert kht_messages(r, "art11_led_units_kht") == expected_messages


def test_appraise_does_propose_kht_when_leader_has_over_half_low_confidence_votes_art11(
    tree, period, org_officer, make_meeting
):
    """Read from the confidence round (QĐ 96) held in the system: 3 of 5 voted low."""
    from ratings.models import RoundKind
    from ratings.services import ballots

    convened = make_meeting(5, leaders=1)
    ballot_round = ballots.open_round(ballot_round=convened.prepare(kind=RoundKind.CONFIDENCE))
    candidates = convened.candidates(ballot_round)
    for index, voter in enumerate(convened.present):
        choices = {str(c.pk): "cao" for c in candidates}
        choices[str(candidates[0].pk)] = "thap" if index < 3 else "cao"
        ballots.cast_ballot(ballot_round=ballot_round, voter=voter, choices=choices)
    ballots.close_round(ballot_round=ballot_round)
    propose_all(period, HTT)

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, candidates[0].subject.person)
    assert r.proposed_level == KHT
    (message,) = kht_messages(r, "art11_confidence")
    assert message.startswith(
        "Không hoàn thành nhiệm vụ: 60% số phiếu tín nhiệm thấp (trên 50%; nguồn: lấy phiếu "
        f"tín nhiệm tại {tree.cell_a.name}, vòng 1"
    )


@pytest.mark.parametrize(("share", "expected"), [(50, HTT), (Decimal("50.5"), KHT)])
def test_appraise_does_propose_kht_when_officer_entered_over_half_low_confidence_art11(
    period, tree, org_officer, leader, share, expected
):
    """No confidence round in the system: the officer's share with its source (exactly 50% is
    not "trên 50%")."""
    enrol(period)
    propose_all(period, HTT)
    record(
        subject_of(period, tree.district, leader),
        org_officer,
        low_confidence_pct=share,
        source="Hội nghị Ban Chấp hành ngày 15/11/2026",
    )

    appraise(period, tree, org_officer)

    r = rating(period, tree.district, leader)
    assert r.proposed_level == expected
    assert bool(kht_messages(r, "art11_confidence")) == (expected == KHT)


def test_appraise_does_rate_leader_kht_when_corruption_in_their_scope_was_disciplined_art11(
    period, tree, org_officer, leader, plain
):
    enrol(period)
    propose_all(period, HTT)
    discipline(
        org_officer,
        person=plain,
        at=tree.cell_a,
        violated=dt.date(2026, 2, 1),
        decided=dt.date(2026, 5, 1),
        is_corruption=True,
    )

    appraise(period, tree, org_officer)

    r = rating(period, tree.district, leader)
    assert r.proposed_level == KHT
    assert kht_messages(r, "art11_corruption") == [
        f"Không hoàn thành nhiệm vụ: để xảy ra tham nhũng, tiêu cực tại {tree.district.name} "
        "thuộc phạm vi phụ trách trực tiếp, đã bị xử lý kỷ luật."
    ]


# -- Triggers of every individual: discipline, degradation; non-leaders and PL5 ---------------


@pytest.mark.parametrize("cls", ["leader", "non_leader", "outside"])
@pytest.mark.parametrize(
    ("duty_related", "expected"), [(True, KHT), (False, HTT)], ids=["duty", "unrelated"]
)
def test_appraise_does_rate_kht_when_disciplined_for_a_duty_related_violation_art11(
    period, tree, org_officer, plain, cls, duty_related, expected
):
    enrol(period)
    Subject.objects.filter(person=plain).update(subject_class=cls)
    propose_all(period, HTT)
    discipline(
        org_officer,
        person=plain,
        at=tree.cell_a,
        violated=dt.date(2026, 3, 2),
        decided=dt.date(2026, 6, 1),
        duty_related=duty_related,
    )

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert r.proposed_level == expected
    assert bool(kht_messages(r, "art11_discipline")) == duty_related


@pytest.mark.parametrize("cls", ["leader", "non_leader", "outside"])
def test_appraise_does_rate_kht_when_degradation_found_art11(period, tree, org_officer, plain, cls):
    enrol(period)
    Subject.objects.filter(person=plain).update(subject_class=cls)
    propose_all(period, HTT)
    record(subject_of(period, tree.cell_a, plain), org_officer, degradation_found=True)

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert r.proposed_level == KHT
    assert kht_messages(r, "art11_degradation") == [
        "Không hoàn thành nhiệm vụ: có biểu hiện suy thoái về tư tưởng chính trị, đạo đức, lối "
        "sống, “tự diễn biến”, “tự chuyển hóa”."
    ]


@pytest.mark.parametrize("cls", ["non_leader", "outside"])
def test_appraise_does_rate_kht_when_breaching_what_members_must_not_do_art11(
    period, tree, org_officer, plain, cls
):
    enrol(period)
    Subject.objects.filter(person=plain).update(subject_class=cls)
    propose_all(period, HTT)
    record(subject_of(period, tree.cell_a, plain), org_officer, prohibited_conduct=True)

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert kht_messages(r, "art11_prohibited") == [
        "Không hoàn thành nhiệm vụ: vi phạm những điều đảng viên không được làm hoặc trách "
        "nhiệm nêu gương."
    ]


@pytest.mark.parametrize("cls", ["non_leader", "outside"])
@pytest.mark.parametrize(("completed", "expected"), [(50, HT), (Decimal("49.5"), KHT)])
def test_appraise_does_rate_kht_when_over_half_the_tasks_are_not_completed_art11(
    period, tree, org_officer, plain, cls, completed, expected
):
    """HT proposed: 50% not completed is not "trên 50%"; the HT condition (100% done) fails
    either way, so look only at this trigger's check."""
    enrol(period)
    Subject.objects.filter(person=plain).update(subject_class=cls)
    propose_all(period, HT)
    record(subject_of(period, tree.cell_a, plain), org_officer, tasks_completed_pct=completed)

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    messages = kht_messages(r, "art11_tasks_not_completed")
    assert bool(messages) == (expected == KHT)


def test_appraise_does_flag_self_detected_discipline_for_a_case_by_case_decision_art11(
    period, tree, org_officer, plain
):
    """QĐ 366 has no automatic exemption: the record counts, the competent level decides."""
    enrol(period)
    propose_all(period, HTT)
    discipline(
        org_officer,
        person=plain,
        at=tree.cell_a,
        violated=dt.date(2026, 3, 2),
        decided=dt.date(2026, 6, 1),
        self_detected_remedied=True,
    )

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    (message,) = kht_messages(r, "art11_discipline")
    assert message.endswith("cấp có thẩm quyền xem xét, quyết định từng trường hợp.")
    appraisal.change_level(
        rating=r, level=HTT, reason="Tự phát hiện, đã khắc phục hậu quả", user=org_officer
    )
    r.refresh_from_db()
    assert r.level == HTT


def test_appraise_does_not_apply_art11_triggers_when_rule_set_lacks_them(tree, org_officer, plain):
    """QĐ 124 has no [level_conditions]: a recorded finding changes nothing there."""
    period = make_period(tree, org_officer, 2026, code="qd124-hd25")
    enrol(period)
    propose_all(period, HTT)
    record(subject_of(period, tree.cell_a, plain), org_officer, degradation_found=True)

    appraise(period, tree, org_officer)

    r = rating(period, tree.cell_a, plain)
    assert r.proposed_level == HTT
    assert not [c for c in r.checks if c["code"].startswith("art11_")]


# -- Discipline timing ------------------------------------------------------------------------


def test_record_discipline_does_count_earlier_violation_now_and_leave_past_year_under_366(
    tree, member, org_officer, authority
):
    """A 2025 violation disciplined in 2026 counts in 2026; the decided 2025 rating stays."""
    p2025 = make_period(tree, org_officer, 2025)
    enrol(p2025)
    propose_all(p2025, HTT)
    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)
    appraisal.decide(
        period=p2025, unit=tree.district, user=authority, decided_on=dt.date(2025, 12, 20)
    )
    p2026 = make_period(tree, org_officer, 2026)
    enrol(p2026)
    propose_all(p2026, HTT)

    _record, reopened = discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2025, 10, 1),
        decided=dt.date(2026, 2, 1),
    )
    appraisal.appraise(period=p2026, unit=tree.district, user=org_officer)

    assert reopened == []
    then = rating(p2025, tree.cell_a, member.person)
    assert (then.status, then.level) == (RatingStatus.DECIDED, HTT)
    now = rating(p2026, tree.cell_a, member.person)
    assert now.level == KHT
    assert kht_messages(now, "art11_discipline")


def test_record_discipline_does_reopen_the_violation_year_under_124_R_K3(
    tree, member, org_officer, authority
):
    p2025 = make_period(tree, org_officer, 2025, code="qd124-hd25")
    enrol(p2025)
    propose_all(p2025, HTT)
    appraisal.appraise(period=p2025, unit=tree.district, user=org_officer)
    appraisal.decide(
        period=p2025, unit=tree.district, user=authority, decided_on=dt.date(2025, 12, 20)
    )

    _record, reopened = discipline(
        org_officer,
        person=member.person,
        at=tree.cell_a,
        violated=dt.date(2025, 10, 1),
        decided=dt.date(2026, 2, 1),
    )

    assert [r.subject.period for r in reopened] == [p2025]
    assert rating(p2025, tree.cell_a, member.person).status == RatingStatus.REOPENED


# -- Recording the facts ----------------------------------------------------------------------


def test_record_appraisal_facts_rejects_missing_reason(period, tree, org_officer, plain):
    enrol(period)
    with pytest.raises(FactsReasonRequired):
        record(subject_of(period, tree.cell_a, plain), org_officer, reason="  ", disunity=True)
    assert not AppraisalFacts.objects.exists()


def test_record_appraisal_facts_rejects_share_out_of_range(period, tree, org_officer, plain):
    enrol(period)
    with pytest.raises(FactsShareOutOfRange):
        record(subject_of(period, tree.cell_a, plain), org_officer, tasks_on_time_pct=101)
    assert not AppraisalFacts.objects.exists()


def test_record_appraisal_facts_rejects_confidence_share_without_source(
    period, tree, org_officer, leader
):
    enrol(period)
    with pytest.raises(ConfidenceSourceRequired):
        record(subject_of(period, tree.district, leader), org_officer, low_confidence_pct=60)


def test_record_appraisal_facts_rejects_change_when_rating_decided(
    period, tree, org_officer, authority, plain
):
    enrol(period)
    propose_all(period, HTT)
    appraise(period, tree, org_officer)
    appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
    )
    with pytest.raises(DecisionLocked):
        record(subject_of(period, tree.cell_a, plain), org_officer, degradation_found=True)


def test_record_appraisal_facts_does_leave_audit_reason(period, tree, org_officer, plain):
    enrol(period)
    subject = subject_of(period, tree.cell_a, plain)
    first = record(subject, org_officer, reason="Báo cáo của chi bộ", tasks_completed_pct=90)
    again = record(subject, org_officer, reason="Kết luận kiểm tra", tasks_completed_pct=95)

    assert first.pk == again.pk
    assert [(label, reason) for label, _status, reason in audit(AppraisalFacts, first.pk)] == [
        ("insert", "Báo cáo của chi bộ"),
        ("update", "Kết luận kiểm tra"),
    ]


def test_discipline_forms_of_the_rule_sets_match_the_model():
    from reviews.rulesets.conditions import DISCIPLINE_FORMS

    assert list(DISCIPLINE_FORMS) == list(DisciplineForm.values)


def test_kht_reasons_does_leave_out_conditions_not_verified():
    """A condition shown as not verified lowered nothing: it is no reason for a KHT."""
    from ratings.models import Rating
    from ratings.summary import kht_reasons

    trigger = "Không hoàn thành nhiệm vụ: mất đoàn kết nội bộ."
    r = Rating(
        checks=[
            {"code": "art11_unverified", "ok": False, "message": "Chưa xác minh …", "cap": ""},
            {"code": "art11_disunity", "ok": False, "message": trigger, "cap": KHT},
        ]
    )
    assert kht_reasons(r) == [trigger]

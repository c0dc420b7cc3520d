"""Deciding over open checks: the appraisal status follows the checks, and a subject whose
checks block (no report, no points, a level above a failed check's cap) is decided only with a
written reason that is stored, shown and audited. The R-Q5 exception ratio lives here too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from ratings.appraisal_status import BLOCKED, CAPPED, OPEN, PASSED, appraisal_state
from ratings.exceptions import (
    ChecksNotMet,
    ExceptionRatioOutOfRange,
    NotCompetentAuthority,
    QuotaExceeded,
)
from ratings.models import Decision, QuotaException, Rating, RatingStatus
from ratings.services import appraisal
from reviews.models import QuotaGroup, Report

from .test_appraisal import (
    HT,
    HTT,
    HTXS,
    KHT,
    add_members,
    audit,
    enrol,
    make_period,
    non_leader_group,
    propose,
    propose_all,
    rating,
)

DECIDED_ON = dt.date(2026, 12, 20)
REASON = "Đồng chí đi chữa bệnh dài ngày, chi bộ đã họp xét và thống nhất đề nghị"


def rank(level: str) -> int:
    return ["HTXS", "HTT", "HT", "KHT"].index(level)


@pytest.fixture
def no_report(period, tree, org_officer):
    """Chi bộ A: five members proposing HTT with points, one whose report is empty."""
    people = add_members(tree.cell_a, 6)
    enrol(period)
    propose_all(period, HTT)
    Report.objects.filter(subject__person=people[5]).update(self_level="", total_points=None)
    appraisal.appraise(period=period, unit=tree.cell_a, user=org_officer)
    return people


def test_appraisal_state_does_follow_the_checks():
    met = {"code": "self", "ok": True, "message": "Tự nhận mức: HTT.", "cap": HTT}
    missing = {"code": "points", "ok": False, "message": "Chưa có tổng điểm.", "blocks": True}
    unverified = {"code": "art11_htt", "ok": False, "message": "Chưa xác minh.", "cap": ""}
    capped = {"code": "R-K1", "ok": False, "message": "R-K1: bị kỷ luật.", "cap": KHT}

    assert appraisal_state([met], HTT, rank).code == PASSED
    assert appraisal_state([met, capped], KHT, rank).code == CAPPED
    assert appraisal_state([met, unverified], HTT, rank).unmet == ["Chưa xác minh."]
    assert appraisal_state([met, unverified], HTT, rank).code == OPEN
    assert appraisal_state([met, capped], HT, rank).blocking == ["Bị kỷ luật."]
    state = appraisal_state([met, missing, unverified], HTT, rank)
    assert (state.code, state.blocking) == (BLOCKED, ["Chưa có tổng điểm."])
    assert len(state.unmet) == 2


def test_appraisal_page_does_not_show_appraised_over_failed_checks(
    client, no_report, period, tree, org_officer
):
    client.force_login(org_officer)
    html = client.get(reverse("ratings:appraisal_page", args=[period.pk, tree.cell_a.pk]))
    html = html.content.decode()

    empty = rating(period, tree.cell_a, no_report[5])
    row = html.split(f'id="rating-{empty.pk}"')[1].split("</tr>")[0]
    status = row.split('data-testid="rating-status"')[1].split("</span>")[0]
    assert "Đã thẩm định" not in status
    assert 'data-state="blocked"' in status and "chưa đạt" in status
    ok = rating(period, tree.cell_a, no_report[0])
    ok_row = html.split(f'id="rating-{ok.pk}"')[1].split("</tr>")[0]
    assert 'data-state="blocked"' not in ok_row


def test_appraise_does_flag_a_subject_without_report(no_report, period, tree):
    empty = rating(period, tree.cell_a, no_report[5])

    assert next(c["code"] for c in empty.checks if not c["ok"]) == "report"
    assert not [c for c in rating(period, tree.cell_a, no_report[0]).checks if c.get("blocks")]


def test_decide_rejects_subject_without_report_when_no_reason_given(
    no_report, period, tree, org_officer, authority
):
    empty = rating(period, tree.cell_a, no_report[5])
    appraisal.change_level(rating=empty, level=HTT, reason="Theo ý kiến chi bộ", user=org_officer)

    with pytest.raises(ChecksNotMet) as refused:
        appraisal.decide(period=period, unit=tree.cell_a, user=authority, decided_on=DECIDED_ON)

    assert any(str(empty.subject) in item for item in refused.value.items)
    assert not Decision.objects.exists()
    assert not Rating.objects.filter(status=RatingStatus.DECIDED).exists()


def test_decide_does_record_the_reason_when_deciding_over_failed_checks(
    client, no_report, period, tree, org_officer, authority
):
    empty = rating(period, tree.cell_a, no_report[5])
    appraisal.change_level(rating=empty, level=HTT, reason="Theo ý kiến chi bộ", user=org_officer)

    decision = appraisal.decide(
        period=period,
        unit=tree.cell_a,
        user=authority,
        decided_on=DECIDED_ON,
        override_reason=f"  {REASON} ",
    )

    decision.refresh_from_db()
    assert decision.override_reason == REASON
    (insert,) = audit(Decision, decision.pk)
    assert (
        insert[2] == f"Quyết định ngày 20/12/2026. Quyết định khi còn điều kiện chưa đạt: {REASON}"
    )
    client.force_login(authority)
    html = client.get(reverse("ratings:decision_detail", args=[decision.pk])).content.decode()
    shown = html.split('data-testid="override"')[1].split("</div>")[0]
    assert REASON in shown and str(empty.subject) in shown


# -- R-Q5: the exception for an outstanding organisation -----------------------------------------

OUTSTANDING = "Chi bộ trong sạch vững mạnh tiêu biểu 5 năm liền"


@pytest.fixture
def group(period, tree):
    """Chi bộ A: 2 HTXS proposals and 8 HTT — 20% keeps 1, 25% keeps 2."""
    people = add_members(tree.cell_a, 10)
    enrol(period)
    propose_all(period, HTT)
    for person, points in zip(people, ("95", "92"), strict=False):
        propose(period, tree.cell_a, person, HTXS, points)
    return non_leader_group(period, tree.district)


def test_approve_quota_exception_rejects_ratio_above_maximum_R_Q5(period, group, authority):
    with pytest.raises(ExceptionRatioOutOfRange, match="không quá 25%"):
        appraisal.approve_quota_exception(
            period=period, group=group, ratio=Decimal("0.3"), reason=OUTSTANDING, user=authority
        )
    with pytest.raises(ExceptionRatioOutOfRange, match="lớn hơn 20%"):
        appraisal.approve_quota_exception(
            period=period, group=group, ratio=Decimal("0.2"), reason=OUTSTANDING, user=authority
        )
    assert not QuotaException.objects.exists()


def test_approve_quota_exception_rejects_when_not_the_competent_authority_R_Q5(
    period, group, org_officer
):
    with pytest.raises(NotCompetentAuthority):
        appraisal.approve_quota_exception(
            period=period, group=group, ratio=Decimal("0.25"), reason=OUTSTANDING, user=org_officer
        )
    assert not QuotaException.objects.exists()


def test_approve_quota_exception_rejects_any_ratio_when_rule_set_has_no_exception_R_Q5(
    tree, org_officer, authority
):
    old = make_period(tree, org_officer, 2024, "qd124-hd25")
    add_members(tree.cell_a, 3)
    enrol(old)
    group = QuotaGroup.objects.filter(period=old).first()

    with pytest.raises(ExceptionRatioOutOfRange, match="không cho phép ngoại lệ"):
        appraisal.approve_quota_exception(
            period=old, group=group, ratio=Decimal("0.25"), reason=OUTSTANDING, user=authority
        )


def test_approve_quota_exception_does_cover_every_group_of_the_unit_R_Q5(
    period, tree, group, org_officer, authority
):
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    exception = appraisal.approve_quota_exception(
        period=period, unit=tree.district, ratio=Decimal("0.25"), reason=OUTSTANDING, user=authority
    )

    assert exception.group is None
    assert appraisal.group_status(group).limit == 2
    assert audit(QuotaException, exception.pk) == [("insert", "", OUTSTANDING)]


def test_quota_explanation_is_the_same_on_the_page_in_the_pdf_and_in_the_refusal_R_Q3(
    client, period, tree, org_officer, authority
):
    """1 HTXS among 4 HTT: moving them down would make the cap 1, yet 0 can stay. The service's
    refusal, the quota page and the decision PDF state the same cap with the same steps."""
    people = add_members(tree.cell_a, 5)
    enrol(period)
    propose_all(period, HTT)
    Report.objects.filter(subject__person=people[0]).update(
        self_level="HTXS", total_points=Decimal("95")
    )
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    group = rating(period, tree.cell_a, people[0]).subject.quota_group

    with pytest.raises(QuotaExceeded) as refused:
        appraisal.decide(period=period, unit=tree.district, user=authority, decided_on=DECIDED_ON)
    client.force_login(authority)
    html = client.get(reverse("ratings:quota_group", args=[group.pk])).content.decode()

    assert "tối đa 0" in str(refused.value)
    assert "tối đa 0 HTXS" in html.split('data-testid="quota-limit">')[1].split("</div>")[0]
    for step in refused.value.steps:
        assert step in html
    assert "Với 1 HTXS thì HTT còn 4: 20% × 4 = 0,8, làm tròn xuống = 0 (không đủ cho 1)." in (
        refused.value.steps
    )

    appraisal.apply_quota_suggestion(group=group, user=org_officer)
    decision = appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=DECIDED_ON
    )
    from ratings.decision_documents import decision_context

    (shown,) = decision_context(decision)["quota"]
    assert shown["steps"] == appraisal.group_status(group).steps
    assert shown["steps"][-1] == "Tối đa 0 HTXS. Đề nghị 0: không vượt tỷ lệ."

"""Deciding over open checks: the appraisal status follows the checks, and a subject whose
checks block (no report, no points, a level above a failed check's cap) is decided only with a
written reason that is stored, shown and audited. The R-Q5 exception ratio lives here too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from ratings.appraisal_status import BLOCKED, CAPPED, OPEN, PASSED, appraisal_state
from ratings.exceptions import ChecksNotMet
from ratings.models import Decision, Rating, RatingStatus
from ratings.services import appraisal
from reviews.models import Report

from .test_appraisal import HT, HTT, KHT, add_members, audit, enrol, propose_all, rating

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
    assert appraisal_state([met, capped], HT, rank).blocking == ["R-K1: bị kỷ luật."]
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

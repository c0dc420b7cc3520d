"""Remediation plans: written after a decision, carried into the next review, and required
for HTXS under QĐ 366 ("100% of previous shortcomings remedied")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from ratings.models import Rating
from ratings.services import appraisal
from reviews import exceptions
from reviews.models import RemediationItem, Report, Subject
from reviews.services import enrolment, periods, remediation
from reviews.services.reports import carried_remediation


@pytest.fixture
def last_year(tree, org_officer):
    return periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm năm 2025",
        kind="annual",
        year=2025,
        scope=tree.province,
        opens_on=dt.date(2025, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=org_officer,
    )


def _subject(period, person, unit) -> Subject:
    enrolment.enrol_period(period=period)
    return Subject.objects.get(period=period, person=person, unit=unit)


def test_add_remediation_item_rejects_empty_text(last_year, member, tree):
    subject = _subject(last_year, member.person, tree.cell_a)
    with pytest.raises(exceptions.ExplanationRequired):
        remediation.add_remediation_item(subject=subject, text="  ")


def test_add_remediation_item_does_carry_into_next_period_report(last_year, enrolled, member, tree):
    old = _subject(last_year, member.person, tree.cell_a)
    item = remediation.add_remediation_item(
        subject=old, text="Chậm nộp báo cáo tháng", due_on=dt.date(2026, 6, 30)
    )
    new = Subject.objects.get(period=enrolled, person=member.person, unit=tree.cell_a)
    assert list(carried_remediation(new)) == [item]


def test_appraise_does_cap_htxs_at_htt_when_a_shortcoming_is_not_remedied(
    last_year, enrolled, member, org_officer, tree
):
    old = _subject(last_year, member.person, tree.cell_a)
    item = remediation.add_remediation_item(subject=old, text="Chưa gương mẫu trong học tập")
    Report.objects.filter(subject__period=enrolled).update(
        self_level="HTXS", total_points=Decimal("95")
    )
    appraisal.appraise(period=enrolled, unit=tree.cell_a, user=org_officer)
    rating = Rating.objects.get(
        subject__period=enrolled, subject__person=member.person, subject__unit=tree.cell_a
    )
    assert rating.proposed_level == "HTT"
    assert any(c["code"] == "remediation" for c in rating.checks)

    # Reported remedied in this year's report: the condition holds again.
    Report.objects.filter(pk=rating.subject.report.pk).update(
        remediation={str(item.pk): {"status": "done", "note": "Đã hoàn thành"}}
    )
    appraisal.appraise(period=enrolled, unit=tree.cell_a, user=org_officer)
    rating.refresh_from_db()
    assert rating.proposed_level == "HTXS"


def test_rating_remediation_view_does_let_the_secretary_plan_and_update(
    client, enrolled, member, secretary, org_officer, tree
):
    Report.objects.filter(subject__period=enrolled).update(self_level="HTT", total_points=80)
    appraisal.appraise(period=enrolled, unit=tree.cell_a, user=org_officer)
    rating = Rating.objects.get(
        subject__period=enrolled, subject__person=member.person, subject__unit=tree.cell_a
    )
    client.force_login(secretary)
    response = client.post(
        reverse("ratings:rating_remediation", args=[rating.pk]),
        {"text": "Khắc phục việc chậm đóng đảng phí", "due_on": "2027-03-31"},
    )
    assert response.status_code == 302
    item = RemediationItem.objects.get(person=member.person, origin_period=enrolled)
    client.post(reverse("ratings:remediation_status", args=[item.pk]), {"status": "in_progress"})
    item.refresh_from_db()
    assert item.status == "in_progress"
    page = client.get(reverse("ratings:rating_file", args=[rating.pk])).content.decode()
    assert "Khắc phục việc chậm đóng đảng phí" in page

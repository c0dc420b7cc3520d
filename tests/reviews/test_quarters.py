"""Quarterly self-assessments (Mẫu 05): periods, enrolment, results and the annual report that
starts from them (QĐ 366 Art. 15, KL 198)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from documents import services as document_services
from reviews import exceptions, reminders, selectors
from reviews.documents import render_report_pdf
from reviews.models import QuarterResult, Report, ReportStatus, ReviewPeriod, Subject
from reviews.selectors import points_text
from reviews.services import enrolment, periods, quarters, reports
from reviews.services.reports import report_ruleset
from tests.conftest import quarter_period
from tests.reviews.test_documents import _run

# Per quarter: the share of each criterion's maximum the cadre gives themself. The maxima add
# up to 100 however the rule set splits them, so the totals are 80, 90 and 95.
SHARES = {1: Decimal("0.8"), 2: Decimal("0.9"), 3: Decimal("0.95")}
CENT = Decimal("0.01")


def quarter_scores(ruleset, share: Decimal) -> dict[str, float]:
    """Each criterion's points at `share` of its maximum, to the hundredth."""
    return {
        c.code: float((c.max_points * share).quantize(CENT))
        for c in ruleset.criteria_for_class("central_cadre")
    }


def started_scores(ruleset) -> dict[str, float]:
    """What "start from the quarters" gives each criterion: its quarters' average."""
    quarters = [quarter_scores(ruleset, share) for share in SHARES.values()]
    return {
        code: float(
            (sum(Decimal(str(q[code])) for q in quarters) / len(quarters)).quantize(
                CENT, ROUND_HALF_UP
            )
        )
        for code in quarters[0]
    }


def _quarter_report(period, person) -> Report:
    return Report.objects.select_related("subject__period", "subject__unit").get(
        subject__period=period, subject__person=person
    )


def _fill_and_submit(report: Report, user, share: Decimal) -> Report:
    ruleset = report_ruleset(report)
    scores = quarter_scores(ruleset, share)
    total = sum((Decimal(str(v)) for v in scores.values()), Decimal(0))
    report = reports.save_report_draft(
        report_id=report.pk,
        user=user,
        base_version=report.version,
        changes={
            "sections": {"results": "Hoàn thành các nhiệm vụ trọng tâm của quý."},
            "scores": scores,
            "self_level": ruleset.level_for_points(total),
        },
    )
    return reports.submit_report(report_id=report.pk, user=user)


# -- periods and enrolment --------------------------------------------------------------------


def test_create_period_rejects_quarter_when_rule_set_assesses_none(tree, org_officer):
    with pytest.raises(exceptions.QuarterNotAssessed):
        periods.create_period(
            name="Quý 1",
            kind="quarterly",
            quarter=1,
            year=2026,
            scope=tree.province,
            opens_on=dt.date(2026, 3, 1),
            ruleset_code="qd132-hd21",
        )


def test_create_period_rejects_fourth_quarter_when_folded_into_the_year(tree, org_officer):
    with pytest.raises(exceptions.QuarterNotAssessed, match="cuối năm"):
        quarter_period(tree.province, org_officer, 4)


def test_enrol_period_does_enrol_only_central_cadres_once_per_quarter(quarter_periods, cadre, tree):
    subjects = list(Subject.objects.filter(period=quarter_periods[1]).select_related("report"))

    assert [(s.person_id, s.unit_id, s.subject_class) for s in subjects] == [
        (cadre.person.pk, tree.cell_a.pk, "central_cadre")
    ]
    assert subjects[0].report.form_code == "05"


def test_enrol_period_does_review_a_central_cadre_in_that_class_in_the_year(period, cadre):
    enrolment.enrol_period(period=period)

    classes = set(
        Subject.objects.filter(period=period, person=cadre.person).values_list(
            "subject_class", flat=True
        )
    )
    assert classes == {"central_cadre"}


def test_quarter_last_day_is_the_day_before_the_15th_of_the_quarters_last_month(
    quarter_periods,
):
    days = [
        selectors.quarter_last_day(p, selectors.ruleset_for_unit(p, p.scope))
        for p in quarter_periods.values()
    ]
    assert days == [dt.date(2026, 3, 14), dt.date(2026, 6, 14), dt.date(2026, 9, 14)]


def test_self_report_due_does_use_the_quarter_deadline_for_reminders(quarter_periods, tree):
    due = reminders.self_report_due(quarter_periods[2], [tree.cell_a.pk])

    assert due == {tree.cell_a.pk: dt.date(2026, 6, 14)}


# -- the quarter's result ---------------------------------------------------------------------


def test_record_quarter_result_rejects_when_the_report_is_not_submitted(
    quarter_periods, cadre, authority
):
    report = _quarter_report(quarter_periods[1], cadre.person)
    with pytest.raises(exceptions.QuarterResultRefused):
        quarters.record_quarter_result(subject=report.subject, level="HTT", user=authority)
    assert not QuarterResult.objects.exists()


def test_record_quarter_result_rejects_when_the_period_is_annual(period, cadre, authority):
    enrolment.enrol_period(period=period)
    subject = Subject.objects.filter(period=period, person=cadre.person).first()
    with pytest.raises(exceptions.QuarterResultRefused):
        quarters.record_quarter_result(subject=subject, level="HTT", user=authority)


def test_record_quarter_result_rejects_level_when_unknown(quarter_periods, cadre, authority):
    report = _fill_and_submit(_quarter_report(quarter_periods[1], cadre.person), cadre, SHARES[1])
    with pytest.raises(exceptions.InvalidScore):
        quarters.record_quarter_result(subject=report.subject, level="XUAT_SAC", user=authority)


def test_start_from_quarters_rejects_when_no_quarter_was_submitted(quarter_periods, period, cadre):
    enrolment.enrol_period(period=period)
    annual = Report.objects.filter(subject__period=period, subject__person=cadre.person).first()
    with pytest.raises(exceptions.NoQuarterResults):
        quarters.start_from_quarters(report_id=annual.pk, user=cadre, base_version=annual.version)


# -- the round trip ---------------------------------------------------------------------------


def test_quarter_round_trip_three_quarterly_assessments_feed_the_annual_report(
    quarter_periods, period, cadre, authority
):
    recorded = {1: "HTT", 2: "HTT", 3: "HTXS"}
    for q, each in quarter_periods.items():
        report = _fill_and_submit(_quarter_report(each, cadre.person), cadre, SHARES[q])
        assert report.status == ReportStatus.SUBMITTED
        quarters.record_quarter_result(
            subject=report.subject, level=recorded[q], user=authority, today=dt.date(2026, 9, 20)
        )
    enrolment.enrol_period(period=period)
    annual = Report.objects.select_related("subject__period", "subject__unit").get(
        subject__period=period, subject__person=cadre.person, subject__unit__kind="party_cell"
    )

    summary = selectors.quarter_summary(annual)

    rows = [(ln.quarter, ln.total_text, ln.self_level, ln.result_level) for ln in summary.lines]
    assert rows == [
        (1, "80,00", "Hoàn thành tốt nhiệm vụ", "Hoàn thành tốt nhiệm vụ"),
        (2, "90,00", "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ"),
        (3, "95,00", "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành xuất sắc nhiệm vụ"),
    ]
    assert (summary.average_text, summary.average_level) == ("88,33", "Hoàn thành tốt nhiệm vụ")

    started = quarters.start_from_quarters(
        report_id=annual.pk, user=cadre, base_version=annual.version
    )

    expected = started_scores(report_ruleset(started))
    assert started.scores == expected
    assert started.total_points == sum((Decimal(str(v)) for v in expected.values()), Decimal(0))
    assert started.status == ReportStatus.DRAFTING


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_annual_report_pdf_does_show_the_quarter_results(quarter_periods, period, cadre, authority):
    for q, each in quarter_periods.items():
        report = _fill_and_submit(_quarter_report(each, cadre.person), cadre, SHARES[q])
        quarters.record_quarter_result(subject=report.subject, level="HTT", user=authority)
    enrolment.enrol_period(period=period)
    annual = Report.objects.filter(subject__period=period, subject__person=cadre.person).first()

    path = _artifacts() / "quarter-annual-report.pdf"
    path.write_bytes(render_report_pdf(annual))
    flat = " ".join(_run("pdftotext", "-layout", path, "-").split())

    assert "Kết quả tự đánh giá, xếp loại các quý trong năm" in flat
    assert "Quý 1 80,00 Hoàn thành tốt nhiệm vụ Hoàn thành tốt nhiệm vụ" in flat
    assert "Quý 3 95,00 Hoàn thành xuất sắc nhiệm vụ Hoàn thành tốt nhiệm vụ" in flat
    assert "Điểm bình quân các quý: 88,33 điểm (Hoàn thành tốt nhiệm vụ)" in flat


def _artifacts() -> Path:
    out = Path(settings.BASE_DIR) / "test-artifacts"
    out.mkdir(exist_ok=True)
    return out


def test_quarter_summary_is_none_for_a_person_without_quarters(member_report):
    assert selectors.quarter_summary(member_report) is None


# -- the Mẫu 05 PDF through the worker --------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_quarterly_report_pdf_does_show_quarter_scores_total_and_level_via_the_worker(
    quarter_periods, cadre, authority, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    report = _fill_and_submit(_quarter_report(quarter_periods[2], cadre.person), cadre, SHARES[2])
    quarters.record_quarter_result(subject=report.subject, level="HTT", user=authority)

    with django_capture_on_commit_callbacks(execute=True):
        job = document_services.request_document(kind="report", object_id=report.pk, user=cadre)
    job.refresh_from_db()
    flat = " ".join(_run("pdftotext", "-layout", job.file.path, "-").split())
    shutil.copy(job.file.path, _artifacts() / "quarter-05.pdf")

    assert "BẢN TỰ ĐÁNH GIÁ, XẾP LOẠI CỦA CÁ NHÂN" in flat
    assert "Quý 2 năm 2026" in flat
    assert "Mẫu 05" in flat
    assert "Tổng điểm: 90/100" in flat  # the totals line of B.I, per part and in all
    assert "Tự nhận mức xếp loại: Hoàn thành xuất sắc nhiệm vụ" in flat
    assert "Kết quả xếp loại của cấp có thẩm quyền: Hoàn thành tốt nhiệm vụ" in flat
    task = next(
        c for c in report_ruleset(report).criteria_for_class("central_cadre") if c.group == "tasks"
    )
    assert points_text(task.max_points * SHARES[2]).rstrip("0").rstrip(",") in flat


# -- pages ------------------------------------------------------------------------------------


def test_period_create_view_rejects_fourth_quarter_with_a_vietnamese_message(
    client, tree, org_officer
):
    client.force_login(org_officer)
    data = {
        "name": "Tự đánh giá quý 4 năm 2026",
        "kind": "quarterly",
        "year": "2026",
        "quarter": "4",
        "scope": str(tree.district.pk),
        "opens_on": "2026-12-01",
        "ruleset": "qd366-hd43",
    }

    response = client.post(reverse("reviews:period_create"), data)

    assert response.status_code == 200
    assert "gộp vào đánh giá cuối năm" in response.content.decode()
    assert not ReviewPeriod.objects.exists()


def test_period_detail_does_show_when_quarterly_reports_are_due(client, quarter_periods, cadre):
    client.force_login(cadre)

    response = client.get(reverse("reviews:period_detail", args=[quarter_periods[3].pk]))

    assert "trước ngày 15/09/2026" in response.content.decode()

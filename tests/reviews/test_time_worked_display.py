"""Where a subject rated on the time actually worked (HD 43 §7.5) is told so: the report
editor, the report page, the eligibility badge and the report PDF."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.urls import reverse

from orgunits.models import Absence, AbsenceKind
from reviews.documents import render_report_pdf
from reviews.models import Report
from reviews.services.enrolment import enrol_period

TIME_WORKED = "đánh giá trên kết quả làm việc thực tế"


@pytest.fixture
def sick_report(period, member, tree) -> Report:
    Absence.objects.create(
        person=member.person,
        kind=AbsenceKind.SICK_LEAVE,
        start_date=dt.date(2026, 2, 2),
        end_date=dt.date(2026, 6, 1),
    )
    enrol_period(period=period)
    return Report.objects.get(subject__period=period, subject__person=member.person)


def test_report_editor_does_say_rated_on_time_worked_when_sick_leave_over_3_months_qd366(
    client, member, sick_report
):
    client.force_login(member)
    page = client.get(reverse("reviews:report_edit", args=[sick_report.pk])).content.decode()
    assert 'data-testid="rated-on-time-worked"' in page
    assert f"Nghỉ ốm 4 tháng trong năm (từ 3 tháng trở lên): {TIME_WORKED}." in page


def test_subject_page_does_badge_rated_on_time_worked(client, org_officer, sick_report):
    client.force_login(org_officer)
    url = reverse("reviews:subject_detail", args=[sick_report.subject_id])
    page = client.get(url).content.decode()
    assert 'data-testid="eligibility-time-worked"' in page
    assert TIME_WORKED in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_report_pdf_does_say_rated_on_time_worked(sick_report, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(render_report_pdf(sick_report))
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-raw", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert TIME_WORKED in " ".join(text.split())

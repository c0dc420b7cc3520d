"""Submitting a report asks first: it locks the report until the secretary returns it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reviews.models import ReportStatus
from tests.reviews.test_reports import _complete

pytestmark = pytest.mark.django_db(transaction=True)


def test_submit_asks_for_confirmation_before_locking_the_report(
    page, live_server, member_report, member, console_errors, login, screenshot
):
    report = _complete(member_report, member)
    login("member")
    page.goto(f"{live_server.url}/reports/{report.pk}/edit/")
    expect(page.get_by_test_id("submit-problems")).to_be_empty()
    confirm = page.get_by_label(
        "Nộp bản kiểm điểm? Sau khi nộp, bạn không sửa được nữa, trừ khi bí thư trả lại để bổ sung."
    )
    expect(confirm).not_to_be_checked()

    # Without the tick the browser does not send the form: the report stays a draft.
    page.get_by_test_id("submit-button").click()
    assert page.url.endswith(f"/reports/{report.pk}/edit/")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    screenshot("report-submit-confirm")

    confirm.check()
    page.get_by_test_id("submit-button").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Đã nộp")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

"""A central cadre's year: Mẫu 05 for the first three quarters, the competent level records
each result, and the annual report starts from them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from reviews.models import QuarterResult, Report
from reviews.selectors import points_text
from reviews.services import enrolment
from reviews.services.reports import report_ruleset
from tests.reviews.test_quarters import SHARES, quarter_scores, started_scores

pytestmark = pytest.mark.django_db(transaction=True)

# Per quarter: the proposed level and the level the competent level records.
LEVELS = {1: ("HTT", "HTT"), 2: ("HTXS", "HTT"), 3: ("HTXS", "HTXS")}


def _fill_quarter(page, live_server, report: Report, quarter: int) -> None:
    page.goto(f"{live_server.url}/reports/{report.pk}/edit/")
    due = dt.date(2026, quarter * 3, 15).strftime("%d/%m/%Y")
    expect(page.get_by_test_id("quarter-due")).to_contain_text(f"trước ngày {due}")
    page.get_by_test_id("text-results").fill(f"Hoàn thành các nhiệm vụ trọng tâm quý {quarter}.")
    for code, points in quarter_scores(report_ruleset(report), SHARES[quarter]).items():
        page.get_by_test_id(f"score-{code}").fill(str(points))
    page.locator(f"#level-{LEVELS[quarter][0]}").check()
    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("Đã lưu")
    page.get_by_test_id("submit-confirm").check()
    page.get_by_test_id("submit-button").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Đã nộp")


def test_quarter_round_trip_three_quarterly_assessments_feed_the_annual_file(
    page, live_server, quarter_periods, cadre, authority, period, console_errors, login, screenshot
):
    quarterly = {
        q: Report.objects.get(subject__period=p, subject__person=cadre.person)
        for q, p in quarter_periods.items()
    }
    login("member")
    for quarter, report in quarterly.items():
        _fill_quarter(page, live_server, report, quarter)
        if quarter == 2:
            screenshot("quarter-05-submitted")

    page.context.clear_cookies()
    login("authority")
    for quarter, report in quarterly.items():
        page.goto(f"{live_server.url}/reports/{report.pk}/")
        page.locator("#quarter-level").select_option(LEVELS[quarter][1])
        page.get_by_test_id("quarter-result-submit").click()
        expect(page.get_by_test_id("quarter-result")).to_contain_text("Hoàn thành")
    screenshot("quarter-05-recorded")
    assert QuarterResult.objects.count() == 3

    enrolment.enrol_period(period=period)
    annual = Report.objects.get(
        subject__period=period, subject__person=cadre.person, subject__unit__kind="party_cell"
    )
    page.context.clear_cookies()
    login("member")
    page.goto(f"{live_server.url}/reports/{annual.pk}/edit/")
    summary = page.get_by_test_id("quarter-line")
    expect(summary).to_contain_text("Kết quả các quý:")
    expect(summary).to_contain_text("Quý 1: 80,00 điểm – Hoàn thành tốt nhiệm vụ")
    expect(summary).to_contain_text("Quý 2: 90,00 điểm – Hoàn thành tốt nhiệm vụ")
    expect(summary).to_contain_text("Quý 3: 95,00 điểm – Hoàn thành xuất sắc nhiệm vụ")
    expect(page.get_by_test_id("quarter-average")).to_contain_text(
        "Điểm bình quân các quý: 88,33 điểm (Hoàn thành tốt nhiệm vụ)."
    )

    page.get_by_test_id("start-from-quarters").click()
    expected = started_scores(report_ruleset(annual))
    first = next(iter(expected))
    expect(page.get_by_test_id(f"score-{first}")).to_have_value(
        f"{expected[first]:.2f}".rstrip("0").rstrip(".")
    )
    total = sum((Decimal(str(v)) for v in expected.values()), Decimal(0))
    expect(page.get_by_test_id("score-total")).to_contain_text(points_text(total))
    screenshot("quarter-annual-started")
    annual.refresh_from_db()
    assert annual.scores == expected

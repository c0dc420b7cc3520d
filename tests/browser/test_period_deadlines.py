"""The period page as an officer reads it: the fixed dates of the QĐ 366 season (HD 43 §4)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from reviews.services.periods import create_period

pytestmark = pytest.mark.django_db(transaction=True)


def test_period_page_shows_the_season_deadlines(
    page, live_server, tree, org_officer, console_errors, login, screenshot
):
    period = create_period(
        name="Kiểm điểm năm 2026",
        kind="annual",
        year=2026,
        scope=tree.district,
        opens_on=dt.date(2026, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=org_officer,
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
    )
    login("org_officer")
    page.goto(f"{live_server.url}/periods/{period.pk}/")
    deadlines = page.get_by_test_id("period-deadlines")
    expect(deadlines).to_contain_text("Các hạn cố định của đợt kiểm điểm")
    finish = page.get_by_test_id("deadline-finish")
    expect(finish).to_contain_text("Hoàn thành kiểm điểm, đánh giá, xếp loại chất lượng trước ngày")
    expect(finish).to_contain_text("31/12/2026")
    expect(page.get_by_test_id("deadline-special_finish")).to_contain_text("15/01/2027")
    expect(page.get_by_test_id("deadline-records")).to_contain_text("01/02/2027")
    screenshot("period-deadlines")

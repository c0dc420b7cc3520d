"""Saved self-scores survive a reload of the report editor, with the right total and band."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reviews.services.reports import report_ruleset

pytestmark = pytest.mark.django_db(transaction=True)

SCORES = {"K_CT": "13.5", "K_NL": "9.5", "K_TPB": "4", "K_NV": "62"}  # Annex 4 groups


def test_saved_scores_are_still_there_after_a_reload_with_total_and_band(
    page, live_server, member_report, console_errors, login
):
    criteria = report_ruleset(member_report).criteria_for_class(member_report.subject.subject_class)
    assert [c.code for c in criteria] == list(SCORES)
    login("member")
    url = f"{live_server.url}/reports/{member_report.pk}/edit/"
    page.goto(url)
    for code, value in SCORES.items():
        page.get_by_test_id(f"score-{code}").fill(value)
    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("Đã lưu")
    expect(page.get_by_test_id("score-total")).to_have_text("89,00")

    page.reload()
    for code, value in SCORES.items():
        expect(page.get_by_test_id(f"score-{code}")).to_have_value(value)
    expect(page.get_by_test_id("score-total")).to_have_text("89,00")
    expect(page.get_by_test_id("score-band")).to_have_text("Hoàn thành tốt nhiệm vụ")

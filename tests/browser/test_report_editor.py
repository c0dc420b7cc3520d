"""The report editor in a real browser: autosave, the browser-side mirror, conflicts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reviews.models import Report
from reviews.services import reports

pytestmark = pytest.mark.django_db(transaction=True)


def _first_text_key(report: Report) -> str:
    form = reports.report_ruleset(report).form_for_class(report.subject.subject_class)
    return next(s.key for s in form.sections if s.kind == "text")


def test_two_tabs_on_one_report_get_a_conflict_and_lose_no_text(
    page, context, live_server, member_report, console_errors, login, screenshot
):
    login("member")
    key = _first_text_key(member_report)
    url = f"{live_server.url}/reports/{member_report.pk}/edit/"
    page.goto(url)
    other = context.new_page()
    other_errors: list[str] = []
    other.on("response", lambda r: other_errors.append(r.url) if r.status >= 400 else None)
    other.goto(url)

    # Tab one saves first.
    page.get_by_test_id(f"text-{key}").fill("Văn bản của tab thứ nhất.")
    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("Đã lưu")

    # Tab two, still on the old version, types and saves: a conflict, not an overwrite.
    other.get_by_test_id(f"text-{key}").fill("Văn bản của tab thứ hai, gõ sau.")
    other.get_by_test_id("save-button").click()
    expect(other.get_by_test_id("conflict-panel")).to_be_visible()
    expect(other.get_by_test_id("conflict-panel")).to_contain_text("Văn bản của tab thứ nhất.")
    expect(other.get_by_test_id("conflict-panel")).to_contain_text("Văn bản của tab thứ hai")
    member_report.refresh_from_db()
    assert member_report.sections[key] == "Văn bản của tab thứ nhất."
    screenshot("report-conflict")

    # The person merges both texts by hand and saves the merged version.
    other.get_by_test_id(f"text-{key}").fill(
        "Văn bản của tab thứ nhất. Văn bản của tab thứ hai, gõ sau."
    )
    other.get_by_test_id("conflict-resolve").click()
    expect(other.get_by_test_id("save-status")).to_contain_text("Đã lưu")
    member_report.refresh_from_db()
    assert member_report.sections[key] == (
        "Văn bản của tab thứ nhất. Văn bản của tab thứ hai, gõ sau."
    )
    assert [u for u in other_errors if "autosave" not in u] == []
    # The 409 the conflict produced is expected; nothing else failed.
    console_errors[:] = [e for e in console_errors if "409" not in e]


def test_unsaved_text_survives_a_lost_connection_and_is_restored(
    page, context, live_server, member_report, console_errors, login
):
    login("member")
    key = _first_text_key(member_report)
    url = f"{live_server.url}/reports/{member_report.pk}/edit/"
    page.goto(url)
    # The connection drops: every autosave fails (even the one sent as the window closes),
    # then the browser window is lost.
    context.set_offline(True)
    page.get_by_test_id(f"text-{key}").fill("Đoạn văn gõ khi mất mạng.")
    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("Chưa lưu")
    page.close()
    context.set_offline(False)
    console_errors.clear()  # the aborted requests above are the point of the test
    member_report.refresh_from_db()
    assert member_report.sections.get(key, "") == ""

    # Opening the report again in the same browser restores the text and saves it.
    again = context.new_page()
    again.goto(url)
    expect(again.get_by_test_id("restore-notice")).to_be_visible()
    expect(again.get_by_test_id(f"text-{key}")).to_have_value("Đoạn văn gõ khi mất mạng.")
    expect(again.get_by_test_id("save-status")).to_contain_text("Đã lưu")
    member_report.refresh_from_db()
    assert member_report.sections[key] == "Đoạn văn gõ khi mất mạng."

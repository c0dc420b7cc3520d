"""The report editor on a phone (390×844): note fields keep a usable width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_phone_editor_keeps_checklist_notes_and_scores_usable(
    page, live_server, member_report, console_errors, login, screenshot
):
    page.set_viewport_size(PHONE)
    login("member")
    page.goto(f"{live_server.url}/reports/{member_report.pk}/edit/")
    notes = page.locator('input[name^="checklist:"][name$=":note"]')
    expect(notes.first).to_be_visible()
    assert notes.count() > 5
    widths = [box["width"] for box in (notes.nth(i).bounding_box() for i in range(notes.count()))]
    assert min(widths) >= 200, f"narrowest note field {min(widths):.0f} px"
    notes.first.fill("Ghi chú gõ trên điện thoại")
    expect(notes.first).to_have_value("Ghi chú gõ trên điện thoại")
    scores = page.locator('input[name^="scores:"]')
    assert min(scores.nth(i).bounding_box()["width"] for i in range(scores.count())) >= 60
    # Nothing overflows the screen sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    notes.first.scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/phone-editor-checklist.png")

"""The organisation department's journey: appraise a unit's proposals, see a quota breach
explained with the cap computation, apply the suggested adjustment, decide, publish; a member
logs in and sees their result."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ratings.models import Decision, DecisionStatus, Rating, RatingStatus

from ..ratings.test_appraisal_views import build_breach

pytestmark = pytest.mark.django_db(transaction=True)


def watch(page: Page, errors: list[str]) -> Page:
    """Record console errors and failed responses of a page opened in another context."""
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on(
        "response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
    )
    return page


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "matkhau-123")
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_officer_appraises_applies_quota_authority_decides_member_sees_result(
    page,
    browser,
    live_server,
    enrolled,
    tree,
    member,
    org_officer,
    authority,
    console_errors,
    login,
    screenshot,
):
    breach = build_breach(enrolled, tree, member)
    appraisal_url = f"{live_server.url}/periods/{enrolled.pk}/units/{tree.district.pk}/appraisal/"

    # The organisation officer runs the checks on the district's proposals.
    login("org_officer")
    page.goto(appraisal_url)
    page.get_by_test_id("run-checks").click()
    table = page.get_by_test_id("appraisal-table")
    first = table.get_by_test_id("appraisal-row").first
    expect(first).to_contain_text(tree.district.name)  # the collective comes first
    expect(first.get_by_test_id("level")).to_have_text("HTT")
    top = table.get_by_test_id("appraisal-row").filter(has_text=breach.candidates[0].full_name)
    expect(top.get_by_test_id("points")).to_contain_text("99")
    expect(top.locator("[data-testid=check][data-code=points]")).to_contain_text("Tổng điểm 99")
    breached = page.locator("[data-testid=quota-group-link][data-exceeded=true]")
    expect(breached).to_have_count(1)
    expect(breached.get_by_test_id("quota-exceeded")).to_be_visible()
    screenshot("org-appraisal-checks")

    # The authority tries to decide: refused, with the cap computation spelled out.
    errors: list[str] = []
    authority_context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    decider = watch(authority_context.new_page(), errors)
    sign_in(decider, live_server, "authority")
    decider.goto(appraisal_url)
    decider.get_by_test_id("decide-form").locator("input[name=number]").fill("15-QĐ/ĐU")
    decider.get_by_test_id("decide-form").locator("input[name=decided_on]").fill("2026-12-28")
    decider.get_by_label("Tôi đã kiểm tra danh sách", exact=False).check()
    decider.get_by_test_id("decide-button").click()
    steps = decider.get_by_test_id("error-steps")
    expect(steps).to_contain_text("Tối đa 1 HTXS")
    expect(steps.locator("li")).to_have_count(5)
    decider.screenshot(path="test-artifacts/org-decide-refused.png", full_page=True)
    assert not Decision.objects.exists()

    # The officer opens the group: the cap, how it was computed, who would move down.
    breached.click()
    expect(page.get_by_test_id("quota-computation")).to_contain_text("làm tròn xuống")
    expect(page.get_by_test_id("quota-step")).to_have_count(5)
    expect(page.get_by_test_id("quota-limit")).to_contain_text("tối đa 1 HTXS")
    candidates = page.get_by_test_id("quota-candidate")
    expect(candidates).to_have_count(4)
    expect(candidates.first).to_have_attribute("data-moves", "false")
    expect(page.get_by_test_id("moves-down")).to_have_count(3)
    screenshot("org-quota-breach")
    page.get_by_test_id("quota-apply").click()
    expect(page.get_by_test_id("quota-candidate")).to_have_count(1)
    expect(page.get_by_test_id("quota-apply")).to_have_count(0)
    screenshot("org-quota-applied")
    adjusted = Rating.objects.get(subject__person=breach.candidates[3])
    assert adjusted.level == "HTT" and adjusted.quota_adjusted

    # The moved candidate's file shows the level's history with the reason of the adjustment.
    page.goto(appraisal_url)
    page.get_by_test_id("rating-file-link").filter(has_text=breach.candidates[3].full_name).click()
    events = page.get_by_test_id("level-event")
    expect(events).to_have_count(2)
    expect(events.last).to_contain_text("HTXS → HTT")
    expect(events.last).to_contain_text("Điều chỉnh theo tỷ lệ tối đa HTXS")
    expect(page.get_by_test_id("rating-level")).to_have_text("HTT")
    screenshot("org-rating-file")

    # The authority decides, then publishes.
    decider.goto(appraisal_url)
    expect(decider.locator("[data-testid=quota-group-link][data-exceeded=true]")).to_have_count(0)
    decider.get_by_test_id("decide-form").locator("input[name=number]").fill("15-QĐ/ĐU")
    decider.get_by_test_id("decide-form").locator("input[name=decided_on]").fill("2026-12-28")
    decider.get_by_label("Tôi đã kiểm tra danh sách", exact=False).check()
    decider.get_by_test_id("decide-button").click()
    expect(decider.get_by_test_id("decision-status")).to_be_visible()
    expect(decider.get_by_test_id("decided-rating").first).to_be_visible()
    decider.get_by_test_id("publish-confirm").check()
    decider.get_by_test_id("publish-button").click()
    expect(decider.get_by_test_id("published-at")).to_be_visible()
    decider.screenshot(path="test-artifacts/org-decision-published.png", full_page=True)
    decision = Decision.objects.get()
    assert decision.status == DecisionStatus.PUBLISHED
    assert (
        not Rating.objects.filter(subject__period=enrolled)
        .exclude(status=RatingStatus.PUBLISHED)
        .filter(subject__unit__path__startswith=tree.district.path)
        .exists()
    )
    authority_context.close()
    assert not errors, "\n".join(errors)

    # The member logs in and sees their own result, and no one else's.
    member_context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    own = watch(member_context.new_page(), errors)
    sign_in(own, live_server, "member")
    own.get_by_test_id("nav-my-results").click()
    results = own.get_by_test_id("my-result")
    expect(results).to_have_count(2)  # chi bộ A and the leadership collective (R-E4)
    expect(own.get_by_test_id("my-level").first).to_contain_text("HTT")
    expect(own.get_by_test_id("my-results")).not_to_contain_text(breach.candidates[0].full_name)
    own.screenshot(path="test-artifacts/member-my-results.png", full_page=True)
    own.get_by_test_id("my-history-link").click()
    expect(own.get_by_test_id("history-row")).to_have_count(1)
    expect(own.get_by_test_id("history-level")).to_have_text("HTT")
    own.screenshot(path="test-artifacts/member-history.png", full_page=True)
    member_context.close()
    assert not errors, "\n".join(errors)

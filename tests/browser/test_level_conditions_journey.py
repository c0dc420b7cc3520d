"""QĐ 366 Art. 11 and 15(3) in the browser: the organisation officer enters a member's appraisal
facts on the appraisal page, runs the checks and sees the KHT trigger with its reason; after the
decision the authority re-rates a wrong level and gets the Mẫu 03 decision."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from ratings.services import appraisal

from ..ratings.test_appraisal import HTT, enrol, propose_all, rating

pytestmark = pytest.mark.django_db(transaction=True)


def test_officer_enters_facts_sees_the_trigger_and_authority_rerates(
    page, live_server, period, tree, member, org_officer, authority, console_errors, login,
    screenshot,
):  # fmt: skip
    enrol(period)
    propose_all(period, HTT)
    name = member.person.full_name
    appraisal_url = f"{live_server.url}/periods/{period.pk}/units/{tree.district.pk}/appraisal/"

    login("org_officer")
    page.goto(appraisal_url)
    page.get_by_test_id("run-checks").click()
    row = page.get_by_test_id("appraisal-row").filter(has_text=name)
    row.get_by_test_id("facts-link").click()
    panel = page.get_by_test_id("facts-panel")
    expect(panel).to_contain_text(name)
    panel.locator("#id_facts_tasks_completed_pct").fill("100")
    panel.locator("#id_facts_tasks_on_time_pct").fill("100")
    panel.locator("#id_facts_degradation_found").check()
    panel.locator("#id_facts_reason").fill("Kết luận của Ủy ban kiểm tra ngày 10/11/2026")
    screenshot("levels366-facts-panel")
    panel.get_by_test_id("facts-submit").click()
    row = page.get_by_test_id("appraisal-row").filter(has_text=name)
    expect(row.get_by_test_id("facts-entered")).to_be_visible()
    page.get_by_test_id("run-checks").click()
    row = page.get_by_test_id("appraisal-row").filter(has_text=name)
    expect(row.locator("[data-testid=check][data-code=art11_degradation]")).to_contain_text(
        "Không hoàn thành nhiệm vụ: có biểu hiện suy thoái"
    )
    expect(row.get_by_test_id("proposed-level")).to_have_text("KHT")
    screenshot("levels366-appraisal-trigger")

    # Decided as KHT; the authority later finds the finding was withdrawn and re-rates.
    appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=dt.date(2026, 12, 20)
    )
    r = rating(period, tree.cell_a, member.person)
    login("authority")
    page.goto(f"{live_server.url}/ratings/{r.pk}/")
    page.get_by_test_id("rerate-toggle").click()
    form = page.get_by_test_id("rerate-form")
    form.locator("select[name=level]").select_option("HTT")
    form.locator("input[name=number]").fill("31-QĐ/ĐU")
    form.locator("textarea[name=reason]").fill("Kết luận về biểu hiện suy thoái đã được rút lại")
    form.get_by_test_id("rerate-submit").click()
    expect(page.get_by_test_id("rerating")).to_contain_text("KHT → HTT")
    screenshot("levels366-rating-file-rerated")

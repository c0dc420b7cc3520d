"""A province administrator changes the point split in the UI; a new period uses it, an open
period keeps its snapshot (issue 11, acceptance)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from orgunits import services
from orgunits.roles import Role
from reviews.services.periods import create_period

from ..factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LEADERS = "Cá nhân giữ chức vụ lãnh đạo, quản lý các cấp"
# Phụ lục 3 groups of the general part in the central rule set's provisional split.
NEW_GENERAL = {"L_CT": "8", "L_DD": "8", "L_NL": "5", "L_UT": "5", "L_TPB": "4"}


def test_province_admin_changes_the_point_split_a_new_period_uses_it_an_open_one_keeps_its_own(
    page, live_server, tree, console_errors, login, screenshot
):
    admin = UserFactory(username="province_admin")
    services.grant_role(user=admin, unit=tree.province, role=Role.ADMINISTRATOR)
    already_open = create_period(
        name="Kiểm điểm năm 2026",
        kind="annual",
        year=2026,
        scope=tree.province,
        opens_on=dt.date(2026, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=admin,
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
    )
    login("province_admin")

    # The administrator finds the province's split from the list of periods.
    page.goto(f"{live_server.url}/periods/")
    page.get_by_test_id("point-split-link").click()
    expect(page.get_by_test_id("point-split-help")).to_contain_text("không do Trung ương quy định")
    expect(page.get_by_test_id("point-split-class")).to_have_count(5)
    expect(page.get_by_test_id("point-split-no-versions")).to_be_visible()

    # A split that does not add up to 30 is refused with a clear message.
    page.get_by_test_id("max-L_CT").fill("10")
    page.get_by_label("Văn bản của tỉnh quy định cách chia điểm").fill(
        "Hướng dẫn 05-HD/BTCTU ngày 20/11/2026"
    )
    page.get_by_label("Lý do").fill("Tăng điểm nhóm tiêu chí về chính trị cho cán bộ lãnh đạo.")
    page.get_by_test_id("point-split-save").click()
    expect(page.get_by_test_id("point-split-errors")).to_contain_text(
        f"«{LEADERS}»: các nhóm tiêu chí chung cộng lại 34 điểm, phải đúng 30 điểm."
    )

    for code, value in NEW_GENERAL.items():
        page.get_by_test_id(f"max-{code}").fill(value)
    page.get_by_test_id("point-split-save").click()
    expect(page.get_by_role("alert").first).to_contain_text("phiên bản 1")
    expect(page.get_by_test_id("point-split-versions")).to_contain_text(
        "Tăng điểm nhóm tiêu chí về chính trị cho cán bộ lãnh đạo."
    )
    expect(page.get_by_test_id("max-L_CT")).to_have_value("8")
    screenshot("point-split")

    # A new period opened afterwards, through the form.
    page.goto(f"{live_server.url}/periods/new/")
    page.fill("#id_name", "Kiểm điểm năm 2027")
    page.select_option("#id_kind", "annual")
    page.fill("#id_year", "2027")
    page.select_option("#id_scope", str(tree.province.pk))
    page.fill("#id_opens_on", "2027-12-01")
    page.select_option("#id_ruleset", "qd366-hd43")
    page.get_by_test_id("period-submit").click()
    page.get_by_test_id("placeholders-reason").fill(
        "Tỉnh cho mở kỳ; nội dung chờ nguyên văn được nhập trước hội nghị."
    )
    page.get_by_test_id("period-submit").click()
    expect(page.locator("h1")).to_contain_text("Kiểm điểm năm 2027")
    new_period_url = page.url

    # The new period's rules show the province's split; the open one keeps the central one.
    page.goto(f"{new_period_url}rules/?unit={tree.cell_a.pk}")
    leaders = (
        page.get_by_test_id("rules-row").filter(has_text=LEADERS).filter(has_text="điểm tối đa")
    )
    expect(leaders).to_contain_text("chung 8 + 8 + 5 + 5 + 4 = 30")
    expect(page.get_by_test_id("ruleset-local")).to_be_visible()
    page.goto(f"{live_server.url}/periods/{already_open.pk}/rules/?unit={tree.cell_a.pk}")
    leaders = (
        page.get_by_test_id("rules-row").filter(has_text=LEADERS).filter(has_text="điểm tối đa")
    )
    expect(leaders).to_contain_text("chung 6 + 6 + 6 + 6 + 6 = 30")
    screenshot("point-split-open-period-rules")

"""A secretary gives the cell's new members logins from the roster; a member activates it
with the printed code, signs in for the first time; the secretary later closes it."""

from __future__ import annotations

import pytest

from orgunits.models import MembershipRole
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_secretary_creates_logins_member_activates_signs_in_and_is_closed(
    page, browser, live_server, login, secretary, tree, console_errors, screenshot
):
    for n, name in enumerate(["Nguyễn Thị Hoa", "Trần Văn Nam"]):
        person = PersonFactory(code=f"DV-10{n}", full_name=name, email="")
        MembershipFactory(person=person, unit=tree.cell_a, role=MembershipRole.PARTY_MEMBER)

    login("secretary")
    page.goto(f"{live_server.url}/units/{tree.cell_a.pk}/")
    page.click("[data-testid=unit-accounts-link]")
    page.get_by_label("Nguyễn Thị Hoa").check()
    page.get_by_label("Trần Văn Nam").check()
    screenshot("secretary-unit-accounts")
    page.click("[data-testid=issue-activation]")
    assert page.locator("[data-testid=activation-slip]").count() == 2
    screenshot("secretary-activation-slips")
    slip = page.locator("[data-testid=activation-slip]", has_text="Nguyễn Thị Hoa")
    username = slip.locator("[data-testid=slip-username]").inner_text()
    code = slip.locator("[data-testid=slip-code]").inner_text()

    member_context = browser.new_context(locale="vi-VN")
    member_page = member_context.new_page()
    member_page.goto(f"{live_server.url}/accounts/activate/")
    member_page.fill("#id_username", username)
    member_page.fill("#id_code", code)
    member_page.fill("#id_password", "Hoa-dang-vien-2026")
    member_page.fill("#id_password_again", "Hoa-dang-vien-2026")
    member_page.get_by_role("button", name="Kích hoạt").click()
    member_page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert member_page.get_by_text("Tài khoản đã sẵn sàng").is_visible()
    member_page.fill("input[name=username]", username)
    member_page.fill("input[name=password]", "Hoa-dang-vien-2026")
    member_page.click("[data-testid=login-submit]")
    member_page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/units/{tree.cell_a.pk}/accounts/")
    row = page.locator("[data-testid=account-row]", has_text="Nguyễn Thị Hoa")
    assert row.locator("[data-testid=account-state]").inner_text().strip() == "đang dùng"
    page.get_by_label("Nguyễn Thị Hoa").check()
    page.click("[data-testid=deactivate-accounts]")
    row = page.locator("[data-testid=account-row]", has_text="Nguyễn Thị Hoa")
    assert row.locator("[data-testid=account-state]").inner_text().strip() == "đã khóa"

    member_page.reload()
    assert member_page.url.startswith(f"{live_server.url}/accounts/login/")
    member_context.close()

"""A chi bộ secretary logs in, drills down the tree, opens a person, in Vietnamese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orgunits.models import MembershipRole

from ..factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_secretary_drills_down_the_tree_and_opens_a_person(
    page, live_server, tree, secretary, console_errors, login, screenshot
):
    colleague = PersonFactory(full_name="Hoàng Thị Thu Hằng", code="P-HANG")
    MembershipFactory(person=colleague, unit=tree.cell_a, role=MembershipRole.PARTY_MEMBER)

    login("secretary")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Bảng điều khiển")).to_be_visible()
    screenshot("secretary-dashboard")

    page.get_by_role("link", name="Cây tổ chức").click()
    page.get_by_test_id("unit-link").filter(has_text=tree.cell_a.name).click()
    expect(page.get_by_test_id("unit-name")).to_have_text(tree.cell_a.name)
    # The secretary's scope is the chi bộ: its parent is not a link in the breadcrumb.
    expect(page.get_by_test_id("breadcrumb")).not_to_contain_text(tree.district.name)

    page.get_by_test_id("person-link").filter(has_text="Hoàng Thị Thu Hằng").click()
    expect(page.get_by_test_id("person-name")).to_have_text("Hoàng Thị Thu Hằng")
    expect(page.get_by_test_id("membership-table")).to_contain_text(tree.cell_a.name)
    screenshot("secretary-person")

    page.get_by_role("link", name="Cán bộ, đảng viên").click()
    page.get_by_test_id("person-search").fill("thu hang")
    expect(page.get_by_test_id("person-table")).to_contain_text("Hoàng Thị Thu Hằng")


def test_org_officer_drills_down_from_the_district(
    page, live_server, tree, org_officer, console_errors, login
):
    login("org_officer")
    page.get_by_test_id("unit-link").filter(has_text=tree.district.name).click()
    page.get_by_test_id("unit-link").filter(has_text=tree.cell_b.name).click()
    expect(page.get_by_test_id("breadcrumb")).to_contain_text(tree.district.name)
    expect(page.get_by_test_id("unit-name")).to_have_text(tree.cell_b.name)

"""The organisation officer imports a roster: a file of 200,000 empty rows is refused at once
with a Vietnamese message, then the corrected file is checked by a worker, previewed,
confirmed and written (upload → stage → preview → confirm)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from orgunits.models import OrgUnit, Person
from tests.orgunits.test_roster_import import good_workbook
from tests.spreadsheet_bombs import empty_rows_bomb

pytestmark = pytest.mark.django_db(transaction=True)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(page, name: str, data: bytes) -> None:
    page.get_by_test_id("roster-file").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_test_id("roster-preview").click()


def test_officer_imports_a_roster_checked_by_a_worker(
    page, live_server, tree, org_officer, console_errors, login, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    login("org_officer")
    page.goto(live_server.url + reverse("orgunits:unit_detail", args=[tree.district.pk]))
    page.get_by_test_id("roster-import-link").click()

    # A bomb: refused by the size checks before any parsing, with advice.
    _upload(page, "bom.xlsx", empty_rows_bomb())
    expect(page.get_by_test_id("roster-upload")).to_have_attribute("data-status", "refused")
    expect(page.get_by_test_id("roster-problem")).to_contain_text("kể cả dòng trống")
    screenshot("roster-import-refused")

    # The corrected file: checked by the worker, previewed, then confirmed.
    page.get_by_role("link", name="Tải lên tệp đã sửa").click()
    _upload(page, "danh-sach.xlsx", good_workbook())
    expect(page.get_by_test_id("roster-upload")).to_have_attribute("data-status", "checked")
    people = page.get_by_test_id("roster-counts-people")
    expect(people.locator("td").first).to_have_text("3")
    screenshot("roster-import-preview")
    assert not Person.objects.filter(code="CB001").exists()

    page.get_by_test_id("roster-confirm").click()
    expect(page.get_by_test_id("roster-done")).to_have_text("Đã nhập danh sách.")
    screenshot("roster-import-done")
    assert Person.objects.filter(code__in=["CB001", "CB002", "CB003"]).count() == 3
    assert OrgUnit.objects.filter(code="XA-01").exists()

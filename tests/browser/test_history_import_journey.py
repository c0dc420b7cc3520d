"""The organisation officer imports levels of earlier years: the file is checked by a worker,
previewed, confirmed and written (upload → stage → preview → confirm)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ratings.models import HistoricalLevel
from tests.factories import MembershipFactory, PersonFactory
from tests.ratings.test_history_import import GOOD, _xlsx

pytestmark = pytest.mark.django_db(transaction=True)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_officer_imports_historical_levels_checked_by_a_worker(
    page, live_server, tree, org_officer, console_errors, login, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    MembershipFactory(person=PersonFactory(code="HL-A"), unit=tree.cell_a)
    login("org_officer")
    page.goto(live_server.url + reverse("ratings:history_import", args=[tree.district.pk]))

    page.get_by_test_id("history-file").set_input_files(
        files=[{"name": "2024.xlsx", "mimeType": XLSX, "buffer": _xlsx(GOOD[:1] + GOOD[2:3])}]
    )
    page.get_by_test_id("history-preview-button").click()
    expect(page.get_by_test_id("history-upload")).to_have_attribute("data-status", "checked")
    expect(page.get_by_test_id("history-preview")).to_contain_text("2")
    screenshot("history-import-preview")
    assert not HistoricalLevel.objects.exists()

    page.get_by_test_id("history-confirm").click()
    expect(page.get_by_test_id("history-done")).to_contain_text("thêm mới 2")
    screenshot("history-import-done")
    assert HistoricalLevel.objects.count() == 2

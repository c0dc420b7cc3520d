"""The organisation officer's summary: open the report for the district, see the figures and
charts, drill down to a chi bộ, download the Excel workbook and the PDF report (both written
by a worker and fetched from the job page)."""

from __future__ import annotations

import io
import shutil
import subprocess

import openpyxl
import pytest
from playwright.sync_api import expect

from ratings.exports import SHEET_NAMES
from tests.ratings.test_summary import build_seed, expected_figures

pytestmark = pytest.mark.django_db(transaction=True)


def _pdf_text(path) -> str:
    command = [shutil.which("pdftotext") or "pdftotext", "-layout", str(path), "-"]
    out = subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603
    return " ".join(out.split())


def test_officer_opens_the_summary_drills_down_and_downloads(
    page, live_server, tree, org_officer, console_errors, login, screenshot
):
    seed = build_seed(tree, org_officer)
    district = expected_figures(seed.period, tree.district.path)
    cell_a = expected_figures(seed.period, tree.cell_a.path)

    login("org_officer")
    page.get_by_test_id("nav-reports").click()
    page.get_by_test_id("summary-entry").filter(has_text=tree.district.name).first.click()
    expect(page.get_by_test_id("summary-unit")).to_have_text(tree.district.name)
    members = page.get_by_test_id("total-row-members")
    expect(members.get_by_test_id("total")).to_have_text(str(district["members"]["total"]))
    expect(members.get_by_test_id("level-HTXS")).to_contain_text(str(district["members"]["HTXS"]))
    # Both charts are drawn from the json_script data by static/js/summary-charts.js.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart('chart-levels') && Chart.getChart('chart-trend')"
    )
    expect(page.get_by_test_id("year-row")).to_have_count(3)
    screenshot("summary-district")

    # Drill down: the party members' table per sub-unit, then chi bộ A's own summary.
    page.get_by_test_id("tab-members").click()
    page.get_by_test_id("children-members").get_by_role("link", name=tree.cell_a.name).click()
    expect(page.get_by_test_id("summary-unit")).to_have_text(tree.cell_a.name)
    expect(page.get_by_test_id("total-row-members").get_by_test_id("total")).to_have_text(
        str(cell_a["members"]["total"])
    )
    expect(page.get_by_test_id("summary-ancestor-link").first).to_have_text(tree.district.name)

    # Every file is written by a worker; the job page offers the download when it is ready.
    summary_url = page.url
    page.get_by_test_id("download-xlsx").click()
    expect(page.get_by_test_id("job-download")).to_have_text("Tải về (Excel)")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    sheet = workbook[SHEET_NAMES["members"]]
    total = next(
        row for row in sheet.iter_rows(min_row=4, values_only=True) if row[1] == "Tổng cộng"
    )
    assert total[3] == cell_a["members"]["total"]
    assert total[8] == cell_a["members"]["HTXS"]

    page.goto(summary_url)
    page.get_by_test_id("download-pdf").click()
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    pdf_path = download_info.value.path()
    assert pdf_path.read_bytes()[:4] == b"%PDF"
    if shutil.which("pdftotext"):
        text = _pdf_text(pdf_path)
        assert f"Tổng số đảng viên: {cell_a['members']['total']}" in text
    screenshot("summary-cell")

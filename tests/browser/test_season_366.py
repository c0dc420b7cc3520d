"""A season under QĐ 366 / HD 43: a leader fills Mẫu 2A with the groups of Annex 3, a member
without a post fills 2B with Annex 4's, the secretary the chi bộ's Mẫu 01 with Annex 1's; each
part's scores sum live to its total, and the PDFs (the real web path, read with pdftotext) show
the A/B layout, every group with its maximum and score, the B.I totals line and no placeholder.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from documents import tasks
from documents.models import DocumentJob
from reviews.models import Report
from reviews.services import enrolment, reports

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path("test-artifacts")


@pytest.fixture
def season(period, member, secretary, tree):
    enrolment.enrol_period(period=period)
    mine = Report.objects.filter(subject__period=period, subject__unit=tree.cell_a)
    return {
        "leader": mine.get(subject__person=secretary.person),
        "member": mine.get(subject__person=member.person),
        "collective": mine.get(subject__person__isnull=True),
    }


def _fill_scores(page, report: Report, share: Decimal) -> dict[str, Decimal]:
    """Score every group at `share` of its maximum; return the expected sum per part."""
    criteria = reports.report_ruleset(report).criteria_for_class(report.subject.subject_class)
    sums: dict[str, Decimal] = {}
    for criterion in criteria:
        value = (criterion.max_points * share).quantize(Decimal("0.5"))
        page.get_by_test_id(f"score-{criterion.code}").fill(str(value))
        sums[criterion.group] = sums.get(criterion.group, Decimal(0)) + value
    return sums


def _points(value: Decimal) -> str:
    """'25,5', '30': as the PDF writes points."""
    return f"{value.normalize():f}".replace(".", ",")


def _shown(value: Decimal) -> str:
    """'25,50': as the editor shows a running sum."""
    return f"{value:.2f}".replace(".", ",")


def _pdf_text(page, live_server, report: Report, name: str) -> str:
    """Ask for the PDF as a user does; the test plays the worker (publishing is intercepted)."""
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    page.get_by_test_id("report-pdf-link").click()
    job = DocumentJob.objects.filter(kind="report", object_id=report.pk).latest("pk")
    tasks.render_document.apply(args=[job.pk])
    expect(page.get_by_test_id("job-progress")).to_have_attribute(
        "data-status", "done", timeout=10_000
    )
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    download_info.value.save_as(path)
    text = subprocess.run(  # noqa: S603 - a fixed local tool on a file we wrote
        ["/usr/bin/pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return " ".join(text.split())


def _write_and_check(page, live_server, report: Report, share: Decimal, level: str, name: str):
    page.goto(f"{live_server.url}/reports/{report.pk}/edit/")
    expect(page.get_by_test_id("form-heading-A")).to_have_text("A. NỘI DUNG KIỂM ĐIỂM")
    expect(page.get_by_test_id("form-heading-B")).to_have_text("B. NỘI DUNG TỰ ĐÁNH GIÁ, XẾP LOẠI")
    ruleset = reports.report_ruleset(report)
    form = ruleset.form_for_class(report.subject.subject_class)
    for section in form.sections_of_kind("text"):
        page.get_by_test_id(f"text-{section.key}").fill(f"Nội dung mục {section.title}.")
    sums = _fill_scores(page, report, share)
    total = sum(sums.values(), Decimal(0))
    expect(page.get_by_test_id("part-total-general")).to_have_text(_shown(sums["general"]))
    expect(page.get_by_test_id("part-total-tasks")).to_have_text(_shown(sums["tasks"]))
    expect(page.get_by_test_id("score-total")).to_have_text(_shown(total))
    if form.sections_of_kind("checklist"):
        page.get_by_test_id("checklist-all-none").click()
    page.get_by_label(level).check()
    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("Đã lưu")
    page.screenshot(path=str(ARTIFACTS / f"{name}-editor.png"), full_page=True)
    report.refresh_from_db()
    assert report.total_points == total

    text = _pdf_text(page, live_server, report, name)
    assert "A. NỘI DUNG KIỂM ĐIỂM" in text and "B. NỘI DUNG TỰ ĐÁNH GIÁ, XẾP LOẠI" in text
    for number, title in (("I.", "Ưu điểm, kết quả đạt được"), ("VI.", "Phương hướng, biện pháp")):
        assert f"{number} {title}" in text
    # The table's rows: each part with its maximum and score, then every group's.
    assert f"I NHÓM TIÊU CHÍ CHUNG (30 ĐIỂM) 30 {_points(sums['general'])}" in text
    assert f"II NHÓM TIÊU CHÍ VỀ KẾT QUẢ THỰC HIỆN 70 {_points(sums['tasks'])}" in text
    assert f"Tổng điểm 100 {_points(total)}" in text
    assert f"Nhóm tiêu chí chung: {_points(sums['general'])}/30;" in text
    assert f"thực hiện nhiệm vụ: {_points(sums['tasks'])}/" in text
    assert f"Tổng điểm: {_points(total)}/100" in text
    assert "II. Đề xuất xếp loại" in text
    assert "[" not in text  # no operator placeholder is ever printed
    return text


def test_366_season_leader_2a_member_2b_and_chi_bo_01_score_groups_and_print_a_b_layout(
    page, live_server, season, tree, console_errors, login, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(tasks.render_document, "apply_async", lambda args, **options: None)
    leader, member, collective = season["leader"], season["member"], season["collective"]
    assert (leader.form_code, member.form_code, collective.form_code) == ("2A", "2B", "01")

    login("secretary")
    text = _write_and_check(
        page, live_server, leader, Decimal("0.9"), "Hoàn thành xuất sắc nhiệm vụ (HTXS)", "m2a"
    )
    assert "Mẫu 2A – Bản kiểm điểm, tự đánh giá, xếp loại cá nhân giữ chức vụ lãnh đạo" in text
    assert "V. Trách nhiệm của cá nhân đối với những hạn chế, khuyết điểm của tập thể" in text

    text = _write_and_check(
        page, live_server, collective, Decimal("0.8"), "Hoàn thành tốt nhiệm vụ (HTT)", "m01"
    )
    assert "Mẫu 01 – Báo cáo kiểm điểm, tự đánh giá, xếp loại chất lượng của tập thể" in text

    page.context.clear_cookies()
    login("member")
    text = _write_and_check(
        page, live_server, member, Decimal("0.7"), "Hoàn thành tốt nhiệm vụ (HTT)", "m2b"
    )
    assert "Mẫu 2B – Bản kiểm điểm, tự đánh giá, xếp loại cá nhân không giữ chức vụ" in text
    assert "Về chính trị, phẩm chất đạo đức" in text  # Annex 4, verbatim
    assert "Phai nhạt lý tưởng cách mạng" in text  # a verbatim manifestation of NQ 04

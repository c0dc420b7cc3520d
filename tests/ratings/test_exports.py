"""Exports of the summary (Excel read back, CSV, the PDF report's text), the downloads, the
officer's text, and the personal dossier with its checksum."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from ratings import exports, summary
from ratings.models import DossierArchive, Rating, SummaryNarrative
from reviews.models import Comment, Report, Subject
from reviews.services import enrolment
from tests.factories import UserFactory

from .test_summary import LEVELS, build_seed, expected_figures

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")

SECTION_2 = "Ban Thường vụ ban hành kế hoạch, hướng dẫn và tổ chức hội nghị đúng quy định."
SECTION_3 = "Việc kiểm điểm nghiêm túc, thực chất; còn một số chi bộ chậm tiến độ."


@pytest.fixture
def seed(tree, org_officer):
    return build_seed(tree, org_officer)


def _pdf_text(tmp_path: Path, pdf: bytes, name: str = "doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    command = [shutil.which("pdftotext") or "pdftotext", "-layout", str(path), "-"]
    out = subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603
    # Drop the page numbers (alone on each page's first line), which would cut sentences.
    pages = []
    for page in out.split("\f"):
        lines = page.strip("\n").split("\n")
        if lines and lines[0].strip().isdigit():
            lines = lines[1:]
        pages.append(" ".join(lines))
    return " ".join(" ".join(pages).split())


def _fonts(tmp_path: Path, pdf: bytes) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    command = [shutil.which("pdffonts") or "pdffonts", str(path)]
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


def _vn(value) -> str:
    return f"{value:,}".replace(",", ".")


def _vn_pct(value) -> str:
    return f"{value:.2f}".replace(".", ",") + "%"


# -- Excel --------------------------------------------------------------------------------------


def test_write_xlsx_does_read_back_with_the_right_totals(seed, tmp_path):
    province = seed.units["province"]
    result = summary.summary(seed.period, province, kht_limit=None)
    path = tmp_path / "tong-hop.xlsx"
    exports.write_xlsx(result, path)
    book = openpyxl.load_workbook(path)
    want = expected_figures(seed.period, province.path)
    for group in summary.GROUPS:
        sheet = book[exports.SHEET_NAMES[group.code]]
        header = [c.value for c in sheet[3]]
        assert header[:4] == ["STT", "Đơn vị", "Mã đơn vị", "Tổng số"]
        assert sheet.freeze_panes == "C4"
        assert sheet.column_dimensions["B"].width == 42
        rows = [
            dict(zip(header, (c.value for c in row), strict=False))
            for row in sheet.iter_rows(min_row=4)
        ]
        total = next(r for r in rows if r["Đơn vị"] == "Tổng cộng")
        w = want[group.code]
        assert total["Tổng số"] == w["total"]
        assert total["Không kiểm điểm"] == w["not_reviewed"]
        assert total["Kiểm điểm, không xếp loại"] == w["not_rated"]
        assert total["Chưa xếp loại"] == w["pending"]
        assert total["Đã xếp loại"] == w["rated"]
        for level in LEVELS:
            assert total[level] == w[level], (group.code, level)
            pct = w["pct"][level]
            assert total[f"{level} (%)"] == (
                pytest.approx(float(pct) / 100) if pct is not None else None
            )
        # One row per child, each the child's own figures.
        child_rows = [r for r in rows if isinstance(r["STT"], int)]
        assert [r["Mã đơn vị"] for r in child_rows] == [
            row.unit.code if row.unit else province.code for row in result.rows
        ]
        for r, row in zip(child_rows, result.rows, strict=True):
            assert r["Tổng số"] == expected_figures(seed.period, row.unit.path)[group.code]["total"]
    cell = book[exports.SHEET_NAMES["members"]]["J4"]  # HTXS (%) of the first row
    assert cell.number_format == "0.00%"
    kht = book["Không hoàn thành NV"]
    reasons = [row[4].value for row in kht.iter_rows(min_row=4) if isinstance(row[0].value, int)]
    assert len(reasons) == 2
    years = book["Qua các năm"]
    assert [r[0].value for r in years.iter_rows(min_row=4) if isinstance(r[0].value, int)] == [
        2024,
        2025,
        2026,
    ]


def test_write_xlsx_does_list_every_subject_when_asked(seed, tmp_path):
    district = seed.units["district"]
    path = tmp_path / "list.xlsx"
    exports.write_xlsx(summary.summary(seed.period, district), path, people=True)
    sheet = openpyxl.load_workbook(path, read_only=True)["Danh sách"]
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r and r[0]]
    want = Subject.objects.filter(period=seed.period, unit__path__startswith=district.path)
    assert len(rows) == want.count()
    decided = Rating.objects.filter(
        subject__in=want,
        status__in=["decided", "published"],
        subject__eligibility__in=["eligible", "capped"],
    ).count()
    assert sum(1 for r in rows if r[7]) == decided


def test_export_summary_command_does_write_each_format(seed, tmp_path):
    for fmt in ("xlsx", "csv", "pdf"):
        output = tmp_path / f"out.{fmt}"
        call_command(
            "export_summary",
            period=seed.period.pk,
            unit=seed.units["district"].code,
            format=fmt,
            output=str(output),
            stdout=io.StringIO(),
        )
        assert output.stat().st_size > 500


# -- CSV ----------------------------------------------------------------------------------------


def test_write_csv_does_start_with_a_bom_and_hold_the_totals(seed):
    buffer = io.StringIO()
    exports.write_csv(summary.summary(seed.period, seed.units["province"]), buffer)
    text = buffer.getvalue()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    want = expected_figures(seed.period, seed.units["province"].path)
    for group in summary.GROUPS:
        total = next(
            r for r in rows if r["Nhóm đối tượng"] == group.title and r["Đơn vị"] == "Tổng cộng"
        )
        assert int(total["Tổng số"]) == want[group.code]["total"]
        assert int(total["HTXS"]) == want[group.code]["HTXS"]
        pct = want[group.code]["htt_or_above_pct"]
        assert total["HTT trở lên (%)"] == (f"{pct:.2f}" if pct is not None else "")


# -- PDF ----------------------------------------------------------------------------------------


@needs_poppler
def test_summary_pdf_does_contain_the_figures_the_text_and_the_signature(
    seed, tmp_path, org_officer
):
    district = seed.units["district"]
    exports.save_narrative(
        period=seed.period,
        unit=district,
        section_2=SECTION_2,
        section_3=SECTION_3,
        place="Yên Lạc",
        user=org_officer,
    )
    result = summary.summary(seed.period, district)
    pdf = exports.render_summary_pdf(result, day=dt.date(2027, 1, 15))
    text = _pdf_text(tmp_path, pdf)
    want = expected_figures(seed.period, district.path)
    assert "BÁO CÁO" in text
    assert "Kết quả thực hiện kiểm điểm, đánh giá, xếp loại chất lượng" in text
    assert "I. TÌNH HÌNH VÀ KẾT QUẢ" in text
    assert "II. CÔNG TÁC TỔ CHỨC THỰC HIỆN" in text and SECTION_2 in text
    assert "III. ĐÁNH GIÁ CHUNG" in text and SECTION_3 in text
    members = want["members"]
    assert f"Tổng số đảng viên: {_vn(members['total'])}" in text
    exempt = "miễn công tác và sinh hoạt đảng, đình chỉ sinh hoạt đảng, mới kết nạp dưới 6 tháng"
    assert f"không kiểm điểm ({exempt}): {members['not_reviewed']}" in text
    for level, name in exports.LEVEL_NAMES.items():
        assert f"{name}: {members[level]} (chiếm {_vn_pct(members['pct'][level])})" in text
    above = members["HTXS"] + members["HTT"]
    share = _vn_pct(members["htt_or_above_pct"])
    assert f"Hoàn thành tốt nhiệm vụ trở lên: {above} (chiếm {share})" in text
    grassroots = want["grassroots"]
    assert f"Tổ chức cơ sở đảng: tổng số {grassroots['total']}" in text
    assert "Yên Lạc, ngày 15 tháng 01 năm 2027" in text
    assert "T/M ĐẢNG ỦY" in text and "BÍ THƯ" in text
    assert kht_name(seed) in text
    fonts = _fonts(tmp_path, pdf)
    assert "Liberation-Serif" in fonts and "DejaVu" not in fonts


def kht_name(seed) -> str:
    return seed.people["b1"].full_name


@needs_poppler
def test_summary_pdf_view_does_render_in_a_worker_and_download(
    seed, client, org_officer, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(org_officer)
    url = reverse("ratings:summary_pdf", args=[seed.period.pk, seed.units["cell_a"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    download = client.get(response["Location"])
    assert download.status_code == 200
    job_url = response["Location"].rstrip("/") + "/download/"
    pdf = b"".join(client.get(job_url).streaming_content)
    assert pdf.startswith(b"%PDF")
    total = expected_figures(seed.period, seed.units["cell_a"].path)["members"]["total"]
    assert f"Tổng số đảng viên: {total}" in _pdf_text(tmp_path, pdf)


def test_summary_narrative_does_save_the_officers_text(seed, client, org_officer):
    client.force_login(org_officer)
    district = seed.units["district"]
    url = reverse("ratings:summary_narrative", args=[seed.period.pk, district.pk])
    response = client.post(
        url, {"place": "Yên Lạc", "section_2": SECTION_2, "section_3": SECTION_3}
    )
    assert response.status_code == 302
    narrative = SummaryNarrative.objects.get(period=seed.period, unit=district)
    assert (narrative.section_2, narrative.section_3, narrative.updated_by) == (
        SECTION_2,
        SECTION_3,
        org_officer,
    )
    page = client.get(reverse("ratings:summary", args=[seed.period.pk, district.pk]))
    assert SECTION_2 in page.content.decode()


def test_summary_page_does_refuse_members_and_hide_other_provinces(seed, client, member, outsider):
    enrolment.enrol_period(period=seed.period)  # the member now takes part in the period
    url = reverse("ratings:summary", args=[seed.period.pk, seed.units["cell_a"].pk])
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_summary_page_does_show_the_figures_and_drill_down(seed, client, org_officer):
    client.force_login(org_officer)
    district = seed.units["district"]
    page = client.get(reverse("ratings:summary", args=[seed.period.pk, district.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("ratings:summary", args=[seed.period.pk, seed.units["cell_a"].pk]) in html
    assert 'id="summary-chart-data"' in html and "summary-charts.js" in html
    assert "<script>" not in html  # no inline scripts: json_script uses type=application/json
    want = expected_figures(seed.period, district.path)["members"]
    found = re.search(r'total-row-members".*?data-testid="total">\s*(\d+)\s*<', html, re.S)
    assert found and int(found.group(1)) == want["total"]


# -- The personal dossier -----------------------------------------------------------------------


def _with_report_and_comment(seed) -> Subject:
    subject = Subject.objects.get(
        period=seed.period, person=seed.people["a1"], unit=seed.units["cell_a"]
    )
    report = Report.objects.get(subject=subject)
    report.sections = {"results": "Hoàn thành vượt mức các nhiệm vụ được giao trong năm."}
    report.self_level = "HTXS"
    report.save()
    Comment.objects.create(
        report=report,
        author=seed.people["a2"],
        text="Cần nêu rõ sản phẩm cụ thể.",
        created_on=dt.date(2026, 12, 5),
        response_kind="accepted",
    )
    return subject


@needs_poppler
def test_render_dossier_pdf_does_print_the_content_checksum(seed, tmp_path):
    _with_report_and_comment(seed)
    person = seed.people["a1"]
    pdf, checksum = exports.render_dossier_pdf(person)
    text = _pdf_text(tmp_path, pdf)
    assert len(checksum) == 64
    assert checksum in text.replace(" ", "") or checksum in text
    assert person.full_name in text
    assert "Hoàn thành vượt mức các nhiệm vụ được giao trong năm." in text
    assert "Cần nêu rõ sản phẩm cụ thể." in text and "Tiếp thu" in text
    assert "Hoàn thành xuất sắc nhiệm vụ" in text  # the decided 2026 level
    assert "Năm 2024" in text and "số liệu nhập" in text  # the imported level
    # Same content, same checksum; new content, new checksum.
    assert exports.render_dossier_pdf(person)[1] == checksum
    Comment.objects.create(
        report=Report.objects.get(subject__person=person, subject__period=seed.period),
        is_anonymous=True,
        text="Ý kiến ẩn danh.",
        created_on=dt.date(2026, 12, 6),
    )
    assert exports.render_dossier_pdf(person)[1] != checksum


def test_dossier_context_does_leave_out_undecided_levels_and_older_years(seed):
    context = exports.dossier_context(seed.people["a4"], years=3)  # a4: appraised only
    assert [block["year"] for block in context["years"]] == [2026, 2025, 2024]
    site_2026 = context["years"][0]["sites"][0]
    assert site_2026["level"] == "" and site_2026["status"] == "Đã thẩm định"
    assert exports.dossier_context(seed.people["a4"], years=1)["first_year"] == 2026


def test_archive_dossier_does_keep_the_file_and_both_checksums(seed, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    user = UserFactory(username="archivist")
    archive = exports.archive_dossier(person=seed.people["a1"], user=user)
    data = Path(archive.file.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == archive.file_sha256
    assert archive.size == len(data) and len(archive.sha256) == 64
    assert archive.sha256 != archive.file_sha256


def test_dossier_views_do_serve_the_person_and_appraisers(
    seed, client, settings, tmp_path, org_officer, secretary, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    person = seed.people["a1"]
    client.force_login(org_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ratings:dossier", args=[person.pk]))
    assert response.status_code == 302  # to the job page; a worker renders and archives
    archive = DossierArchive.objects.get(person=person)
    download = client.get(reverse("ratings:dossier_download", args=[archive.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    job = client.get(response["Location"].rstrip("/") + "/download/")
    assert b"".join(job.streaming_content).startswith(b"%PDF")
    page = client.get(reverse("ratings:dossier", args=[person.pk]))
    assert archive.sha256 in page.content.decode()
    client.force_login(secretary)  # runs chi bộ A's review but does not appraise
    assert client.get(reverse("ratings:dossier", args=[person.pk])).status_code == 403


def test_dossier_context_does_show_each_quarter_with_its_form_titles_and_result(
    quarter_periods, cadre, authority
):
    from reviews.services import quarters
    from tests.reviews.test_quarters import SHARES, _fill_and_submit, _quarter_report

    report = _fill_and_submit(_quarter_report(quarter_periods[1], cadre.person), cadre, SHARES[1])
    quarters.record_quarter_result(subject=report.subject, level="HTT", user=authority)

    sites = exports.dossier_context(cadre.person)["years"][0]["sites"]
    first = next(s for s in sites if s["period"] == "Tự đánh giá quý 1 năm 2026")

    assert first["form"] == "05"
    assert first["sections"][0]["title"].startswith("Kết quả thực hiện chức trách")
    assert first["level"] == "Hoàn thành tốt nhiệm vụ"

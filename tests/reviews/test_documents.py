"""The report PDF: Vietnamese text, Liberation Serif only, page numbers from page 2."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from django.conf import settings
from django.utils import timezone

from orgunits.models import MembershipRole, UnitKind
from reviews.documents import render_report_pdf
from reviews.models import RemediationItem, Report, ReviewPeriod, Subject, Suggestion
from reviews.rulesets import RuleSet, get_ruleset
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]

PERSON_NAME = "Nguyễn Thị Ánh Tuyết"
ANSWER = "Đã chấn chỉnh việc chậm giải quyết hồ sơ đất đai; 100% hồ sơ đúng hạn từ quý III."
NOTE = "Có lúc còn nể nang, ngại va chạm khi góp ý đồng chí trong chi bộ."
SUGGESTION = "Làm rõ trách nhiệm người đứng đầu trong việc chậm giải ngân vốn đầu tư công."
PARAGRAPH = (
    "Luôn kiên định chủ nghĩa Mác - Lê-nin, tư tưởng Hồ Chí Minh, chấp hành nghiêm chủ trương, "
    "đường lối của Đảng, chính sách, pháp luật của Nhà nước; giữ gìn phẩm chất đạo đức, lối sống "
    "trong sạch, giản dị; có tinh thần đoàn kết, xây dựng nội bộ, gương mẫu thực hiện nhiệm vụ."
)


@pytest.fixture
def ruleset() -> RuleSet:
    return get_ruleset("qd366-hd43")


@pytest.fixture
def units(db):
    province = OrgUnitFactory(name="Đảng bộ tỉnh Sông Hồng", kind=UnitKind.PARTY_COMMITTEE)
    committee = OrgUnitFactory(
        name="Đảng bộ Sở Nông nghiệp và Môi trường",
        kind=UnitKind.GRASSROOTS_COMMITTEE,
        parent=province,
    )
    cell = OrgUnitFactory(name="Chi bộ Văn phòng Sở", parent=committee)
    agency = OrgUnitFactory(name="Sở Nông nghiệp và Môi trường", kind=UnitKind.AGENCY)
    return NS(province=province, committee=committee, cell=cell, agency=agency)


def _period(scope, year=2026):
    return ReviewPeriod.objects.create(
        name=f"Kiểm điểm năm {year}",
        kind="annual",
        year=year,
        ruleset_code="qd366-hd43",
        ruleset_version=1,
        scope=scope,
        opens_on=dt.date(year, 11, 1),
    )


def _individual_report(units, ruleset, *, long: bool = False) -> Report:
    period = _period(units.province)
    earlier = _period(units.province, year=2025)
    person = PersonFactory(full_name=PERSON_NAME, birth_date=dt.date(1975, 3, 8))
    MembershipFactory(person=person, unit=units.cell, role=MembershipRole.DEPUTY_SECRETARY)
    MembershipFactory(person=person, unit=units.agency, role=MembershipRole.DEPUTY_HEAD)
    subject = Subject.objects.create(
        period=period, unit=units.cell, person=person, subject_class="leader"
    )
    suggestion = Suggestion.objects.create(
        subject=subject, issuing_unit=units.committee, issued_by=UserFactory(), text=SUGGESTION
    )
    carried = RemediationItem.objects.create(
        origin_period=earlier, person=person, text="Chậm đổi mới phương pháp chỉ đạo."
    )
    form = ruleset.form_for_class("leader")
    criteria = ruleset.criteria_for_class("leader")
    first, second = ruleset.manifestations[0].items[:2]
    text = PARAGRAPH + "\n<script>alert(1)</script>"
    if long:
        text = "\n\n".join([PARAGRAPH] * 40)
    return Report.objects.create(
        subject=subject,
        form_code=form.code,
        sections={s.key: text for s in form.sections if s.kind == "text"},
        scores={c.code: float(c.max_points) * 0.85 for c in criteria[:3]},
        checklist={
            first.code: {"present": True, "note": NOTE},
            second.code: {"present": False, "note": "không hiện"},
        },
        remediation={str(carried.pk): {"status": "done", "note": "Đã khắc phục xong."}},
        answers={str(suggestion.pk): ANSWER},
        self_level="HTT",
        total_points=Decimal("80.5"),
    )


def _run(tool: str, *args: str | Path) -> str:
    """Run a poppler tool on our own files and return its output."""
    command = [shutil.which(tool) or tool, *map(str, args)]
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


def _pdftotext(path: Path, page: int | None = None, *, layout: bool = True) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run("pdftotext", *(["-layout"] if layout else ["-raw"]), *pages, path, "-")


def _write(tmp_path: Path, pdf: bytes, name: str = "report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_render_report_pdf_does_show_vietnamese_headings_and_answers(units, ruleset, tmp_path):
    report = _individual_report(units, ruleset)
    report.submitted_at = timezone.make_aware(dt.datetime(2026, 12, 5, 9, 30))
    report.save()

    path = _write(tmp_path, render_report_pdf(report))
    # -layout interleaves the header's two columns; -raw keeps each column's lines together.
    layout, raw = _pdftotext(path), _one_line(_pdftotext(path, layout=False))
    text = _one_line(layout)

    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in layout
    assert "ĐẢNG BỘ SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG CHI BỘ VĂN PHÒNG SỞ *" in raw
    assert "……………, ngày 05 tháng 12 năm 2026" in raw
    assert "BẢN KIỂM ĐIỂM CÁ NHÂN" in text
    assert "Năm 2026" in text
    assert PERSON_NAME in text
    assert "08/03/1975" in text
    assert "Phó Bí thư" in text
    assert "Sở Nông nghiệp và Môi trường" in text
    assert "I. Ưu điểm, kết quả đạt được" in layout
    assert "<script>alert(1)</script>" in text  # escaped, shown as text
    assert ANSWER in text
    assert NOTE in raw
    assert "không hiện" not in text  # notes only for items marked present
    assert "A. NỘI DUNG KIỂM ĐIỂM" in text and "B. NỘI DUNG TỰ ĐÁNH GIÁ, XẾP LOẠI" in text
    assert "Nhóm tiêu chí chung: 15,3/30;" in text
    assert "Nhóm tiêu chí về kết quả thực hiện nhiệm vụ: ……/" in text
    assert "Tổng điểm: 80,5/100, tương ứng mức Hoàn thành tốt nhiệm vụ" in text
    assert "[" not in raw  # placeholders print as dotted blanks, never as operator notes
    assert "Chậm đổi mới phương pháp chỉ đạo." in raw and "Đã khắc phục" in raw
    assert "Tự nhận mức xếp loại: Hoàn thành tốt nhiệm vụ" in text
    assert "NGƯỜI TỰ KIỂM ĐIỂM" in text
    assert "Nơi nhận" not in text


def test_render_report_pdf_does_embed_only_liberation_serif(units, ruleset, tmp_path):
    path = _write(tmp_path, render_report_pdf(_individual_report(units, ruleset)))

    listing = _run("pdffonts", path)
    names = [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    assert names, listing
    # Subset prefix "ABCDEF+", then e.g. "Liberation-Serif-Bold" (poppler keeps the hyphen).
    assert all(
        name.partition("+")[2].replace("-", "").startswith("LiberationSerif") for name in names
    ), listing


def test_render_report_pdf_does_number_pages_from_the_second(
    units, ruleset, tmp_path, django_assert_max_num_queries
):
    report = _individual_report(units, ruleset, long=True)
    # subject, parent unit, suggestions, remediation items, memberships, the person's quarter
    # results: none per row.
    with django_assert_max_num_queries(6):
        path = _write(tmp_path, render_report_pdf(report))

    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", path)).group(1))
    assert pages >= 3
    first = _pdftotext(path, 1).split("\n")
    second = _pdftotext(path, 2).split("\n")
    first_lines = [line.strip() for line in first if line.strip()]
    second_lines = [line.strip() for line in second if line.strip()]
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in first_lines[0]  # nothing printed above the header
    assert not any(re.fullmatch(r"\d+", line) for line in first_lines)
    assert second_lines[0] == "2"


def test_render_report_pdf_does_render_the_collective_report(units, ruleset, tmp_path):
    period = _period(units.province)
    secretary = PersonFactory(full_name="Trần Văn Đức")
    MembershipFactory(person=secretary, unit=units.cell, role=MembershipRole.SECRETARY)
    subject = Subject.objects.create(period=period, unit=units.cell, subject_class="collective")
    RemediationItem.objects.create(
        origin_period=_period(units.province, year=2025),
        unit=units.cell,
        text="Sinh hoạt chuyên đề chưa đều.",
    )
    form = ruleset.form_for_class("collective")
    report = Report.objects.create(
        subject=subject,
        form_code=form.code,
        sections={s.key: "Chi bộ hoàn thành các chỉ tiêu năm 2026." for s in form.sections},
        self_level="HTXS",
    )

    path = _write(tmp_path, render_report_pdf(report, place="Sông Hồng"))
    text, raw = _one_line(_pdftotext(path)), _one_line(_pdftotext(path, layout=False))

    assert "BÁO CÁO" in text
    assert "Kiểm điểm tập thể Chi bộ Văn phòng Sở năm 2026" in text
    assert "CHI BỘ VĂN PHÒNG SỞ * Số -BC/CB" in raw
    assert "Sông Hồng, ngày …… tháng …… năm ………" in raw
    assert "Sinh hoạt chuyên đề chưa đều." in text
    assert "Hoàn thành xuất sắc nhiệm vụ" in text
    assert "T/M CHI BỘ VĂN PHÒNG SỞ BÍ THƯ Trần Văn Đức" in raw
    assert "Nơi nhận: - Đảng bộ Sở Nông nghiệp và Môi trường (để báo cáo), - Lưu." in raw
    assert "BẢN KIỂM ĐIỂM CÁ NHÂN" not in text


def test_render_report_pdf_does_write_a_reviewable_artifact(units, ruleset):
    """Writes test-artifacts/report-2b.pdf and a PNG of page 1 for a person to look at."""
    report = _individual_report(units, ruleset)
    started = time.perf_counter()
    pdf = render_report_pdf(report, place="Sông Hồng")
    elapsed = time.perf_counter() - started

    out = Path(settings.BASE_DIR) / "test-artifacts"
    out.mkdir(exist_ok=True)
    path = _write(out, pdf, "report-2b.pdf")
    _run(
        "pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", path, out / "report-2b"
    )
    assert (out / "report-2b.png").stat().st_size > 0
    assert elapsed < 10

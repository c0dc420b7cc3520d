"""The list of a unit's rating file (Mẫu 04, "Danh mục hồ sơ"), rendered as the real PDF and
read back with pdftotext: each kind of document with its count, one line per document."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from django.urls import reverse

from documents.models import DocumentJob
from ratings.records_documents import records_list_context, render_records_list_pdf
from ratings.services import appraisal
from reviews.models import Report

from .test_appraisal import HTT, propose_all
from .test_documents import (  # noqa: F401  (closed_round and meeting are fixtures)
    ON,
    TUYET,
    _only_liberation_serif,
    _texts,
    closed_round,
    meeting,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]

DECIDED = dt.date(2026, 12, 20)


@pytest.fixture
def rating_file(closed_round, period, tree, org_officer, authority):  # noqa: F811
    """Chi bộ A after its meeting and count: two members handed their report in, the others
    not; the district's officer appraised and the province decided."""
    Report.objects.filter(
        subject__period=period, subject__person__full_name__in=[TUYET, ON]
    ).update(status="submitted")
    propose_all(period, HTT)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=DECIDED, number="25-QĐ/ĐU"
    )
    return period


def test_render_records_list_pdf_does_list_reports_minutes_counts_and_decisions(
    rating_file, tree, tmp_path
):
    out = _texts(tmp_path, render_records_list_pdf(rating_file, tree.cell_a), "mau04.pdf")

    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in out.layout
    assert "DANH MỤC HỒ SƠ" in out.text
    assert "Kiểm điểm, đánh giá, xếp loại chất lượng năm 2026" in out.text
    assert "của Chi bộ thôn Đông" in out.text
    assert re.search(r"Bản kiểm điểm cá nhân \(Mẫu 2B\)\s+2\s+còn \d+ bản chưa nộp", out.layout)
    assert f"Bản kiểm điểm của đồng chí {TUYET}" in out.raw
    assert f"Bản kiểm điểm của đồng chí {ON}" in out.raw
    assert re.search(r"Biên bản hội nghị kiểm điểm\s+1\b", out.layout)
    assert "ngày 08/12/2026" in out.text
    assert re.search(r"Biên bản kiểm phiếu\s+1\b", out.layout)
    assert "Biên bản kiểm phiếu đánh giá, xếp loại lần 1" in out.raw
    assert "Quyết định công nhận kết quả xếp loại" in out.text
    assert "Quyết định số 25-QĐ/ĐU ngày 20 tháng 12 năm 2026" in out.raw
    assert re.search(r"Tổng số tài liệu\s+5\b", out.layout)
    assert "Nơi nhận:" in out.text and "Đảng bộ xã Yên Lạc (để báo cáo)" in out.text
    assert "[" not in out.text and "]" not in out.text  # no bracketed placeholder
    _only_liberation_serif(out.path)
    counts = {
        s["title"]: s["count"] for s in records_list_context(rating_file, tree.cell_a)["sections"]
    }
    assert counts["Quyết định công nhận kết quả xếp loại chất lượng"] == 1
    assert counts["Quyết định đánh giá, xếp loại lại"] == 0


def test_records_list_context_does_count_zero_for_kinds_the_file_lacks(period, tree):
    sections = records_list_context(period, tree.cell_b)["sections"]

    counts = {s["title"]: s["count"] for s in sections}
    assert counts["Biên bản hội nghị kiểm điểm"] == 0
    assert counts["Quyết định công nhận kết quả xếp loại chất lượng"] == 0


def test_records_list_pdf_view_does_queue_the_worker_job_for_the_secretary(
    client, period, tree, secretary
):
    client.force_login(secretary)
    page = client.get(reverse("reviews:period_unit", args=[period.pk, tree.cell_a.pk]))
    assert 'data-testid="records-list-pdf"' in page.content.decode()

    response = client.post(reverse("ratings:records_list_pdf", args=[period.pk, tree.cell_a.pk]))

    job = DocumentJob.objects.get()
    assert job.kind == "records_list"
    assert response["Location"] == reverse("documents:job", args=[job.pk])

"""Re-rating under QĐ 366 Art. 15(3): the competent level cancels a decided level found wrong
and sets the new one by a decision (Mẫu 03, checked with pdftotext); QĐ 124 re-opens instead."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.urls import reverse

from ratings.exceptions import (
    ChangeReasonRequired,
    NotDecidedYet,
    ReratingNotProvided,
    SameLevel,
)
from ratings.models import RatingStatus, Rerating
from ratings.rerating_documents import render_rerating_pdf
from ratings.services import appraisal
from ratings.services.rerating import rerate

from .test_appraisal import HT, HTT, audit, enrol, make_period, propose_all, rating
from .test_documents import _only_liberation_serif, _texts

DECIDED = dt.date(2026, 12, 20)
REASON = "Kết luận kiểm tra: chưa hoàn thành chỉ tiêu phát triển đảng viên"


def _decided(period, tree, org_officer, authority):
    enrol(period)
    propose_all(period, HTT)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    return appraisal.decide(
        period=period, unit=tree.district, user=authority, decided_on=DECIDED, number="25-QĐ/ĐU"
    )


def test_rerate_does_replace_the_level_and_record_old_and_new_art15(
    period, tree, member, org_officer, authority
):
    _decided(period, tree, org_officer, authority)
    r = rating(period, tree.cell_a, member.person)

    record = rerate(
        rating=r,
        level=HT,
        reason=REASON,
        user=authority,
        decided_on=dt.date(2027, 2, 3),
        number="31-QĐ/ĐU",
    )

    r.refresh_from_db()
    assert (r.level, r.status) == (HT, RatingStatus.DECIDED)
    # The authority decides from the province: its body issues the re-rating decision.
    assert (record.old_level, record.new_level, record.issuer) == (HTT, HT, tree.province)
    assert audit(type(r), r.pk)[-1][2] == f"Đánh giá, xếp loại lại: HTT → HT. {REASON}"


def test_rerate_rejects_when_the_rule_set_reopens_instead_R_K3(
    tree, member, org_officer, authority
):
    period = make_period(tree, org_officer, 2026, code="qd124-hd25")
    _decided(period, tree, org_officer, authority)
    with pytest.raises(ReratingNotProvided):
        rerate(
            rating=rating(period, tree.cell_a, member.person),
            level=HT,
            reason=REASON,
            user=authority,
            decided_on=dt.date(2027, 2, 3),
        )
    assert not Rerating.objects.exists()


@pytest.mark.parametrize(
    ("level", "reason", "error"),
    [(HTT, REASON, SameLevel), (HT, "  ", ChangeReasonRequired)],
    ids=["same_level", "no_reason"],
)
def test_rerate_rejects_bad_input(
    period, tree, member, org_officer, authority, level, reason, error
):
    _decided(period, tree, org_officer, authority)
    with pytest.raises(error):
        rerate(
            rating=rating(period, tree.cell_a, member.person),
            level=level,
            reason=reason,
            user=authority,
            decided_on=dt.date(2027, 2, 3),
        )
    assert not Rerating.objects.exists()


def test_rerate_rejects_a_rating_not_decided_yet(period, tree, member, org_officer, authority):
    enrol(period)
    propose_all(period, HTT)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    with pytest.raises(NotDecidedYet):
        rerate(
            rating=rating(period, tree.cell_a, member.person),
            level=HT,
            reason=REASON,
            user=authority,
            decided_on=dt.date(2027, 2, 3),
        )


def test_rating_rerate_view_does_rerate_for_the_competent_level(
    client, period, tree, member, org_officer, authority
):
    _decided(period, tree, org_officer, authority)
    r = rating(period, tree.cell_a, member.person)
    client.force_login(authority)
    page = client.get(reverse("ratings:rating_file", args=[r.pk])).content.decode()
    assert 'data-testid="rerate-form"' in page
    client.post(
        reverse("ratings:rating_rerate", args=[r.pk]),
        {"level": HT, "reason": REASON, "decided_on": "2027-02-03", "number": "31-QĐ/ĐU"},
    )
    r.refresh_from_db()
    assert r.level == HT
    client.force_login(org_officer)
    page = client.get(reverse("ratings:rating_file", args=[r.pk])).content.decode()
    assert 'data-testid="rerate-form"' not in page
    assert 'data-testid="rerating-pdf"' in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_render_rerating_pdf_does_name_issuer_subject_old_and_new_level(
    period, tree, member, org_officer, authority, tmp_path
):
    _decided(period, tree, org_officer, authority)
    record = rerate(
        rating=rating(period, tree.cell_a, member.person),
        level=HT,
        reason=REASON,
        user=authority,
        decided_on=dt.date(2027, 2, 3),
        number="31-QĐ/ĐU",
    )

    out = _texts(tmp_path, render_rerating_pdf(record), "mau03.pdf")

    name = member.person.full_name
    assert "QUYẾT ĐỊNH" in out.text
    assert "Về việc đánh giá, xếp loại lại chất lượng năm 2026" in out.text
    assert "T/M BAN THƯỜNG VỤ" in out.text  # signed for the issuer (the province)
    assert tree.province.name.upper() in out.text
    assert "Số 31-QĐ/ĐU" in out.text
    assert "ngày 03 tháng 02 năm 2027" in out.text
    assert "Căn cứ Quyết định số 25-QĐ/ĐU ngày 20 tháng 12 năm 2026" in out.raw
    assert f"Hủy kết quả xếp loại chất lượng năm 2026 đối với đồng chí {name}" in out.raw
    assert "mức “Hoàn thành tốt nhiệm vụ” (HTT)" in out.raw
    assert "mức “Hoàn thành nhiệm vụ” (HT)" in out.raw
    assert REASON in out.raw
    _only_liberation_serif(out.path)

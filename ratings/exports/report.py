"""The narrative summary report (BÁO CÁO) as PDF, with the officer's own text for sections II
and III. Documents use the party-document layout of `reviews.documents` (Hướng dẫn 36-HD/VPTW).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from orgunits import limits
from orgunits.models import Membership, MembershipRole, OrgUnit, UnitKind
from orgunits.text import nfc, nfc_lines
from reviews.documents import party_header, render_pdf
from reviews.models import ReviewPeriod

from ..exceptions import TextTooLong
from ..models import SummaryNarrative
from ..summary import GROUPS, LEVELS, GroupStats, UnitSummary, vn_number, vn_percent
from .labels import DEDUP_NOTE, LEVEL_NAMES, row_label

SIGNERS = {
    UnitKind.PARTY_COMMITTEE: "T/M BAN THƯỜNG VỤ",
    UnitKind.GRASSROOTS_COMMITTEE: "T/M ĐẢNG ỦY",
    UnitKind.SECTION_COMMITTEE: "T/M ĐẢNG ỦY",
    UnitKind.GRASSROOTS_CELL: "T/M CHI BỘ",
    UnitKind.PARTY_CELL: "T/M CHI BỘ",
}


@transaction.atomic
def narrative_for(*, period: ReviewPeriod, unit: OrgUnit) -> SummaryNarrative:
    """The row holding the officer's text for this (period, unit), created empty if missing."""
    narrative, _ = SummaryNarrative.objects.get_or_create(period=period, unit=unit)
    return narrative


def save_narrative(
    *,
    period: ReviewPeriod,
    unit: OrgUnit,
    section_2: str,
    section_3: str,
    place: str = "",
    user: AbstractBaseUser,
) -> SummaryNarrative:
    """Store the officer's own text for sections II and III of the unit's summary report."""
    for text, label in ((section_2, "Mục II"), (section_3, "Mục III")):
        limits.check_text(nfc_lines(text), kind="narrative", label=label, error=TextTooLong)
    with pghistory.context(reason="Cập nhật báo cáo tổng hợp"):
        narrative, _created = SummaryNarrative.objects.update_or_create(
            period=period,
            unit=unit,
            defaults={
                "section_2": nfc_lines(section_2),
                "section_3": nfc_lines(section_3),
                "place": nfc(place),
                "updated_by": user,
            },
        )
    return narrative


def _signer(unit: OrgUnit, day: dt.date) -> dict[str, str]:
    current = Q(end_date__isnull=True) | Q(end_date__gte=day)
    secretary = (
        Membership.objects.filter(current, unit=unit, role=MembershipRole.SECRETARY)
        .select_related("person")
        .order_by(F("start_date").desc(nulls_last=True), "pk")
        .first()
    )
    return {
        "on_behalf": SIGNERS.get(unit.kind, f"T/M {unit.name.upper()}"),
        "title": "BÍ THƯ",
        "hint": "",
        "name": secretary.person.full_name if secretary else "",
    }


def _group_paragraph(code: str, stats: GroupStats) -> dict[str, Any]:
    """The figures of one class group as the report writes them."""
    return {
        "code": code,
        "stats": stats,
        "total": vn_number(stats.total),
        "not_reviewed": vn_number(stats.not_reviewed),
        "not_rated": vn_number(stats.not_rated),
        "pending": vn_number(stats.pending),
        "reviewed": vn_number(stats.reviewed),
        "rated": vn_number(stats.rated),
        "levels": [
            {
                "code": level,
                "name": LEVEL_NAMES[level],
                "count": vn_number(stats.count(level)),
                "pct": vn_percent(stats.pct(level)),
            }
            for level in LEVELS
        ],
        "htt_or_above": vn_number(stats.htt_or_above),
        "htt_or_above_pct": vn_percent(stats.htt_or_above_pct),
        "htxs_pct_of_htt": vn_percent(stats.htxs_pct_of_htt),
    }


def _compare(summary: UnitSummary, code: str) -> str:
    current = summary.totals[code].htt_or_above_pct
    previous = summary.previous
    if current is None or previous is None:
        return ""
    before = previous.groups[code].htt_or_above_pct
    if before is None:
        return ""
    diff = current - before
    if diff == 0:
        return f"bằng năm {previous.year} ({vn_percent(before)})"
    word = "tăng" if diff > 0 else "giảm"
    points = f"{abs(diff):.2f}".replace(".", ",")
    return f"{word} {points} điểm phần trăm so với năm {previous.year} ({vn_percent(before)})"


def summary_report_context(
    summary: UnitSummary, *, place: str = "", day: dt.date | None = None, kht_rows: int = 50
) -> dict[str, Any]:
    """Everything the narrative report shows; the template runs no queries."""
    unit = summary.unit
    day = day or timezone.localdate()
    narrative = summary.narrative
    place = place or (narrative.place if narrative else "")
    parent = OrgUnit.objects.get_parent(unit)
    groups = {g.code: _group_paragraph(g.code, summary.totals[g.code]) for g in GROUPS}
    for group in GROUPS:
        groups[group.code]["title"] = group.title
        groups[group.code]["compare"] = _compare(summary, group.code)
        found = summary.ranges.get(group.code)
        groups[group.code]["range"] = (
            {
                "first": found.first_year,
                "last": found.last_year,
                "low": vn_percent(found.low),
                "high": vn_percent(found.high),
            }
            if found
            else None
        )
    tables = []
    for group in GROUPS:
        if not summary.totals[group.code].total:
            continue
        rows = []
        for number, row in enumerate(summary.rows, start=1):
            stats = row.groups[group.code]
            if not stats.total:
                continue
            name, _code = row_label(row, unit)
            rows.append({"number": number, "name": name, **_table_cells(stats)})
        tables.append(
            {
                "title": group.title,
                "rows": rows,
                "total": _table_cells(summary.totals[group.code]),
            }
        )
    recipients = [f"{parent.name} (để báo cáo)," if parent else "", "Lưu."]
    return {
        "header": party_header(unit, parent=parent, place=place, day=day, doc_type="BC"),
        "unit_name": unit.name,
        "year": summary.period.year,
        "groups": groups,
        "tables": tables,
        "years": [
            {
                "year": y.year,
                "source": "số liệu nhập" if y.source == "history" else "",
                "cells": [vn_percent(y.groups[g.code].htt_or_above_pct) for g in GROUPS],
            }
            for y in summary.years
        ],
        "year_headers": [g.title for g in GROUPS],
        "quota": summary.quota,
        "quota_exceeding": [r for r in summary.quota.rows if not r.ok][:30],
        "kht": summary.kht[:kht_rows],
        "kht_total": summary.kht_total,
        "kht_more": max(0, summary.kht_total - min(kht_rows, len(summary.kht))),
        "section_2": narrative.section_2 if narrative else "",
        "section_3": narrative.section_3 if narrative else "",
        "signer": _signer(unit, day),
        "recipients": [r for r in recipients if r],
        "dedup_note": DEDUP_NOTE,
    }


def _table_cells(stats: GroupStats) -> dict[str, str]:
    return {
        "total": vn_number(stats.total),
        "exempt": vn_number(stats.exempt),
        "rated": vn_number(stats.rated),
        "htxs": vn_number(stats.count("HTXS")),
        "htt": vn_number(stats.count("HTT")),
        "ht": vn_number(stats.count("HT")),
        "kht": vn_number(stats.count("KHT")),
        "htt_or_above_pct": vn_percent(stats.htt_or_above_pct),
        "htxs_pct_of_htt": vn_percent(stats.htxs_pct_of_htt),
    }


def render_summary_pdf(
    summary: UnitSummary, *, place: str = "", day: dt.date | None = None
) -> bytes:
    """The narrative report (BÁO CÁO kết quả kiểm điểm, đánh giá, xếp loại) as PDF bytes."""
    return render_pdf(
        "documents/summary_report.html", summary_report_context(summary, place=place, day=day)
    )

"""Writers of the summary report (Excel, CSV, the narrative PDF) and of the personal dossier.

The Excel workbook is written with openpyxl in write-only mode, row by row, so a province-wide
list of every subject streams through without being held in memory. Documents use the
party-document layout of `reviews.documents` (Hướng dẫn 36-HD/VPTW).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from orgunits.models import Membership, MembershipRole, OrgUnit, Person, UnitKind
from orgunits.text import nfc, nfc_lines
from reviews.documents import party_header, render_pdf, vn_date
from reviews.models import Comment, Eligibility, Report, ReviewPeriod, Subject, SubjectClass
from reviews.rulesets import RuleSetNotFound
from reviews.selectors import ruleset_for_unit

from .models import (
    DossierArchive,
    HistoricalLevel,
    Rating,
    RatingStatus,
    SummaryNarrative,
)
from .summary import (
    GROUPS,
    LEVELS,
    ChildRow,
    GroupStats,
    UnitSummary,
    vn_number,
    vn_percent,
)

LEVEL_NAMES = {
    "HTXS": "Hoàn thành xuất sắc nhiệm vụ",
    "HTT": "Hoàn thành tốt nhiệm vụ",
    "HT": "Hoàn thành nhiệm vụ",
    "KHT": "Không hoàn thành nhiệm vụ",
}
SHEET_NAMES = {
    "grassroots": "TCCS đảng",
    "cells": "Chi bộ trực thuộc",
    "leadership": "Tập thể lãnh đạo",
    "members": "Đảng viên",
    "leaders": "Lãnh đạo quản lý",
}
CLASS_NAMES = {
    SubjectClass.COLLECTIVE: "Tập thể",
    SubjectClass.CENTRAL_CADRE: "Cán bộ diện Trung ương quản lý",
    SubjectClass.LEADER: "Cán bộ lãnh đạo, quản lý",
    SubjectClass.NON_LEADER: "Cá nhân không giữ chức vụ lãnh đạo",
    SubjectClass.OUTSIDE: "Đảng viên không công tác trong hệ thống chính trị",
}
ELIGIBILITY_NAMES = {
    Eligibility.ELIGIBLE: "Kiểm điểm, xếp loại",
    Eligibility.NOT_REVIEWED: "Không kiểm điểm",
    Eligibility.NOT_RATED: "Kiểm điểm, không xếp loại",
    Eligibility.CAPPED: "Xếp loại không quá mức Hoàn thành nhiệm vụ",
}
STATUS_NAMES = {
    RatingStatus.APPRAISED: "Đã thẩm định",
    RatingStatus.DECIDED: "Đã quyết định",
    RatingStatus.PUBLISHED: "Đã công khai",
    RatingStatus.REOPENED: "Đang xem xét lại",
}
OWN_ROW = "Trực thuộc trực tiếp"
DEDUP_NOTE = (
    "Một người kiểm điểm ở nhiều nơi (R-E4) được tính một lần trong mỗi dòng và trong dòng "
    "tổng cộng, với mức thấp hơn nếu hai nơi xếp khác nhau; vì vậy tổng các dòng có thể lớn "
    "hơn dòng tổng cộng."
)
SIGNERS = {
    UnitKind.PARTY_COMMITTEE: "T/M BAN THƯỜNG VỤ",
    UnitKind.GRASSROOTS_COMMITTEE: "T/M ĐẢNG ỦY",
    UnitKind.SECTION_COMMITTEE: "T/M ĐẢNG ỦY",
    UnitKind.GRASSROOTS_CELL: "T/M CHI BỘ",
    UnitKind.PARTY_CELL: "T/M CHI BỘ",
}


# --- Columns shared by the workbook and the CSV -------------------------------------------------

# (header, value(stats), kind) — kind "n" a count, "p" a percentage.
COLUMNS: list[tuple[str, Any, str]] = [
    ("Tổng số", lambda g: g.total, "n"),
    ("Không kiểm điểm", lambda g: g.not_reviewed, "n"),
    ("Kiểm điểm, không xếp loại", lambda g: g.not_rated, "n"),
    ("Chưa xếp loại", lambda g: g.pending, "n"),
    ("Đã xếp loại", lambda g: g.rated, "n"),
    ("HTXS", lambda g: g.count("HTXS"), "n"),
    ("HTXS (%)", lambda g: g.pct("HTXS"), "p"),
    ("HTT", lambda g: g.count("HTT"), "n"),
    ("HTT (%)", lambda g: g.pct("HTT"), "p"),
    ("HT", lambda g: g.count("HT"), "n"),
    ("HT (%)", lambda g: g.pct("HT"), "p"),
    ("KHT", lambda g: g.count("KHT"), "n"),
    ("KHT (%)", lambda g: g.pct("KHT"), "p"),
    ("HTT trở lên", lambda g: g.htt_or_above, "n"),
    ("HTT trở lên (%)", lambda g: g.htt_or_above_pct, "p"),
    ("HTXS so với HTT (%)", lambda g: g.htxs_pct_of_htt, "p"),
]


def row_label(row: ChildRow, unit: OrgUnit) -> tuple[str, str]:
    """(name, code) of a table row: a child unit, or the unit's own subjects."""
    if row.unit is None:
        return f"{OWN_ROW} {unit.name}", unit.code
    return row.unit.name, row.unit.code


def _title(summary: UnitSummary) -> str:
    return (
        "Kết quả thực hiện kiểm điểm, đánh giá, xếp loại chất lượng năm "
        f"{summary.period.year} – {summary.unit.name}"
    )


# --- Excel ------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_TOTAL_FILL = PatternFill("solid", fgColor="EDEDED")


class _Sheet:
    """A write-only sheet with the house style: a title, a frozen header, widths, formats."""

    def __init__(self, workbook: Workbook, title: str, heading: str, columns: list[tuple]):
        self.ws = workbook.create_sheet(title[:31])
        self.columns = columns  # (header, width, kind)
        for index, (_header, width, _kind) in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = "C4" if len(columns) > 2 else "A4"
        last = get_column_letter(len(columns))
        self.ws.merged_cells.ranges.add(f"A1:{last}1")
        self.ws.append([self._cell(heading, font=Font(bold=True, size=13))])
        self.ws.append([])
        self.ws.append(
            [
                self._cell(
                    header,
                    font=Font(bold=True),
                    fill=_HEADER_FILL,
                    border=_BORDER,
                    alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
                )
                for header, _width, _kind in columns
            ]
        )
        self.ws.row_dimensions[3].height = 45

    def _cell(self, value: Any, **style: Any) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        for name, attribute in style.items():
            setattr(cell, name, attribute)
        return cell

    def row(self, values: Iterable[Any], *, total: bool = False) -> None:
        cells = []
        for value, (_header, _width, kind) in zip(values, self.columns, strict=True):
            if kind == "p":
                value = float(value) / 100 if value is not None else None
            cell = self._cell(value, border=_BORDER)
            if kind == "p":
                cell.number_format = "0.00%"
            elif kind == "n":
                cell.number_format = "#,##0"
            elif kind == "wrap":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if total:
                cell.font = Font(bold=True)
                cell.fill = _TOTAL_FILL
            cells.append(cell)
        self.ws.append(cells)

    def note(self, text: str) -> None:
        self.ws.append([])
        self.ws.append([self._cell(text, font=Font(italic=True))])


def _ok(ok: bool) -> str:
    return "Có" if ok else "Vượt"


def _class_name(code: str) -> str:
    return CLASS_NAMES.get(code, code)


def _stats_values(stats: GroupStats) -> list[Any]:
    return [value(stats) for _header, value, _kind in COLUMNS]


def write_xlsx(
    summary: UnitSummary, target: str | Path | BinaryIO, *, people: bool = False
) -> None:
    """The summary workbook: one sheet per class group (a row per child unit and a totals
    row), the years, the quota groups, the KHT list, and with `people` every subject of the
    subtree (streamed). Written to a path or a binary file."""
    workbook = Workbook(write_only=True)
    unit = summary.unit
    figure_columns = [("STT", 6, "t"), ("Đơn vị", 42, "t"), ("Mã đơn vị", 14, "t")] + [
        (header, 11 if kind == "n" else 10, kind) for header, _value, kind in COLUMNS
    ]
    for group in GROUPS:
        sheet = _Sheet(
            workbook,
            SHEET_NAMES[group.code],
            f"{group.title} – {_title(summary)}",
            figure_columns,
        )
        for number, row in enumerate(summary.rows, start=1):
            name, code = row_label(row, unit)
            sheet.row([number, name, code, *_stats_values(row.groups[group.code])])
        sheet.row(
            ["", "Tổng cộng", unit.code, *_stats_values(summary.totals[group.code])], total=True
        )
        sheet.note(DEDUP_NOTE)

    years = _Sheet(
        workbook,
        "Qua các năm",
        f"Tỷ lệ hoàn thành tốt nhiệm vụ trở lên qua các năm – {unit.name}",
        [("Năm", 8, "t"), ("Nguồn số liệu", 30, "t")]
        + [(f"{g.title} (%)", 16, "p") for g in GROUPS]
        + [(f"{g.title}: đã xếp loại", 16, "n") for g in GROUPS],
    )
    for year in summary.years:
        source = "Số liệu nhập" if year.source == "history" else year.label
        years.row(
            [year.year, source]
            + [year.groups[g.code].htt_or_above_pct for g in GROUPS]
            + [year.groups[g.code].rated for g in GROUPS]
        )
    for group in GROUPS:
        found = summary.ranges.get(group.code)
        if found:
            years.note(
                f"{group.title}: từ {vn_percent(found.low)} ({found.low_year}) đến "
                f"{vn_percent(found.high)} ({found.high_year})."
            )

    quota = _Sheet(
        workbook,
        "Tỷ lệ HTXS theo nhóm",
        f"Tỷ lệ Hoàn thành xuất sắc nhiệm vụ theo nhóm đối tượng (R-Q1) – {unit.name}",
        [
            ("STT", 6, "t"),
            ("Nhóm đối tượng", 50, "t"),
            ("Đơn vị", 36, "t"),
            ("Số đã xếp loại", 12, "n"),
            ("HTT", 10, "n"),
            ("HTXS", 10, "n"),
            ("HTXS tối đa", 12, "n"),
            ("Bảo đảm tỷ lệ", 12, "t"),
        ],
    )
    for number, r in enumerate(summary.quota.rows, start=1):
        quota.row(
            [
                number,
                r.name,
                r.unit_name,
                r.headcount,
                r.htt,
                r.htxs,
                r.cap,
                "Có" if r.ok else "Vượt",
            ]
        )
    quota.note(
        f"{summary.quota.within}/{summary.quota.groups} nhóm bảo đảm tỷ lệ HTXS không vượt mức "
        "tối đa của bộ quy tắc."
    )

    kht = _Sheet(
        workbook,
        "Không hoàn thành NV",
        f"Danh sách không hoàn thành nhiệm vụ – {unit.name}",
        [
            ("STT", 6, "t"),
            ("Họ và tên / tập thể", 30, "t"),
            ("Nơi kiểm điểm", 36, "t"),
            ("Đối tượng", 28, "t"),
            ("Lý do", 80, "wrap"),
        ],
    )
    for number, r in enumerate(summary.kht, start=1):
        kht.row(
            [
                number,
                r.name,
                r.unit_name,
                CLASS_NAMES.get(r.subject_class, r.subject_class),
                "; ".join(r.reasons),
            ]
        )
    if summary.kht_total > len(summary.kht):
        kht.note(f"Còn {summary.kht_total - len(summary.kht)} trường hợp khác không liệt kê.")

    if people:
        listing = _Sheet(
            workbook,
            "Danh sách",
            f"Danh sách đối tượng kiểm điểm, xếp loại – {unit.name}",
            [
                ("STT", 8, "t"),
                ("Mã cán bộ", 16, "t"),
                ("Họ và tên / tập thể", 30, "t"),
                ("Nơi kiểm điểm", 36, "t"),
                ("Mã đơn vị", 14, "t"),
                ("Đối tượng", 28, "t"),
                ("Diện đánh giá", 24, "t"),
                ("Mức xếp loại", 12, "t"),
                ("Tình trạng", 14, "t"),
            ],
        )
        for number, values in enumerate(_subject_rows(summary.period, unit), start=1):
            listing.ws.append([number, *values])
    workbook.save(target)


def _subject_rows(period: ReviewPeriod, unit: OrgUnit) -> Iterator[list[Any]]:
    """Every subject of the subtree, in tree order, streamed from a server-side cursor."""
    rows = (
        Subject.objects.filter(period=period, unit__path__startswith=unit.path)
        .order_by("unit__path", "person__given_name", "person__full_name", "pk")
        .values_list(
            "person__code",
            "person__full_name",
            "unit__name",
            "unit__code",
            "subject_class",
            "eligibility",
            "rating__level",
            "rating__status",
        )
    )
    for code, name, unit_name, unit_code, cls, eligibility, level, status in rows.iterator(
        chunk_size=5000
    ):
        yield [
            code or "",
            name or unit_name,
            unit_name,
            unit_code,
            CLASS_NAMES.get(cls, cls),
            ELIGIBILITY_NAMES.get(eligibility, eligibility),
            level if status in (RatingStatus.DECIDED, RatingStatus.PUBLISHED) else "",
            STATUS_NAMES.get(status, "Chưa xếp loại") if status else "Chưa xếp loại",
        ]


# --- CSV --------------------------------------------------------------------------------------


def _csv_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return "" if value is None else value


def write_csv(summary: UnitSummary, target: str | Path | IO[str]) -> None:
    """The table per child unit for every class group, with totals, as UTF-8 CSV with a BOM
    (Excel then reads the Vietnamese text correctly). Percentages use a decimal point."""
    if isinstance(target, str | Path):
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            write_csv(summary, handle)
        return
    encoding = (getattr(target, "encoding", None) or "").lower()
    if target.tell() == 0 and not encoding.endswith("-sig"):
        target.write("\ufeff")
    writer = csv.writer(target)
    writer.writerow(["Nhóm đối tượng", "STT", "Đơn vị", "Mã đơn vị", *(h for h, _v, _k in COLUMNS)])
    unit = summary.unit
    for group in GROUPS:
        for number, row in enumerate(summary.rows, start=1):
            name, code = row_label(row, unit)
            values = _stats_values(row.groups[group.code])
            writer.writerow([group.title, number, name, code, *map(_csv_number, values)])
        values = _stats_values(summary.totals[group.code])
        writer.writerow([group.title, "", "Tổng cộng", unit.code, *map(_csv_number, values)])


# --- The narrative report (PDF) -----------------------------------------------------------------


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


# --- The personal dossier -----------------------------------------------------------------------


def dossier_context(person: Person, years: int = 3) -> dict[str, Any]:
    """The last `years` years of the person's reports, comments and results (decided levels
    only), plus imported levels of years the app has no period for."""
    subjects = list(
        Subject.objects.filter(person=person)
        .select_related("period", "unit")
        .order_by("-period__year", "-period__opens_on", "unit__path")
    )
    imported = list(
        HistoricalLevel.objects.filter(person=person).select_related("unit").order_by("-year")
    )
    all_years = sorted({s.period.year for s in subjects} | {h.year for h in imported})
    last = all_years[-1] if all_years else timezone.localdate().year
    window = range(last - years + 1, last + 1)
    subjects = [s for s in subjects if s.period.year in window]
    ids = [s.pk for s in subjects]
    reports = {r.subject_id: r for r in Report.objects.filter(subject_id__in=ids)}
    ratings = {
        r.subject_id: r
        for r in Rating.objects.filter(subject_id__in=ids).select_related("decision")
    }
    comments: dict[int, list[Comment]] = {}
    for comment in Comment.objects.filter(report__subject_id__in=ids).select_related("author"):
        comments.setdefault(comment.report_id, []).append(comment)
    blocks: dict[int, dict[str, Any]] = {
        year: {"year": year, "sites": [], "imported": []} for year in sorted(window, reverse=True)
    }
    for subject in subjects:
        report = reports.get(subject.pk)
        rating = ratings.get(subject.pk)
        try:
            form = ruleset_for_unit(subject.period, subject.unit).form_for_class(
                subject.subject_class
            )
            titles = {section.key: section.title for section in form.sections}
        except (RuleSetNotFound, KeyError):
            titles = {}
        sections = []
        if report is not None:
            for key, text in (report.sections or {}).items():
                if str(text or "").strip():
                    sections.append({"title": titles.get(key, key), "text": str(text).strip()})
        decided = rating is not None and rating.status in (
            RatingStatus.DECIDED,
            RatingStatus.PUBLISHED,
        )
        blocks[subject.period.year]["sites"].append(
            {
                "period": subject.period.name,
                "unit": subject.unit.name,
                "class": CLASS_NAMES.get(subject.subject_class, subject.subject_class),
                "eligibility": ELIGIBILITY_NAMES.get(subject.eligibility, subject.eligibility),
                "form": report.form_code if report else "",
                "self_level": LEVEL_NAMES.get(report.self_level, "") if report else "",
                "sections": sections,
                "comments": [
                    {
                        "author": "Ẩn danh"
                        if c.is_anonymous or c.author is None
                        else c.author.full_name,
                        "date": f"{c.created_on:%d/%m/%Y}",
                        "text": c.text,
                        "response": {"accepted": "Tiếp thu", "explained": "Giải trình"}.get(
                            c.response_kind, ""
                        ),
                        "response_text": c.response_text,
                    }
                    for c in (report and comments.get(report.pk, [])) or []
                ],
                "level": LEVEL_NAMES.get(rating.level, rating.level) if decided else "",
                "level_code": rating.level if decided else "",
                "decision": (rating.decision.number or f"#{rating.decision_id}")
                if decided and rating.decision_id
                else "",
                "status": STATUS_NAMES.get(rating.status, "") if rating else "Chưa xếp loại",
            }
        )
    for row in imported:
        # A year the app has a period for shows the app's results only.
        if row.year in blocks and not blocks[row.year]["sites"]:
            blocks[row.year]["imported"].append(
                {
                    "unit": row.unit.name if row.unit else "",
                    "class": CLASS_NAMES.get(row.subject_class, row.subject_class),
                    "level": LEVEL_NAMES.get(row.level, row.level),
                    "level_code": row.level,
                    "source": row.source,
                }
            )
    return {
        "person": {
            "code": person.code,
            "name": person.full_name,
            "birth_date": f"{person.birth_date:%d/%m/%Y}" if person.birth_date else "",
            "admitted": f"{person.party_admission_date:%d/%m/%Y}"
            if person.party_admission_date
            else "",
        },
        "years": [blocks[y] for y in sorted(blocks, reverse=True)],
        "first_year": window.start,
        "last_year": window.stop - 1,
    }


def content_checksum(context: dict[str, Any]) -> str:
    """SHA-256 of the dossier's content in a canonical form (sorted keys, UTF-8)."""
    canonical = json.dumps(context, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render_dossier_pdf(
    person: Person, years: int = 3, *, now: dt.datetime | None = None
) -> tuple[bytes, str]:
    """The personal dossier (hồ sơ) as PDF bytes and the SHA-256 of its content, which is
    printed in every page's footer and on the last page (a file cannot contain its own hash,
    so the printed one is of the content; the file's own hash is kept in the archive)."""
    context = dossier_context(person, years)
    checksum = content_checksum(context)
    now = now or timezone.now()
    local = timezone.localtime(now)
    return (
        render_pdf(
            "documents/dossier.html",
            {
                **context,
                "checksum": checksum,
                "created": f"{local:%H:%M} {vn_date(local.date())}",
            },
        ),
        checksum,
    )


@transaction.atomic
def archive_dossier(
    *, person: Person, user: AbstractBaseUser | None, years: int = 3
) -> DossierArchive:
    """Render the dossier and keep the copy handed out, with both checksums."""
    pdf, checksum = render_dossier_pdf(person, years)
    return DossierArchive.objects.create(
        person=person,
        created_by=user,
        years=years,
        sha256=checksum,
        file_sha256=hashlib.sha256(pdf).hexdigest(),
        file=ContentFile(pdf, name="ho-so.pdf"),
        size=len(pdf),
    )


def export_bytes(summary: UnitSummary, fmt: str) -> bytes:
    """The export in memory (small subtrees and tests)."""
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(summary, buffer)
        return buffer.getvalue()
    if fmt == "csv":
        text = io.StringIO()
        write_csv(summary, text)
        return text.getvalue().encode("utf-8")
    if fmt == "pdf":
        return render_summary_pdf(summary)
    raise ValueError(fmt)

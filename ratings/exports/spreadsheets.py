"""The summary as an Excel workbook and as CSV, both from the columns defined here. Every
cell goes through `documents.cells`, so a name is written as text, never as a formula.

The Excel workbook is written with openpyxl in write-only mode, row by row, so a province-wide
list of every subject streams through without being held in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from documents.cells import FORMULA_TRIGGERS, csv_writer, xlsx_cell
from orgunits.models import OrgUnit
from reviews.models import ReviewPeriod, Subject

from ..models import RatingStatus
from ..summary import GROUPS, GroupStats, UnitSummary, vn_percent
from .labels import CLASS_NAMES, DEDUP_NOTE, ELIGIBILITY_NAMES, STATUS_NAMES, row_label

SHEET_NAMES = {
    "grassroots": "TCCS đảng",
    "cells": "Chi bộ trực thuộc",
    "leadership": "Tập thể lãnh đạo",
    "members": "Đảng viên",
    "leaders": "Lãnh đạo quản lý",
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
        return xlsx_cell(self.ws, value, **style)

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
        f"Tỷ lệ Hoàn thành xuất sắc nhiệm vụ theo nhóm đối tượng – {unit.name}",
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
        ws = listing.ws
        for number, values in enumerate(_subject_rows(summary.period, unit), start=1):
            ws.append([number, *(_plain_or_cell(ws, value) for value in values)])
    workbook.save(target)


def _plain_or_cell(worksheet: Any, value: Any) -> Any:
    """The value itself when openpyxl would store it as `xlsx_cell` does (plain text, numbers),
    else the safe cell. A cell object costs openpyxl's write-only append an exception per
    value; the people sheet has two million of them."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS)
        or value in ERROR_CODES
        or ILLEGAL_CHARACTERS_RE.search(value)
    ):
        return xlsx_cell(worksheet, value)
    return value


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
    writer = csv_writer(target)
    writer.writerow(["Nhóm đối tượng", "STT", "Đơn vị", "Mã đơn vị", *(h for h, _v, _k in COLUMNS)])
    unit = summary.unit
    for group in GROUPS:
        for number, row in enumerate(summary.rows, start=1):
            name, code = row_label(row, unit)
            values = _stats_values(row.groups[group.code])
            writer.writerow([group.title, number, name, code, *map(_csv_number, values)])
        values = _stats_values(summary.totals[group.code])
        writer.writerow([group.title, "", "Tổng cộng", unit.code, *map(_csv_number, values)])

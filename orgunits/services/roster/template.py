"""The empty roster template: a workbook with the three data sheets and a guide sheet."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from documents.cells import append_row

from .tables import DATE_HINT, GUIDE_SHEET, MAX_ROWS, TABLES


def build_template_workbook() -> bytes:
    """The empty roster template: three data sheets with Vietnamese headers, and a guide."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    optional_fill = PatternFill("solid", fgColor="E7EEF7")
    for table in TABLES:
        sheet = workbook.create_sheet(table.sheet)
        append_row(sheet, [c.header for c in table.columns])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            cell = sheet.cell(row=1, column=index)
            cell.font = Font(bold=True, color="C00000" if column.required else "000000")
            cell.fill = required_fill if column.required else optional_fill
            note = ("Bắt buộc. " if column.required else "") + column.hint
            if note.strip():
                cell.comment = Comment(note.strip(), "kiemdiem")
            sheet.column_dimensions[letter].width = column.width
            if column.as_text:
                sheet.column_dimensions[letter].number_format = "@"
            if column.choices:
                # A warning, not a stop: the importer also accepts aliases and stored values.
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(column.choices) + '"',
                    allow_blank=True,
                    errorStyle="warning",
                    error="Giá trị không có trong danh sách.",
                )
                validation.add(f"{letter}2:{letter}{MAX_ROWS}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    _write_guide(workbook.create_sheet(GUIDE_SHEET))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_guide(sheet: Any) -> None:
    bold = Font(bold=True)
    append_row(sheet, ["Hướng dẫn nhập danh sách"])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in (
        "Điền dữ liệu vào ba trang «Đơn vị», «Nhân sự», «Sinh hoạt - công tác»; giữ nguyên "
        "dòng tiêu đề. Cột chữ đỏ là bắt buộc. Có thể bỏ trống cả một trang.",
        f"Ngày ghi theo dạng {DATE_HINT} (cũng nhận d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, "
        "yyyy-mm-dd). Có/không: có, không, x, 1, 0.",
        "Tệp có lỗi thì không ghi gì; hệ thống liệt kê mọi lỗi theo trang, dòng, cột.",
        "Nhập lại cùng một tệp không thay đổi gì: đơn vị, cán bộ được nhận ra theo mã.",
        "Các dòng dưới đây chỉ là ví dụ; đừng chép chúng vào các trang dữ liệu.",
    ):
        append_row(sheet, [line])
    for table in TABLES:
        append_row(sheet, [])
        append_row(sheet, [f"Trang «{table.sheet}»"])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        append_row(sheet, ["Cột", "Bắt buộc", "Giá trị", "Ví dụ"])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for column in table.columns:
            append_row(
                sheet, [column.header, "có" if column.required else "", column.hint, column.example]
            )
        append_row(sheet, ["Dòng ví dụ:"])
        append_row(sheet, [c.header for c in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        append_row(sheet, [c.example for c in table.columns])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 70
    sheet.column_dimensions["D"].width = 24
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=False, vertical="top")

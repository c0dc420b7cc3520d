"""Spreadsheet bombs built in code: small files that inflate to many rows or large parts."""

from __future__ import annotations

import io
import zipfile

import openpyxl

ROSTER_HEADER = ["Mã cán bộ", "Họ và tên"]


def _workbook(sheet_title: str, header: list[str]) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = sheet_title
    book.active.append(header)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rebuilt(data: bytes, change) -> bytes:
    """The workbook with its parts passed through `change(name, bytes)`, packed as tightly as
    zip allows (the way a bomb is made)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def empty_rows_bomb(
    rows: int = 200_000, *, dimension: str | None = None, title="Nhân sự", blank_cells=False
) -> bytes:
    """A sheet with a header and `rows` empty rows (`<row r="n"/>`), or rows that hold only a
    blank cell (a space), which a reader must still walk."""

    def change(name: str, part: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return part
        if dimension is not None:
            part = part.replace(
                b'<dimension ref="A1:B1"/>', f'<dimension ref="{dimension}"/>'.encode()
            )
        if blank_cells:
            row = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t xml:space="preserve"> </t>'
            row += b"</is></c></row>"
            body = b"".join(row % (n, n) for n in range(2, rows + 2))
        else:
            body = b"".join(b'<row r="%d"/>' % n for n in range(2, rows + 2))
        return part.replace(b"</sheetData>", body + b"</sheetData>")

    return _rebuilt(_workbook(title, ROSTER_HEADER), change)


def shared_strings_bomb(size: int) -> bytes:
    """A workbook carrying a shared-string table of one string of `size` letters."""
    table = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="1"><si><t>' + b"x" * size + b"</t></si></sst>"
    )
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(_workbook("Nhân sự", ROSTER_HEADER)))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()

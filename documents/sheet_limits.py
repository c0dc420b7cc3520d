"""Limits on uploaded spreadsheets, checked on the raw bytes BEFORE any parser sees them.

An .xlsx file is a zip archive of XML parts. A few kilobytes can inflate to megabytes of
`<row/>` elements (200,000 empty rows in a 7.7 KB file took openpyxl 20 s to walk) or to a
shared-string table that must be held in memory. openpyxl has no limits of its own, so every
importer calls `check_upload` first; it looks only at the zip directory and streams the sheet
parts through a byte counter, never building a tree:

- the archive: at most MAX_MEMBERS parts, at most MAX_INFLATED_BYTES once inflated in total
  (the sizes the directory declares, which `zipfile` also enforces while reading), and an
  overall compression ratio of at most MAX_RATIO (ordinary workbooks compress 5–20 times);
- the shared strings (`xl/sharedStrings.xml`) at most MAX_SHARED_STRINGS_BYTES;
- each worksheet: the row count its `<dimension>` declares and the `<row` elements it really
  holds, empty rows included, at most `max_rows`;
- CSV: the number of lines, at most `max_rows`.

The importers also count rows while they iterate (a hard stop), and parse in a worker with a
time limit, so a file that slips through still cannot hold a web process.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

MAX_MEMBERS = 1_000
MAX_INFLATED_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)


class SpreadsheetRefused(ValueError):
    """The upload exceeds a limit; the message (Vietnamese) says which and what to do."""


@dataclass(frozen=True)
class Checked:
    """What the pre-check measured (for tests and logs)."""

    inflated_bytes: int = 0
    rows: int = 0


def vn_count(value: int) -> str:
    """A count the Vietnamese way: 200.000."""
    return f"{value:,}".replace(",", ".")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_upload(file_name: str, data: bytes, *, max_rows: int) -> Checked:
    """Refuse (SpreadsheetRefused) an .xlsx or .csv upload that exceeds the limits; files of
    other types and archives zipfile cannot open are left to the importer's own message."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix == ".csv":
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if lines > max_rows:
            raise SpreadsheetRefused(
                f"Tệp có {vn_count(lines)} dòng (kể cả dòng trống), vượt giới hạn "
                f"{vn_count(max_rows)} dòng; hãy xoá các dòng thừa hoặc chia nhỏ tệp."
            )
        return Checked(inflated_bytes=len(data), rows=lines)
    if suffix != ".xlsx":
        return Checked()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return Checked()
    with archive:
        members = archive.infolist()
        inflated = _check_archive(members, len(data))
        rows = 0
        for member in members:
            if _SHEET_PART.fullmatch(member.filename):
                rows = max(rows, _check_sheet(archive, member, max_rows))
    return Checked(inflated_bytes=inflated, rows=rows)


def _check_archive(members: list[zipfile.ZipInfo], size: int) -> int:
    if len(members) > MAX_MEMBERS:
        raise SpreadsheetRefused(
            f"Tệp Excel gồm quá nhiều phần ({len(members)}); hãy lưu lại tệp từ Excel."
        )
    inflated = sum(m.file_size for m in members)
    if inflated > MAX_INFLATED_BYTES:
        raise SpreadsheetRefused(
            f"Tệp Excel khi giải nén lớn {_mb(inflated)}, vượt giới hạn "
            f"{_mb(MAX_INFLATED_BYTES)}; hãy xoá các dòng, cột thừa hoặc chia nhỏ tệp."
        )
    if inflated > MAX_RATIO * max(size, 1):
        raise SpreadsheetRefused(
            f"Tệp Excel nén bất thường (giải nén lớn gấp {inflated // max(size, 1)} lần, tối đa "
            f"{MAX_RATIO} lần): thường do hàng chục nghìn dòng, ô trống có định dạng. Hãy xoá "
            "các dòng, cột trống thừa rồi lưu lại."
        )
    for member in members:
        if member.filename.lower() == "xl/sharedstrings.xml" and (
            member.file_size > MAX_SHARED_STRINGS_BYTES
        ):
            raise SpreadsheetRefused(
                f"Bảng chữ dùng chung của tệp Excel lớn {_mb(member.file_size)}, vượt giới hạn "
                f"{_mb(MAX_SHARED_STRINGS_BYTES)}; hãy chia nhỏ tệp."
            )
    return inflated


def _too_many_rows(rows: int, max_rows: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        f"Một trang của tệp Excel có {vn_count(rows)} dòng trở lên (kể cả dòng trống), vượt giới "
        f"hạn {vn_count(max_rows)} dòng; hãy xoá các dòng trống thừa ở cuối trang hoặc chia nhỏ "
        "tệp."
    )


def _check_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo, max_rows: int) -> int:
    """The number of rows the sheet part holds, streamed; refuses past `max_rows`."""
    rows = 0
    tail = b""
    first = True
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            block = tail + chunk
            if first:
                first = False
                declared = _DIMENSION.search(block[:65536])
                if declared and int(declared.group(1)) > max_rows:
                    raise _too_many_rows(int(declared.group(1)), max_rows)
            # A row tag cut by the chunk boundary is counted in the next block, once.
            cut = max(len(block) - 64, 0)
            rows += sum(1 for m in _ROW.finditer(block) if m.start() < cut)
            tail = block[cut:]
            if rows > max_rows:
                raise _too_many_rows(rows, max_rows)
    rows += sum(1 for _ in _ROW.finditer(tail))
    if rows > max_rows:
        raise _too_many_rows(rows, max_rows)
    return rows

"""Reading a roster file: .xlsx or .csv into sheets of rows, and cells into typed values."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import python_calamine
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from documents.sheet_limits import SpreadsheetRefused, check_upload, vn_count

from ...exceptions import RowProblem
from ...text import label_key as _key
from ...text import nfc
from .tables import DATE_HINT, GUIDE_SHEET, MAX_ROWS, MAX_SCANNED_ROWS, TABLES, Table

# --- Reading the file -------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    cells: dict[str, Any]


@dataclass
class _Sheet:
    table: Table
    name: str
    present: frozenset[str]
    rows: list[_Row]


class _Problems:
    """Collects problems and hands them back in file order (sheet, row, column)."""

    def __init__(self) -> None:
        self._items: list[tuple[tuple[int, int, int], RowProblem]] = []

    def __bool__(self) -> bool:
        return bool(self._items)

    def add(self, sheet: _Sheet | None, row: int, key: str | None, message: str) -> None:
        if sheet is None:
            order = (-1, row, 0)
            self._items.append((order, RowProblem("", row, "", message)))
            return
        table = sheet.table
        keys = [c.key for c in table.columns]
        column = table.column(key).header if key else ""
        order = (TABLES.index(table), row, keys.index(key) if key else -1)
        self._items.append((order, RowProblem(sheet.name, row, column, message)))

    def file(self, message: str) -> None:
        self.add(None, 0, None, message)

    def sorted(self) -> list[RowProblem]:
        return [problem for _, problem in sorted(self._items, key=lambda item: item[0])]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value) or None
    if isinstance(value, float) and value.is_integer():
        # Excel stores every number as a float: a code typed as 1001 must read "1001".
        return int(value)
    return value


def _recognise(header: list[Any]) -> Table | None:
    """The table whose required columns the header row holds, preferring the best match."""
    best: tuple[int, Table] | None = None
    for table in TABLES:
        matched = {col.key for cell in header if cell is not None and (col := table.match(cell))}
        complete = all(c.key in matched for c in table.columns if c.required)
        if complete and (best is None or len(matched) > best[0]):
            best = (len(matched), table)
    return best[1] if best else None


def _read_rows(
    table: Table, name: str, header: list[Any], rows: Iterator[Any], problems: _Problems
) -> _Sheet:
    positions: dict[int, str] = {}
    repeated: list[str] = []
    for index, cell in enumerate(header):
        column = table.match(cell) if cell is not None else None
        if column is None:
            continue  # extra columns (notes, STT) are allowed and ignored
        if column.key in positions.values():
            repeated.append(column.key)
        else:
            positions[index] = column.key
    sheet = _Sheet(table, name, frozenset(positions.values()), [])
    for key in repeated:
        header_text = table.column(key).header
        problems.add(sheet, 1, key, f"Cột «{header_text}» xuất hiện hai lần.")
    for column in table.columns:
        if column.required and column.key not in sheet.present:
            problems.add(sheet, 1, column.key, f"Thiếu cột bắt buộc «{column.header}».")
    for number, values in enumerate(rows, start=2):
        if number > MAX_SCANNED_ROWS:  # empty rows count: walking them costs as much
            problems.add(
                sheet,
                number,
                None,
                f"Trang có quá {vn_count(MAX_SCANNED_ROWS)} dòng (kể cả dòng trống); hãy xoá "
                "các dòng trống thừa hoặc chia nhỏ tệp.",
            )
            break
        cells = {
            key: _clean(values[index])
            for index, key in positions.items()
            if index < len(values) and values[index] is not None
        }
        cells = {key: value for key, value in cells.items() if value is not None}
        if not cells:
            continue
        if len(sheet.rows) >= MAX_ROWS:
            problems.add(sheet, number, None, f"Trang có quá {MAX_ROWS} dòng; hãy chia nhỏ tệp.")
            break
        sheet.rows.append(_Row(number, cells))
    return sheet


def _open_xlsx(data: bytes) -> python_calamine.CalamineWorkbook:
    # calamine (Rust) reads a 50,000-row sheet in about a second, where openpyxl's read-only
    # mode took half a minute; it yields cached formula values, as openpyxl's data_only did.
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))


def _read_xlsx(data: bytes, problems: _Problems) -> list[_Sheet]:
    try:
        workbook = _open_xlsx(data)
        names = [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
    except Exception:  # any malformed upload ends here; the reader raises many kinds
        problems.file("Không đọc được tệp Excel (.xlsx); hãy kiểm tra lại tệp hoặc lưu lại.")
        return []
    sheets: list[_Sheet] = []
    by_name = {_key(t.sheet): t for t in TABLES}
    try:
        for title in names:
            if _key(title) == _key(GUIDE_SHEET):
                continue
            # From cell A1, so that list positions are spreadsheet rows and columns.
            rows = iter(workbook.get_sheet_by_name(title).to_python(skip_empty_area=False))
            header = [_clean(cell) for cell in next(rows, ())]
            table = by_name.get(_key(title)) or _recognise(header)
            if table is None:
                continue
            if any(s.table is table for s in sheets):
                problems.file(f"Trang «{title}» cùng loại với một trang khác ({table.sheet}).")
                continue
            sheets.append(_read_rows(table, title, header, rows, problems))
    except Exception:  # a corrupt sheet part surfaces only when the sheet is read
        problems.file("Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx.")
        return []
    finally:
        workbook.close()
    if not sheets and not problems:
        names_text = ", ".join(f"«{t.sheet}»" for t in TABLES)
        problems.file(f"Không tìm thấy trang {names_text} trong tệp (xem tệp mẫu).")
    return sheets


def _read_csv(data: bytes, problems: _Problems) -> list[_Sheet]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.file("Tệp CSV phải lưu bằng bảng mã UTF-8 (trong Excel chọn «CSV UTF-8»).")
        return []
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    best: tuple[int, str, Table] | None = None
    # Excel writes ";" where the decimal separator is a comma, as on Vietnamese Windows.
    for delimiter in (",", ";", "\t"):
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        table = _recognise(header)
        if table is not None:
            matched = sum(1 for cell in header if table.match(cell))
            if best is None or matched > best[0]:
                best = (matched, delimiter, table)
    if best is None:
        names = ", ".join(f"«{t.sheet}»" for t in TABLES)
        problems.file(f"Dòng tiêu đề của tệp CSV không khớp bảng nào trong {names} (xem tệp mẫu).")
        return []
    _, delimiter, table = best
    rows = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=delimiter)
    header = [_clean(cell) for cell in next(rows, [])]
    return [_read_rows(table, table.sheet, header, rows, problems)]


def _read_file(file_name: str, data: bytes, problems: _Problems) -> list[_Sheet]:
    try:
        check_upload(file_name, data, max_rows=MAX_SCANNED_ROWS)
    except SpreadsheetRefused as refused:
        problems.file(str(refused))
        return []
    suffix = PurePath(file_name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data, problems)
    if suffix == ".csv":
        return _read_csv(data, problems)
    if suffix == ".xls":
        problems.file("Tệp .xls (Excel 97–2003) không được hỗ trợ; hãy lưu lại thành .xlsx.")
    else:
        problems.file("Chỉ nhận tệp .xlsx hoặc .csv.")
    return []


# --- Reading cells ----------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# A date exported from Excel to CSV may carry a midnight time.
_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_date(value: Any) -> dt.date:
    """A date from a cell: an Excel date or dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, ISO."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _TIME.sub("", value) if isinstance(value, str) else ""
    if match := _DMY.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := _YMD.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise ValueError(
            f"Ngày «{_as_text(value)}» không đúng dạng; hãy ghi theo dạng {DATE_HINT}."
        )
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise ValueError(
            f"Ngày «{text}» không có trên lịch; hãy kiểm tra ngày và tháng ({DATE_HINT})."
        ) from None
    if not 1900 <= year <= 2100:
        raise ValueError(f"Năm trong ngày «{text}» không hợp lý.")
    return date


# A roster repeats a handful of labels (có, Nam, Đảng viên…) in every row; matching one costs a
# Unicode decomposition, so each distinct cell text is matched once.
_label_key = functools.lru_cache(maxsize=4096)(_key)

_TRUE_WORDS = frozenset({"co", "c", "x", "1", "yes", "y", "true", "dung"})
_FALSE_WORDS = frozenset({"khong", "k", "0", "no", "n", "false", "sai"})


def parse_boolean(value: Any) -> bool:
    """có/không, x, 1/0, yes/no (and Excel TRUE/FALSE cells)."""
    if isinstance(value, bool):
        return value
    word = _label_key(_as_text(value))
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"Giá trị «{_as_text(value)}» không hợp lệ; hãy ghi «có» hoặc «không».")


class _Cells:
    """Typed reads of one row; a bad value becomes a problem and reads as None."""

    def __init__(self, sheet: _Sheet, row: _Row, problems: _Problems) -> None:
        self.sheet = sheet
        self.row = row
        self.problems = problems

    def has(self, key: str) -> bool:
        return key in self.sheet.present

    def fail(self, key: str, message: str) -> None:
        self.problems.add(self.sheet, self.row.number, key, message)

    def text(self, key: str, *, required: bool = False, max_length: int = 255) -> str:
        text = _as_text(self.row.cells.get(key))
        if not text and required:
            header = self.sheet.table.column(key).header
            self.fail(key, f"Thiếu giá trị bắt buộc «{header}».")
        elif len(text) > max_length:
            self.fail(key, f"Dài quá {max_length} ký tự.")
            return ""
        return text

    def date(self, key: str) -> dt.date | None:
        value = self.row.cells.get(key)
        if value is None:
            return None
        try:
            return parse_date(value)
        except ValueError as error:
            self.fail(key, str(error))
            return None

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.row.cells.get(key)
        if value is None:
            return default
        try:
            return parse_boolean(value)
        except ValueError as error:
            self.fail(key, str(error))
            return default

    def choice(
        self,
        key: str,
        lookup: dict[str, str],
        labels: Iterable[str],
        *,
        required: bool = False,
        default: str = "",
    ) -> str:
        value = self.row.cells.get(key)
        if value is None:
            if required:
                header = self.sheet.table.column(key).header
                self.fail(key, f"Thiếu giá trị bắt buộc «{header}».")
            return default
        found = lookup.get(_label_key(_as_text(value)))
        if found is None:
            allowed = ", ".join(labels)
            self.fail(key, f"Giá trị «{_as_text(value)}» không hợp lệ; dùng một trong: {allowed}.")
            return default
        return found

    def count(self, key: str) -> int:
        value = self.row.cells.get(key)
        if value is None:
            return 0
        text = _as_text(value).replace(" ", "")
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif text.isdigit():
            number = int(text)
        else:
            number = -1
        if not 0 <= number <= 2_147_483_647:
            self.fail(key, f"«{text}» không phải số nguyên không âm.")
            return 0
        return number

    def email(self, key: str) -> str:
        text = self.text(key, max_length=254)
        if text:
            try:
                validate_email(text)
            except ValidationError:
                self.fail(key, f"Email «{text}» không hợp lệ.")
                return ""
        return text

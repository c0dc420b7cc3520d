"""Roster import: units, people and memberships from an .xlsx workbook or a .csv table.

The import is all or nothing: the whole file is read and checked first, every problem is
reported with its sheet, row and column, and only a file without problems is written, inside
one transaction. Rows are matched by code, so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, BinaryIO

import openpyxl
import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..exceptions import RosterImportError, RowProblem, UnitCodeTaken
from ..models import Gender, Membership, MembershipRole, OrgUnit, PartyStatus, Person, UnitKind
from ..text import given_name, nfc
from ..text import label_key as _key
from .tree import create_unit

# A roster of a whole province is a few tens of thousands of rows; more is a wrong file.
MAX_ROWS = 50_000
BATCH_SIZE = 500
DATE_HINT = "dd/mm/yyyy, ví dụ 25/03/1980"
GUIDE_SHEET = "Hướng dẫn"

# Labels offered in the template; matching ignores case, diacritics and punctuation, and the
# stored values (e.g. "party_cell") are accepted too.
UNIT_KIND_LABELS: dict[str, str] = {
    "Đảng bộ": UnitKind.PARTY_COMMITTEE,
    "Đảng bộ cơ sở": UnitKind.GRASSROOTS_COMMITTEE,
    "Đảng ủy bộ phận": UnitKind.SECTION_COMMITTEE,
    "Chi bộ cơ sở": UnitKind.GRASSROOTS_CELL,
    "Chi bộ": UnitKind.PARTY_CELL,
    "Cơ quan": UnitKind.AGENCY,
    "Phòng ban": UnitKind.DEPARTMENT,
    "Đơn vị sự nghiệp": UnitKind.PUBLIC_SERVICE_UNIT,
    "Doanh nghiệp": UnitKind.ENTERPRISE,
    "Tập thể lãnh đạo quản lý": UnitKind.LEADERSHIP_COLLECTIVE,
    "Khác": UnitKind.OTHER,
}
_UNIT_KIND_ALIASES: dict[str, str] = {
    "Đảng bộ bộ phận": UnitKind.SECTION_COMMITTEE,
    "Phòng": UnitKind.DEPARTMENT,
    "Ban": UnitKind.DEPARTMENT,
    "Tập thể lãnh đạo": UnitKind.LEADERSHIP_COLLECTIVE,
}
ROLE_LABELS: dict[str, str] = {
    "Bí thư": MembershipRole.SECRETARY,
    "Phó bí thư": MembershipRole.DEPUTY_SECRETARY,
    "Cấp ủy viên": MembershipRole.COMMITTEE_MEMBER,
    "Đảng viên": MembershipRole.PARTY_MEMBER,
    "Người đứng đầu": MembershipRole.HEAD,
    "Cấp phó": MembershipRole.DEPUTY_HEAD,
    "Công chức/viên chức": MembershipRole.STAFF,
}
_ROLE_ALIASES: dict[str, str] = {
    "Chi ủy viên": MembershipRole.COMMITTEE_MEMBER,
    "Đảng ủy viên": MembershipRole.COMMITTEE_MEMBER,
    "Công chức": MembershipRole.STAFF,
    "Viên chức": MembershipRole.STAFF,
}
PARTY_STATUS_LABELS: dict[str, str] = {
    "Đang sinh hoạt": PartyStatus.ACTIVE,
    "Miễn sinh hoạt": PartyStatus.EXEMPT,
    "Đình chỉ sinh hoạt": PartyStatus.SUSPENDED,
}
_PARTY_STATUS_ALIASES: dict[str, str] = {
    "Miễn công tác và sinh hoạt đảng": PartyStatus.EXEMPT,
    "Miễn công tác và sinh hoạt": PartyStatus.EXEMPT,
    "Đình chỉ sinh hoạt đảng": PartyStatus.SUSPENDED,
}
GENDER_LABELS: dict[str, str] = {"Nam": Gender.MALE, "Nữ": Gender.FEMALE}
BOOLEAN_LABELS = ("có", "không")
_TRUE_WORDS = frozenset({"co", "c", "x", "1", "yes", "y", "true", "dung"})
_FALSE_WORDS = frozenset({"khong", "k", "0", "no", "n", "false", "sai"})


def _header_key(value: Any) -> str:
    # "Ngày sinh (dd/mm/yyyy)" and "Mã đơn vị*" are the same column as "Ngày sinh", "Mã đơn vị".
    return _key(re.sub(r"\(.*?\)", " ", str(value)))


def _lookup(
    labels: dict[str, str], aliases: dict[str, str], values: Iterable[str]
) -> dict[str, str]:
    found = {_key(value): value for value in values}
    found.update({_key(label): value for label, value in aliases.items()})
    found.update({_key(label): value for label, value in labels.items()})
    return found


_KINDS = _lookup(UNIT_KIND_LABELS, _UNIT_KIND_ALIASES, UnitKind.values)
_ROLES = _lookup(ROLE_LABELS, _ROLE_ALIASES, MembershipRole.values)
_STATUSES = _lookup(PARTY_STATUS_LABELS, _PARTY_STATUS_ALIASES, PartyStatus.values)
_GENDERS = _lookup(GENDER_LABELS, {}, Gender.values)


@dataclass(frozen=True)
class Column:
    """One column of the template: its Vietnamese header and how the template presents it."""

    key: str
    header: str
    required: bool = False
    hint: str = ""
    example: str = ""
    width: int = 16
    # Text-formatted in the template so Excel keeps leading zeros and does not turn 01/02/1990
    # into a date read in the wrong (month/day) order.
    as_text: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One of the three tables of a roster: a sheet of the workbook or a whole .csv file."""

    key: str
    sheet: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def match(self, header: str) -> Column | None:
        wanted = _header_key(header)
        return next((c for c in self.columns if _header_key(c.header) == wanted), None)


_BOOL_HINT_YES = "có / không (để trống = có)"
_BOOL_HINT_NO = "có / không (để trống = không)"

UNITS = Table(
    "units",
    "Đơn vị",
    (
        Column("code", "Mã đơn vị", True, "Duy nhất trong cả hệ thống", "CB-DONG", 16, True),
        Column("name", "Tên đơn vị", True, "", "Chi bộ thôn Đông", 36),
        Column(
            "kind",
            "Loại đơn vị",
            True,
            ", ".join(UNIT_KIND_LABELS),
            "Chi bộ",
            22,
            choices=tuple(UNIT_KIND_LABELS),
        ),
        Column(
            "parent_code",
            "Mã đơn vị cấp trên",
            False,
            "Mã một đơn vị trong tệp hoặc đã có; để trống = trực thuộc đơn vị được chọn khi nhập",
            "",
            20,
            True,
        ),
        Column("staff_count", "Biên chế", False, "Số nguyên ≥ 0 (để trống = 0)", "12", 10),
        Column(
            "is_active",
            "Đang hoạt động",
            False,
            _BOOL_HINT_YES,
            "có",
            16,
            choices=BOOLEAN_LABELS,
        ),
    ),
)
PEOPLE = Table(
    "people",
    "Nhân sự",
    (
        Column("code", "Mã cán bộ", True, "Duy nhất trong cả hệ thống", "CB0001", 14, True),
        Column("full_name", "Họ và tên", True, "", "Nguyễn Văn An", 28),
        Column("birth_date", "Ngày sinh", False, DATE_HINT, "25/03/1980", 14, True),
        Column("gender", "Giới tính", False, "Nam / Nữ", "Nam", 10, choices=tuple(GENDER_LABELS)),
        Column("email", "Email", False, "", "an.nv@example.gov.vn", 28),
        Column(
            "is_party_member",
            "Đảng viên",
            False,
            _BOOL_HINT_NO,
            "có",
            11,
            choices=BOOLEAN_LABELS,
        ),
        Column(
            "party_admission_date",
            "Ngày vào Đảng",
            False,
            DATE_HINT + "; chỉ ghi cho đảng viên",
            "03/02/2005",
            15,
            True,
        ),
        Column(
            "party_status",
            "Tình trạng sinh hoạt đảng",
            False,
            ", ".join(PARTY_STATUS_LABELS) + " (để trống = Đang sinh hoạt)",
            "Đang sinh hoạt",
            24,
            choices=tuple(PARTY_STATUS_LABELS),
        ),
        Column(
            "works_in_political_system",
            "Trong hệ thống chính trị",
            False,
            _BOOL_HINT_YES,
            "có",
            22,
            choices=BOOLEAN_LABELS,
        ),
        Column(
            "has_leadership_post",
            "Giữ chức vụ lãnh đạo",
            False,
            _BOOL_HINT_NO,
            "không",
            20,
            choices=BOOLEAN_LABELS,
        ),
    ),
)
MEMBERSHIPS = Table(
    "memberships",
    "Sinh hoạt - công tác",
    (
        Column(
            "person_code",
            "Mã cán bộ",
            True,
            "Mã trong trang Nhân sự hoặc đã có",
            "CB0001",
            14,
            True,
        ),
        Column(
            "unit_code", "Mã đơn vị", True, "Mã trong trang Đơn vị hoặc đã có", "CB-DONG", 16, True
        ),
        Column(
            "role",
            "Vai trò",
            True,
            ", ".join(ROLE_LABELS),
            "Bí thư",
            20,
            choices=tuple(ROLE_LABELS),
        ),
        Column("start_date", "Từ ngày", False, DATE_HINT, "01/01/2025", 14, True),
        Column("end_date", "Đến ngày", False, DATE_HINT + "; không trước Từ ngày", "", 14, True),
    ),
)
TABLES: tuple[Table, ...] = (UNITS, PEOPLE, MEMBERSHIPS)


@dataclass
class TableCounts:
    """How many rows of one table the import creates, updates and leaves unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class RosterImportResult:
    """What an import wrote (or, for a dry run, would write)."""

    units: TableCounts = field(default_factory=TableCounts)
    people: TableCounts = field(default_factory=TableCounts)
    memberships: TableCounts = field(default_factory=TableCounts)
    dry_run: bool = False
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(c.created + c.updated for c in (self.units, self.people, self.memberships))


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


def _read_xlsx(data: bytes, problems: _Problems) -> list[_Sheet]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any malformed upload ends here; openpyxl raises many kinds
        problems.file("Không đọc được tệp Excel (.xlsx); hãy kiểm tra lại tệp hoặc lưu lại.")
        return []
    sheets: list[_Sheet] = []
    by_name = {_key(t.sheet): t for t in TABLES}
    try:
        for worksheet in workbook.worksheets:
            if _key(worksheet.title) == _key(GUIDE_SHEET):
                continue
            # The stored dimension is often wrong in files written by other programs.
            worksheet.reset_dimensions()
            rows = worksheet.iter_rows(values_only=True)
            header = [_clean(cell) for cell in next(rows, ())]
            table = by_name.get(_key(worksheet.title)) or _recognise(header)
            if table is None:
                continue
            if any(s.table is table for s in sheets):
                problems.file(
                    f"Trang «{worksheet.title}» cùng loại với một trang khác ({table.sheet})."
                )
                continue
            sheets.append(_read_rows(table, worksheet.title, header, rows, problems))
    except Exception:  # a corrupt sheet part surfaces only while iterating
        problems.file("Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx.")
        return []
    finally:
        workbook.close()
    if not sheets and not problems:
        names = ", ".join(f"«{t.sheet}»" for t in TABLES)
        problems.file(f"Không tìm thấy trang {names} trong tệp (xem tệp mẫu).")
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


def parse_boolean(value: Any) -> bool:
    """có/không, x, 1/0, yes/no (and Excel TRUE/FALSE cells)."""
    if isinstance(value, bool):
        return value
    word = _key(_as_text(value))
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
        found = lookup.get(_key(_as_text(value)))
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


# --- Checking the rows ------------------------------------------------------------------


@dataclass
class _UnitRow:
    row: int
    code: str
    parent_code: str
    values: dict[str, Any]


@dataclass
class _PersonRow:
    row: int
    code: str
    values: dict[str, Any]


@dataclass
class _MembershipRow:
    row: int
    person_code: str
    unit_code: str
    role: str
    values: dict[str, Any]


def _parse_units(sheet: _Sheet, problems: _Problems) -> list[_UnitRow]:
    rows: dict[str, _UnitRow] = {}
    for row in sheet.rows:
        cells = _Cells(sheet, row, problems)
        code = cells.text("code", required=True, max_length=64)
        values: dict[str, Any] = {
            "name": cells.text("name", required=True),
            "kind": cells.choice("kind", _KINDS, UNIT_KIND_LABELS, required=True),
        }
        # A column left out of the file leaves that field of existing units as it is.
        if cells.has("staff_count"):
            values["staff_count"] = cells.count("staff_count")
        if cells.has("is_active"):
            values["is_active"] = cells.boolean("is_active", default=True)
        parent_code = cells.text("parent_code", max_length=64)
        if not code:
            continue
        if code in rows:
            cells.fail("code", f"Mã đơn vị «{code}» trùng với dòng {rows[code].row}.")
            continue
        rows[code] = _UnitRow(row.number, code, parent_code, values)
    return list(rows.values())


def _parse_people(sheet: _Sheet, problems: _Problems) -> list[_PersonRow]:
    rows: dict[str, _PersonRow] = {}
    today = timezone.localdate()
    for row in sheet.rows:
        cells = _Cells(sheet, row, problems)
        code = cells.text("code", required=True, max_length=64)
        full_name = cells.text("full_name", required=True)
        if len(given_name(full_name)) > 64:
            cells.fail("full_name", "Tên (từ cuối của họ và tên) dài quá 64 ký tự.")
        values: dict[str, Any] = {"full_name": full_name}
        if cells.has("birth_date"):
            birth_date = values["birth_date"] = cells.date("birth_date")
            if birth_date and birth_date > today:
                cells.fail("birth_date", "Ngày sinh ở tương lai.")
        if cells.has("gender"):
            values["gender"] = cells.choice("gender", _GENDERS, GENDER_LABELS)
        if cells.has("email"):
            values["email"] = cells.email("email")
        if cells.has("is_party_member"):
            values["is_party_member"] = cells.boolean("is_party_member", default=False)
        if cells.has("party_admission_date"):
            values["party_admission_date"] = cells.date("party_admission_date")
        if cells.has("party_status"):
            values["party_status"] = cells.choice(
                "party_status", _STATUSES, PARTY_STATUS_LABELS, default=PartyStatus.ACTIVE
            )
        if cells.has("works_in_political_system"):
            values["works_in_political_system"] = cells.boolean(
                "works_in_political_system", default=True
            )
        if cells.has("has_leadership_post"):
            values["has_leadership_post"] = cells.boolean("has_leadership_post", default=False)
        if not code:
            continue
        if code in rows:
            cells.fail("code", f"Mã cán bộ «{code}» trùng với dòng {rows[code].row}.")
            continue
        rows[code] = _PersonRow(row.number, code, values)
    return list(rows.values())


def _parse_memberships(sheet: _Sheet, problems: _Problems) -> list[_MembershipRow]:
    rows: dict[tuple[str, str, str], _MembershipRow] = {}
    for row in sheet.rows:
        cells = _Cells(sheet, row, problems)
        person_code = cells.text("person_code", required=True, max_length=64)
        unit_code = cells.text("unit_code", required=True, max_length=64)
        role = cells.choice("role", _ROLES, ROLE_LABELS, required=True)
        values: dict[str, Any] = {}
        for key in ("start_date", "end_date"):
            if cells.has(key):
                values[key] = cells.date(key)
        if not (person_code and unit_code and role):
            continue
        key = (person_code, unit_code, role)
        if key in rows:
            cells.fail("role", f"Trùng với dòng {rows[key].row} (cùng cán bộ, đơn vị, vai trò).")
            continue
        rows[key] = _MembershipRow(row.number, person_code, unit_code, role, values)
    return list(rows.values())


@dataclass
class _Plan:
    target: OrgUnit
    units: list[_UnitRow]
    people: list[_PersonRow]
    memberships: list[_MembershipRow]
    units_by_code: dict[str, OrgUnit]  # existing units the file refers to, and the target
    people_by_code: dict[str, Person]
    memberships_by_key: dict[tuple[str, str, str], Membership] = field(default_factory=dict)

    def inside(self, unit: OrgUnit) -> bool:
        return unit.path.startswith(self.target.path)


def _sheet_for(sheets: list[_Sheet], table: Table) -> _Sheet:
    return next(
        (s for s in sheets if s.table is table), _Sheet(table, table.sheet, frozenset(), [])
    )


def _parent_cycles(units: list[_UnitRow]) -> dict[str, list[str]]:
    """Each unit code on a parent cycle within the file, with the cycle it is on."""
    parent = {u.code: u.parent_code for u in units if u.parent_code}
    on_cycle: dict[str, list[str]] = {}
    done: set[str] = set()
    for start in parent:
        path: list[str] = []
        code: str | None = start
        while code in parent and code not in done and code not in path:
            path.append(code)
            code = parent[code]
        if code in path:
            cycle = path[path.index(code) :]
            for member in cycle:
                on_cycle[member] = [*cycle, cycle[0]]
        done.update(path)
    return on_cycle


def _units_in_order(units: list[_UnitRow]) -> list[_UnitRow]:
    """Parents in the file before their children, so treebeard can place each new unit."""
    parent = {u.code: u.parent_code for u in units}

    def depth(code: str) -> int:
        seen: set[str] = set()
        while parent.get(code) in parent and code not in seen:
            seen.add(code)
            code = parent[code]
        return len(seen)

    return sorted(units, key=lambda u: (depth(u.code), u.row))


def _check(sheets: list[_Sheet], target: OrgUnit, problems: _Problems) -> _Plan:
    """Parse every row and check it against the file and the database; collect problems."""
    unit_sheet, people_sheet, membership_sheet = (_sheet_for(sheets, t) for t in TABLES)
    units = _parse_units(unit_sheet, problems)
    people = _parse_people(people_sheet, problems)
    memberships = _parse_memberships(membership_sheet, problems)

    # One query per table for everything the file refers to.
    unit_codes = {u.code for u in units} | {u.parent_code for u in units if u.parent_code}
    unit_codes |= {m.unit_code for m in memberships}
    units_by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=unit_codes)}
    units_by_code[target.code] = target
    person_codes = {p.code for p in people} | {m.person_code for m in memberships}
    people_by_code = {p.code: p for p in Person.objects.filter(code__in=person_codes)}
    plan = _Plan(target, units, people, memberships, units_by_code, people_by_code)

    _check_units(plan, unit_sheet, problems)
    _check_people(plan, people_sheet, problems)
    plan.memberships_by_key = _existing_memberships(memberships, units_by_code, people_by_code)
    _check_memberships(plan, membership_sheet, problems)
    plan.units = _units_in_order(units)
    return plan


def _check_units(plan: _Plan, sheet: _Sheet, problems: _Problems) -> None:
    target, units_by_code = plan.target, plan.units_by_code
    parent_paths = {u.path[: -OrgUnit.steplen] for u in units_by_code.values() if u.depth > 1}
    code_at_path = dict(OrgUnit.objects.filter(path__in=parent_paths).values_list("path", "code"))
    file_units = {u.code for u in plan.units}
    cycles = _parent_cycles(plan.units)
    for row in plan.units:
        existing = units_by_code.get(row.code)
        parent_code = row.parent_code
        parent = units_by_code.get(parent_code) if parent_code not in file_units else None
        if existing is not None and not plan.inside(existing):
            message = (
                f"Mã đơn vị «{row.code}» đã có ở ngoài phạm vi «{target.name}»; "
                "không thể nhập đè đơn vị này."
            )
            problems.add(sheet, row.row, "code", message)
            continue
        if parent_code and parent_code == row.code:
            message = "Đơn vị không thể là cấp trên của chính nó."
        elif row.code in cycles:
            message = f"Mã đơn vị cấp trên tạo vòng lặp: {' → '.join(cycles[row.code])}."
        elif parent_code and parent_code not in file_units and parent is None:
            message = (
                f"Không tìm thấy đơn vị cấp trên «{parent_code}» trong tệp hoặc trong hệ thống."
            )
        elif parent is not None and not plan.inside(parent):
            message = f"Đơn vị cấp trên «{parent_code}» nằm ngoài phạm vi «{target.name}»."
        elif existing is not None:
            message = _moved_unit_message(row, existing, plan, sheet, code_at_path)
        else:
            message = ""
        if message:
            problems.add(sheet, row.row, "parent_code", message)


def _moved_unit_message(
    row: _UnitRow, existing: OrgUnit, plan: _Plan, sheet: _Sheet, code_at_path: dict[str, str]
) -> str:
    """Refuse to move an existing unit: that re-parents its whole subtree, too much to imply."""
    actual = code_at_path.get(existing.path[: -OrgUnit.steplen], "") if existing.depth > 1 else ""
    if existing.pk == plan.target.pk:
        wanted = row.parent_code or actual
    elif "parent_code" in sheet.present:
        wanted = row.parent_code or plan.target.code
    else:
        wanted = actual  # no parent column: existing units stay where they are
    if wanted == actual:
        return ""
    return (
        f"Đơn vị «{row.code}» đã nằm ở nơi khác trong cây (cấp trên hiện tại: "
        f"«{actual or 'không có'}»); hệ thống không tự chuyển đơn vị. Hãy ghi đúng mã "
        "cấp trên hiện tại, hoặc chuyển đơn vị trong phần quản trị trước."
    )


def _check_people(plan: _Plan, sheet: _Sheet, problems: _Problems) -> None:
    changed: dict[int, _PersonRow] = {}
    for row in plan.people:
        existing = plan.people_by_code.get(row.code)
        values = row.values
        # A column left out of the file keeps the stored value, so judge the merged record.
        admitted = values.get(
            "party_admission_date", existing.party_admission_date if existing else None
        )
        member = values.get("is_party_member", existing.is_party_member if existing else False)
        if admitted and not member:
            column = (
                "party_admission_date" if "party_admission_date" in values else "is_party_member"
            )
            problems.add(sheet, row.row, column, "Có ngày vào Đảng nhưng không phải đảng viên.")
        if existing is not None and _changed_fields(existing, values):
            changed[existing.pk] = row
    if not changed:
        return
    # A person whose every membership lies outside the target belongs to someone else's roster.
    outside = (
        Membership.objects.filter(person_id__in=list(changed))
        .values("person_id")
        .annotate(inside=Count("id", filter=Q(unit__path__startswith=plan.target.path)))
        .filter(inside=0)
        .values_list("person_id", flat=True)
    )
    for person_id in outside:
        row = changed[person_id]
        problems.add(
            sheet,
            row.row,
            "code",
            f"Cán bộ «{row.code}» sinh hoạt, công tác ở ngoài phạm vi «{plan.target.name}»; không "
            "thể sửa thông tin của người này (vẫn có thể thêm sinh hoạt - công tác cho họ).",
        )


def _check_memberships(plan: _Plan, sheet: _Sheet, problems: _Problems) -> None:
    file_people = {p.code for p in plan.people}
    file_units = {u.code for u in plan.units}
    for row in plan.memberships:
        if row.person_code not in file_people and row.person_code not in plan.people_by_code:
            problems.add(
                sheet,
                row.row,
                "person_code",
                f"Không tìm thấy mã cán bộ «{row.person_code}» trong trang «{PEOPLE.sheet}» "
                "hoặc trong hệ thống.",
            )
        unit = plan.units_by_code.get(row.unit_code)
        if row.unit_code not in file_units and unit is None:
            problems.add(
                sheet,
                row.row,
                "unit_code",
                f"Không tìm thấy mã đơn vị «{row.unit_code}» trong trang «{UNITS.sheet}» "
                "hoặc trong hệ thống.",
            )
        elif row.unit_code not in file_units and unit is not None and not plan.inside(unit):
            problems.add(
                sheet,
                row.row,
                "unit_code",
                f"Đơn vị «{row.unit_code}» nằm ngoài phạm vi «{plan.target.name}».",
            )
        existing = plan.memberships_by_key.get((row.person_code, row.unit_code, row.role))
        start = row.values.get("start_date", getattr(existing, "start_date", None))
        end = row.values.get("end_date", getattr(existing, "end_date", None))
        if start and end and end < start:
            problems.add(sheet, row.row, "end_date", "Đến ngày trước Từ ngày.")


def _existing_memberships(
    memberships: list[_MembershipRow],
    units_by_code: dict[str, OrgUnit],
    people_by_code: dict[str, Person],
) -> dict[tuple[str, str, str], Membership]:
    person_ids = {
        people_by_code[m.person_code].pk for m in memberships if m.person_code in people_by_code
    }
    unit_ids = {units_by_code[m.unit_code].pk for m in memberships if m.unit_code in units_by_code}
    if not person_ids or not unit_ids:
        return {}
    person_code = {p.pk: code for code, p in people_by_code.items()}
    unit_code = {u.pk: code for code, u in units_by_code.items()}
    return {
        (person_code[m.person_id], unit_code[m.unit_id], m.role): m
        for m in Membership.objects.filter(person_id__in=person_ids, unit_id__in=unit_ids)
    }


# --- Writing ----------------------------------------------------------------------------


class _DryRunRollback(Exception):
    """Carries a dry run's counts out of the transaction it rolls back."""

    def __init__(self, result: RosterImportResult) -> None:
        self.result = result


def _changed_fields(instance: Any, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(instance, name) != value]


def _write_units(plan: _Plan, counts: TableCounts, problems: _Problems) -> None:
    units = plan.units_by_code
    for row in plan.units:
        unit = units.get(row.code)
        if unit is None:
            parent = units[row.parent_code or plan.target.code]
            try:
                units[row.code] = create_unit(code=row.code, parent=parent, **row.values)
            except UnitCodeTaken:
                # Someone created the code between the check and now (outside this import).
                sheet = _Sheet(UNITS, UNITS.sheet, frozenset(), [])
                message = f"Mã đơn vị «{row.code}» vừa được tạo ở nơi khác; hãy nhập lại tệp."
                problems.add(sheet, row.row, "code", message)
                return
            counts.created += 1
            continue
        changed = _changed_fields(unit, row.values)
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(unit, name, row.values[name])
        unit.save(update_fields=changed)
        counts.updated += 1


def _write_people(plan: _Plan, counts: TableCounts) -> None:
    now = timezone.now()
    created: list[Person] = []
    updated: list[Person] = []
    fields: set[str] = set()
    for row in plan.people:
        person = plan.people_by_code.get(row.code)
        if person is None:
            person = Person(code=row.code, **row.values)
            person.refresh_derived_names()  # bulk_create skips save()
            created.append(person)
            plan.people_by_code[row.code] = person
            continue
        changed = _changed_fields(person, row.values)
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(person, name, row.values[name])
        person.refresh_derived_names()
        person.updated_at = now  # bulk_update skips auto_now
        fields.update(changed)
        updated.append(person)
    Person.objects.bulk_create(created, batch_size=BATCH_SIZE)
    if updated:
        if "full_name" in fields:
            fields.update({"given_name", "search_name"})
        Person.objects.bulk_update(updated, [*sorted(fields), "updated_at"], batch_size=BATCH_SIZE)
    counts.created += len(created)
    counts.updated += len(updated)


def _write_memberships(plan: _Plan, counts: TableCounts) -> None:
    created: list[Membership] = []
    updated: list[Membership] = []
    fields: set[str] = set()
    for row in plan.memberships:
        membership = plan.memberships_by_key.get((row.person_code, row.unit_code, row.role))
        if membership is None:
            created.append(
                Membership(
                    person=plan.people_by_code[row.person_code],
                    unit=plan.units_by_code[row.unit_code],
                    role=row.role,
                    **row.values,
                )
            )
            continue
        changed = _changed_fields(membership, row.values)
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(membership, name, row.values[name])
        fields.update(changed)
        updated.append(membership)
    Membership.objects.bulk_create(created, batch_size=BATCH_SIZE)
    if updated:
        Membership.objects.bulk_update(updated, sorted(fields), batch_size=BATCH_SIZE)
    counts.created += len(created)
    counts.updated += len(updated)


def import_roster(
    *, file_name: str, data: bytes | BinaryIO, target: OrgUnit, dry_run: bool = False
) -> RosterImportResult:
    """Check a roster file and upsert it under `target`: all or nothing, RosterImportError."""
    raw = data if isinstance(data, bytes) else data.read()
    problems = _Problems()
    sheets = _read_file(file_name, raw, problems)
    if problems:
        raise RosterImportError(problems.sorted())
    result = RosterImportResult(dry_run=dry_run)
    try:
        with transaction.atomic(), pghistory.context(roster_import=file_name, unit=target.code):
            # One import per tree at a time, so the checks below still hold while writing.
            root_path = target.path[: OrgUnit.steplen]
            OrgUnit.objects.select_for_update().filter(path=root_path).first()
            target = OrgUnit.objects.get(pk=target.pk)
            plan = _check(sheets, target, problems)
            if problems:
                raise RosterImportError(problems.sorted())
            _write_units(plan, result.units, problems)
            if problems:
                raise RosterImportError(problems.sorted())
            _write_people(plan, result.people)
            _write_memberships(plan, result.memberships)
            if dry_run:
                raise _DryRunRollback(result)
    except _DryRunRollback as rollback:
        return rollback.result
    return result


# --- The template -----------------------------------------------------------------------


def build_template_workbook() -> bytes:
    """The empty roster template: three data sheets with Vietnamese headers, and a guide."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    optional_fill = PatternFill("solid", fgColor="E7EEF7")
    for table in TABLES:
        sheet = workbook.create_sheet(table.sheet)
        sheet.append([c.header for c in table.columns])
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
    sheet.append(["Hướng dẫn nhập danh sách"])
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
        sheet.append([line])
    for table in TABLES:
        sheet.append([])
        sheet.append([f"Trang «{table.sheet}»"])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        sheet.append(["Cột", "Bắt buộc", "Giá trị", "Ví dụ"])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for column in table.columns:
            sheet.append(
                [column.header, "có" if column.required else "", column.hint, column.example]
            )
        sheet.append(["Dòng ví dụ:"])
        sheet.append([c.header for c in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.append([c.example for c in table.columns])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 70
    sheet.column_dimensions["D"].width = 24
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=False, vertical="top")

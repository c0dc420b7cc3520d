"""Import of the levels of earlier years (before the app existed) from an Excel workbook or a
CSV table, so year-over-year comparisons work from the first season.

As with the roster import (orgunits/services/roster/): the whole file is read and checked
first, every problem is reported in Vietnamese with its row and column, and only a file without
problems is written, in one transaction. Rows are matched by (year, person code or unit code,
subject class), so importing the same file again changes nothing.

One more rule keeps the summary's yearly figures exact without regrouping per person: a person
has at most one row per year that counts as a party member's (a row at a party unit, or without
a unit for a class other than a leader's). Leaders' rows are unique by the key already.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, BinaryIO

import openpyxl
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from documents.cells import append_row
from documents.sheet_limits import SpreadsheetRefused, check_upload, vn_count
from orgunits.exceptions import RowProblem
from orgunits.models import Membership, OrgUnit, Person
from orgunits.text import label_key as _key
from orgunits.text import nfc
from reviews.models import SubjectClass

from .models import HistoricalLevel
from .summary import LEADER_CLASSES, LEVELS, PARTY_KINDS

MAX_ROWS = 500_000
# Rows the file may hold at all, empty ones included (the header and some blank lines).
MAX_SCANNED_ROWS = MAX_ROWS + 1_000
BATCH_SIZE = 5000
SHEET = "Kết quả xếp loại"
FIRST_YEAR = 1990

HEADERS = {
    "year": "Năm",
    "person_code": "Mã cán bộ",
    "unit_code": "Mã đơn vị",
    "subject_class": "Đối tượng",
    "level": "Mức xếp loại",
}
HINTS = {
    "year": "Ví dụ 2024",
    "person_code": "Để trống với tập thể",
    "unit_code": "Nơi xếp loại (cá nhân, có thể để trống) hoặc tập thể được xếp loại",
    "subject_class": "Tập thể, Cán bộ lãnh đạo quản lý, Đảng viên, Cán bộ diện Trung ương quản "
    "lý, Đảng viên ngoài hệ thống chính trị (để trống: Tập thể nếu không có mã cán bộ, "
    "Đảng viên nếu có)",
    "level": "HTXS, HTT, HT, KHT hoặc tên đầy đủ",
}
CLASS_LABELS = {
    "Tập thể": SubjectClass.COLLECTIVE,
    "Cán bộ diện Trung ương quản lý": SubjectClass.CENTRAL_CADRE,
    "Cán bộ lãnh đạo quản lý": SubjectClass.LEADER,
    "Lãnh đạo quản lý": SubjectClass.LEADER,
    "Đảng viên": SubjectClass.NON_LEADER,
    "Cá nhân không giữ chức vụ lãnh đạo": SubjectClass.NON_LEADER,
    "Đảng viên ngoài hệ thống chính trị": SubjectClass.OUTSIDE,
    "Đảng viên không công tác trong hệ thống chính trị": SubjectClass.OUTSIDE,
}
LEVEL_LABELS = {
    "Hoàn thành xuất sắc nhiệm vụ": "HTXS",
    "Hoàn thành tốt nhiệm vụ": "HTT",
    "Hoàn thành nhiệm vụ": "HT",
    "Không hoàn thành nhiệm vụ": "KHT",
}


_HEADER_KEYS = {_key(h): k for k, h in HEADERS.items()}
_CLASSES = {_key(v): v for v in SubjectClass.values} | {_key(k): v for k, v in CLASS_LABELS.items()}
_LEVELS = {_key(v): v for v in LEVELS} | {_key(k): v for k, v in LEVEL_LABELS.items()}


class HistoryImportError(Exception):
    """The file has problems; nothing was written. Each message is safe to show."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(f"Tệp có {len(problems)} lỗi; chưa ghi dữ liệu nào.")


@dataclass
class HistoryImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    years: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Row:
    number: int
    year: int | None = None
    person_code: str = ""
    unit_code: str = ""
    subject_class: str = ""
    level: str = ""


class _Problems:
    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.items: list[RowProblem] = []

    def add(self, row: int, key: str | None, message: str) -> None:
        self.items.append(RowProblem(self.sheet, row, HEADERS.get(key or "", ""), message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def sorted(self) -> list[RowProblem]:
        order = list(HEADERS.values())
        return sorted(self.items, key=lambda p: (p.row, order.index(p.column) if p.column else -1))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_table(rows: list[list[Any]], problems: _Problems) -> list[_Row]:
    if not rows:
        problems.add(0, None, "Tệp không có dữ liệu.")
        return []
    header = [_HEADER_KEYS.get(_key(cell)) if cell not in (None, "") else None for cell in rows[0]]
    for key in ("year", "level"):
        if key not in header:
            problems.add(1, key, f"Thiếu cột bắt buộc «{HEADERS[key]}».")
    if "person_code" not in header and "unit_code" not in header:
        problems.add(1, None, "Cần ít nhất một trong hai cột «Mã cán bộ», «Mã đơn vị».")
    if problems:
        return []
    found: list[_Row] = []
    for number, values in enumerate(rows[1:], start=2):
        cells = {
            key: _clean(values[i])
            for i, key in enumerate(header)
            if key and i < len(values) and values[i] not in (None, "")
        }
        if not cells:
            continue
        if len(found) >= MAX_ROWS:
            problems.add(number, None, f"Tệp có quá {MAX_ROWS} dòng; hãy chia nhỏ tệp.")
            break
        row = _Row(number)
        raw_year = cells.get("year")
        try:
            row.year = int(str(raw_year).strip()) if raw_year is not None else None
        except ValueError:
            row.year = None
        this_year = timezone.localdate().year
        if row.year is None or not FIRST_YEAR <= row.year <= this_year:
            problems.add(number, "year", f"Năm phải là số từ {FIRST_YEAR} đến {this_year}.")
        row.person_code = str(cells.get("person_code", "")).strip()
        row.unit_code = str(cells.get("unit_code", "")).strip()
        if not row.person_code and not row.unit_code:
            problems.add(number, "person_code", "Cần mã cán bộ (cá nhân) hoặc mã đơn vị (tập thể).")
        raw_class = cells.get("subject_class")
        if raw_class is None:
            row.subject_class = (
                SubjectClass.NON_LEADER if row.person_code else SubjectClass.COLLECTIVE
            )
        else:
            row.subject_class = _CLASSES.get(_key(raw_class), "")
            if not row.subject_class:
                problems.add(number, "subject_class", f"Không nhận ra đối tượng «{raw_class}».")
        if row.subject_class == SubjectClass.COLLECTIVE and row.person_code:
            problems.add(number, "person_code", "Dòng của tập thể không ghi mã cán bộ.")
        if (
            row.subject_class
            and row.subject_class != SubjectClass.COLLECTIVE
            and not (row.person_code)
        ):
            problems.add(number, "person_code", "Dòng của cá nhân cần mã cán bộ.")
        raw_level = cells.get("level")
        row.level = _LEVELS.get(_key(raw_level), "") if raw_level is not None else ""
        if not row.level:
            problems.add(
                number,
                "level",
                f"Không nhận ra mức xếp loại «{raw_level or ''}» (HTXS, HTT, HT hoặc KHT).",
            )
        found.append(row)
    return found


_TOO_MANY_ROWS = (
    f"Tệp có quá {vn_count(MAX_SCANNED_ROWS)} dòng (kể cả dòng trống); hãy xoá các dòng "
    "trống thừa hoặc chia nhỏ tệp."
)


def _read_file(file_name: str, data: bytes, problems: _Problems) -> list[_Row]:
    try:
        check_upload(file_name, data, max_rows=MAX_SCANNED_ROWS)
    except SpreadsheetRefused as refused:
        problems.add(0, None, str(refused))
        return []
    suffix = PurePath(file_name).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.add(0, None, "Tệp CSV phải dùng bảng mã UTF-8.")
            return []
        return _read_table([list(r) for r in csv.reader(io.StringIO(text))], problems)
    if suffix != ".xlsx":
        problems.add(0, None, "Chỉ nhận tệp .xlsx hoặc .csv.")
        return []
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any malformed upload ends here; openpyxl raises many kinds
        problems.add(0, None, "Không đọc được tệp Excel (.xlsx); hãy kiểm tra lại tệp.")
        return []
    try:
        sheet = next(
            (ws for ws in workbook.worksheets if _key(ws.title) == _key(SHEET)),
            workbook.worksheets[0],
        )
        problems.sheet = sheet.title
        sheet.reset_dimensions()
        rows = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) >= MAX_SCANNED_ROWS:  # empty rows count: walking them costs as much
                problems.add(len(rows) + 1, None, _TOO_MANY_ROWS)
                return []
            rows.append(list(row))
    except Exception:  # a corrupt sheet part surfaces only while iterating
        problems.add(0, None, "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx.")
        return []
    finally:
        workbook.close()
    return _read_table(rows, problems)


def _counts_as_member(row_class: str, person: bool, unit_kind: str | None) -> bool:
    if not person:
        return False
    if unit_kind is None:
        return row_class not in LEADER_CLASSES
    return unit_kind in PARTY_KINDS


def _check(
    rows: list[_Row], target: OrgUnit | None, problems: _Problems
) -> tuple[dict[str, Person], dict[str, OrgUnit]]:
    person_codes = {r.person_code for r in rows if r.person_code}
    unit_codes = {r.unit_code for r in rows if r.unit_code}
    people = {p.code: p for p in _in_chunks(Person.objects, "code", person_codes)}
    units = {u.code: u for u in _in_chunks(OrgUnit.objects, "code", unit_codes)}
    inside_people: set[int] = set()
    if target is not None and people:
        ids = [p.pk for p in people.values()]
        for start in range(0, len(ids), BATCH_SIZE):
            inside_people.update(
                Membership.objects.filter(
                    person_id__in=ids[start : start + BATCH_SIZE],
                    unit__path__startswith=target.path,
                ).values_list("person_id", flat=True)
            )
    seen: dict[tuple, int] = {}
    for row in rows:
        person = people.get(row.person_code) if row.person_code else None
        unit = units.get(row.unit_code) if row.unit_code else None
        if row.person_code and person is None:
            problems.add(row.number, "person_code", f"Không có cán bộ mã «{row.person_code}».")
        elif person is not None and target is not None and person.pk not in inside_people:
            problems.add(
                row.number,
                "person_code",
                f"Cán bộ «{row.person_code}» không sinh hoạt, công tác trong «{target.name}».",
            )
        if row.unit_code and unit is None:
            problems.add(row.number, "unit_code", f"Không có đơn vị mã «{row.unit_code}».")
        elif unit is not None and target is not None and not unit.path.startswith(target.path):
            problems.add(
                row.number, "unit_code", f"Đơn vị «{row.unit_code}» nằm ngoài «{target.name}»."
            )
        key = (row.year, row.person_code or None, None if row.person_code else row.unit_code)
        key = (*key, row.subject_class)
        if key in seen:
            problems.add(
                row.number,
                "level",
                f"Trùng với dòng {seen[key]} (cùng năm, cùng đối tượng, cùng loại đối tượng).",
            )
        else:
            seen[key] = row.number
    return people, units


def _in_chunks(manager, field_name: str, values: set[str]):
    values = sorted(values)
    for start in range(0, len(values), BATCH_SIZE):
        yield from manager.filter(**{f"{field_name}__in": values[start : start + BATCH_SIZE]})


def _check_one_member_row(
    rows: list[_Row],
    people: dict[str, Person],
    units: dict[str, OrgUnit],
    existing: dict[tuple, HistoricalLevel],
    problems: _Problems,
) -> None:
    """At most one row per person and year counts as a party member's (see the module doc)."""
    member_rows: dict[tuple[int, int], list[str]] = defaultdict(list)
    in_file: set[tuple] = set()
    for row in rows:
        person = people.get(row.person_code)
        if person is None:
            continue
        in_file.add((row.year, person.pk, row.subject_class))
        unit = units.get(row.unit_code)
        if _counts_as_member(row.subject_class, True, unit.kind if unit else None):
            member_rows[(row.year, person.pk)].append(f"dòng {row.number}")
    for key, level in existing.items():
        if level.person_id is None or key in in_file:
            continue
        year, person_id, cls = key
        kind = level.unit.kind if level.unit_id else None
        if _counts_as_member(cls, True, kind) and (year, person_id) in member_rows:
            member_rows[(year, person_id)].append("một dòng đã nhập trước")
    numbers = {
        (r.year, people[r.person_code].pk): r.number for r in rows if r.person_code in people
    }
    for (year, person_id), where in member_rows.items():
        if len(where) > 1:
            problems.add(
                numbers[(year, person_id)],
                "subject_class",
                f"Năm {year} cán bộ này có hơn một mức được tính là của đảng viên ("
                + ", ".join(where)
                + "); mỗi năm chỉ ghi một mức đảng viên (và một mức cán bộ lãnh đạo, quản lý).",
            )


class _DryRun(Exception):
    def __init__(self, result: HistoryImportResult) -> None:
        self.result = result


def import_historical_levels(
    *,
    file_name: str,
    data: bytes | BinaryIO,
    target: OrgUnit | None = None,
    user: AbstractBaseUser | None = None,
    dry_run: bool = False,
) -> HistoryImportResult:
    """Check a file of historical levels and upsert it (within `target`'s subtree when given):
    all or nothing, HistoryImportError with every problem."""
    raw = data if isinstance(data, bytes) else data.read()
    problems = _Problems(SHEET)
    rows = _read_file(file_name, raw, problems)
    if problems and not rows:
        raise HistoryImportError(problems.sorted())  # the file itself cannot be read
    result = HistoryImportResult(dry_run=dry_run, years=sorted({r.year for r in rows if r.year}))
    try:
        with transaction.atomic():
            # One import at a time, so the uniqueness checks still hold while writing.
            lock = target.path[: OrgUnit.steplen] if target else None
            if lock:
                OrgUnit.objects.select_for_update().filter(path=lock).first()
            # Every problem at once: those of the values above and those of the codes here.
            people, units = _check(rows, target, problems)
            existing = _existing(rows, people, units)
            if not problems:
                _check_one_member_row(rows, people, units, existing, problems)
            if problems:
                raise HistoryImportError(problems.sorted())
            _write(rows, people, units, existing, file_name, user, result)
            if dry_run:
                raise _DryRun(result)
    except _DryRun as rollback:
        return rollback.result
    return result


def _existing(
    rows: list[_Row], people: dict[str, Person], units: dict[str, OrgUnit]
) -> dict[tuple, HistoricalLevel]:
    """Stored rows of the file's years for its people and units: individuals by (year, person
    id, class), collectives by (year, None, class, unit id)."""
    years = {r.year for r in rows}
    person_ids = [p.pk for p in people.values()]
    unit_ids = [u.pk for u in units.values()]
    found: dict[tuple, HistoricalLevel] = {}
    for start in range(0, max(len(person_ids), 1), BATCH_SIZE):
        chunk = person_ids[start : start + BATCH_SIZE]
        if not chunk:
            break
        for level in HistoricalLevel.objects.filter(
            year__in=years, person_id__in=chunk
        ).select_related("unit"):
            found[(level.year, level.person_id, level.subject_class)] = level
    for start in range(0, max(len(unit_ids), 1), BATCH_SIZE):
        chunk = unit_ids[start : start + BATCH_SIZE]
        if not chunk:
            break
        for level in HistoricalLevel.objects.filter(
            year__in=years, person__isnull=True, unit_id__in=chunk
        ).select_related("unit"):
            found[(level.year, None, level.subject_class, level.unit_id)] = level
    return found


def _write(
    rows: list[_Row],
    people: dict[str, Person],
    units: dict[str, OrgUnit],
    existing: dict[tuple, HistoricalLevel],
    source: str,
    user: AbstractBaseUser | None,
    result: HistoryImportResult,
) -> None:
    created: list[HistoricalLevel] = []
    updated: list[HistoricalLevel] = []
    now = timezone.now()
    for row in rows:
        person = people.get(row.person_code) if row.person_code else None
        unit = units.get(row.unit_code) if row.unit_code else None
        if person is not None:
            key: tuple = (row.year, person.pk, row.subject_class)
        else:
            key = (row.year, None, row.subject_class, unit.pk)
        level = existing.get(key)
        if level is None:
            created.append(
                HistoricalLevel(
                    year=row.year,
                    person=person,
                    unit=unit,
                    subject_class=row.subject_class,
                    level=row.level,
                    source=PurePath(source).name[:255],
                    imported_by=user,
                )
            )
            continue
        unit_id = unit.pk if unit else None
        if level.level == row.level and level.unit_id == unit_id:
            result.unchanged += 1
            continue
        level.level = row.level
        level.unit_id = unit_id
        level.source = PurePath(source).name[:255]
        level.imported_by = user
        level.imported_at = now
        updated.append(level)
    HistoricalLevel.objects.bulk_create(created, batch_size=BATCH_SIZE)
    HistoricalLevel.objects.bulk_update(
        updated, ["level", "unit", "source", "imported_by", "imported_at"], batch_size=BATCH_SIZE
    )
    result.created += len(created)
    result.updated += len(updated)


def build_template_workbook() -> bytes:
    """The empty template: one sheet with the Vietnamese headers, hints and two examples."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    append_row(sheet, list(HEADERS.values()))
    for index, key in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if key in ("year", "level") else "000000")
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
        sheet.column_dimensions[get_column_letter(index)].width = 24 if key != "unit_code" else 30
        sheet.column_dimensions[get_column_letter(index)].number_format = "@"
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Hướng dẫn")
    append_row(guide, ["Cột", "Giá trị"])
    for key, header in HEADERS.items():
        append_row(guide, [header, HINTS[key]])
    append_row(guide, [])
    append_row(guide, ["Ví dụ (không chép vào trang dữ liệu):"])
    append_row(guide, list(HEADERS.values()))
    append_row(guide, [2024, "CB0001", "CB-DONG", "Đảng viên", "HTT"])
    append_row(guide, [2024, "", "CB-DONG", "Tập thể", "Hoàn thành xuất sắc nhiệm vụ"])
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Spreadsheet bombs are refused from the zip directory and a streamed row count, before any
parser sees them: the importers answer in Vietnamese and never call openpyxl."""

from __future__ import annotations

import time

import pytest

from documents import sheet_limits
from documents.sheet_limits import SpreadsheetRefused, check_upload
from tests.spreadsheet_bombs import empty_rows_bomb, shared_strings_bomb


def test_check_upload_rejects_200000_empty_rows_when_the_dimension_is_left_out():
    bomb = empty_rows_bomb()
    started = time.perf_counter()

    with pytest.raises(SpreadsheetRefused) as refused:
        check_upload("ds.xlsx", bomb, max_rows=51_000)

    assert time.perf_counter() - started < 2
    assert "dòng" in str(refused.value) and "51.000" in str(refused.value)


def test_check_upload_rejects_rows_when_the_dimension_declares_too_many():
    bomb = empty_rows_bomb(10, dimension="A1:B1048576")

    with pytest.raises(SpreadsheetRefused) as refused:
        check_upload("ds.xlsx", bomb, max_rows=51_000)

    assert "1.048.576 dòng" in str(refused.value)


def test_check_upload_rejects_rows_when_the_dimension_understates_them():
    bomb = empty_rows_bomb(60_000, dimension="A1:B2")

    with pytest.raises(SpreadsheetRefused):
        check_upload("ds.xlsx", bomb, max_rows=51_000)


def test_check_upload_rejects_archive_when_it_inflates_past_the_ratio():
    bomb = shared_strings_bomb(5 * 1024 * 1024)  # 5 MB of one letter: ~5 KB deflated

    with pytest.raises(SpreadsheetRefused) as refused:
        check_upload("ds.xlsx", bomb, max_rows=51_000)

    assert "nén bất thường" in str(refused.value)


def test_check_upload_rejects_shared_strings_when_they_exceed_the_limit(monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_RATIO", 10**9)
    monkeypatch.setattr(sheet_limits, "MAX_SHARED_STRINGS_BYTES", 1024 * 1024)

    with pytest.raises(SpreadsheetRefused) as refused:
        check_upload("ds.xlsx", shared_strings_bomb(2 * 1024 * 1024), max_rows=51_000)

    assert "chữ dùng chung" in str(refused.value)


def test_check_upload_rejects_archive_when_it_inflates_past_the_size_limit(monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_RATIO", 10**9)
    monkeypatch.setattr(sheet_limits, "MAX_INFLATED_BYTES", 1024 * 1024)

    with pytest.raises(SpreadsheetRefused) as refused:
        check_upload("ds.xlsx", shared_strings_bomb(2 * 1024 * 1024), max_rows=51_000)

    assert "giải nén lớn" in str(refused.value)


def test_check_upload_rejects_csv_when_it_has_too_many_lines():
    with pytest.raises(SpreadsheetRefused):
        check_upload("ds.csv", "Mã cán bộ,Họ và tên\n".encode() + b",\n" * 60_000, max_rows=51_000)


def test_check_upload_does_pass_an_ordinary_roster_quickly(db):
    from orgunits.management.commands.bench_roster_import import build_workbook

    data = build_workbook("BIG", people=2000, units=60)
    started = time.perf_counter()

    checked = check_upload("ds.xlsx", data, max_rows=51_000)

    assert time.perf_counter() - started < 2
    assert checked.rows == 2001  # the people sheet: a header and 2,000 rows

"""Import of historical levels: all or nothing with Vietnamese problems, idempotent by (year,
person code / unit code, class), the command and the upload view."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from orgunits.models import OrgUnit
from ratings.history_import import (
    HistoryImportError,
    build_template_workbook,
    import_historical_levels,
)
from ratings.models import HistoricalLevel
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db

HEADER = ["Năm", "Mã cán bộ", "Mã đơn vị", "Đối tượng", "Mức xếp loại"]


def _xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kết quả xếp loại"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def people(tree):
    a = PersonFactory(code="HL-A")
    b = PersonFactory(code="HL-B")
    MembershipFactory(person=a, unit=tree.cell_a)
    MembershipFactory(person=b, unit=tree.cell_b)
    far = PersonFactory(code="HL-FAR")
    MembershipFactory(person=far, unit=tree.elsewhere)
    return {"a": a, "b": b, "far": far}


GOOD = [
    [2024, "HL-A", "T01-H01-A", "Đảng viên", "HTT"],
    [2024, "HL-B", "T01-H01-B", "Cán bộ lãnh đạo quản lý", "Hoàn thành xuất sắc nhiệm vụ"],
    [2024, None, "T01-H01-A", "Tập thể", "HT"],
    [2023, "HL-A", None, None, "ht"],
]


def test_import_does_create_the_rows_and_change_nothing_the_second_time(people, tree):
    data = _xlsx(GOOD)
    first = import_historical_levels(file_name="2024.xlsx", data=data, target=tree.province)
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    assert first.years == [2023, 2024]
    row = HistoricalLevel.objects.get(year=2024, person=people["b"])
    assert (row.subject_class, row.level, row.unit.code, row.source) == (
        "leader",
        "HTXS",
        "T01-H01-B",
        "2024.xlsx",
    )
    assert HistoricalLevel.objects.get(year=2023).subject_class == "non_leader"
    assert HistoricalLevel.objects.get(person=None).subject_class == "collective"
    again = import_historical_levels(file_name="2024.xlsx", data=data, target=tree.province)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    changed = _xlsx([[2024, "HL-A", "T01-H01-A", "Đảng viên", "KHT"]])
    third = import_historical_levels(file_name="fix.xlsx", data=changed, target=tree.province)
    assert (third.created, third.updated) == (0, 1)
    assert HistoricalLevel.objects.get(year=2024, person=people["a"]).level == "KHT"
    assert HistoricalLevel.objects.count() == 4


def test_import_rejects_the_whole_file_with_a_problem_per_row(people, tree):
    bad = [
        *GOOD,
        [1980, "HL-A", None, "Đảng viên", "HTT"],  # year out of range
        [2024, "HL-NONE", None, "Đảng viên", "HTT"],  # unknown person
        [2024, None, "NO-UNIT", "Tập thể", "HTT"],  # unknown unit
        [2024, "HL-FAR", None, "Đảng viên", "HTT"],  # outside the target
        [2024, "HL-B", None, "Đảng viên", "Tốt"],  # unknown level
        [2024, "HL-A", "T01-H01-A", "Đảng viên", "HT"],  # duplicate of row 2
        [2024, "HL-A", None, "Tập thể", "HT"],  # a collective with a person
    ]
    with pytest.raises(HistoryImportError) as caught:
        import_historical_levels(file_name="bad.xlsx", data=_xlsx(bad), target=tree.district)
    problems = caught.value.problems
    by_row = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(p)
    assert set(by_row) >= {6, 7, 8, 9, 10, 11, 12}
    assert "Năm phải là số" in by_row[6][0].message
    assert "HL-NONE" in by_row[7][0].message
    assert "NO-UNIT" in by_row[8][0].message
    assert "không sinh hoạt, công tác trong" in by_row[9][0].message
    assert by_row[10][0].column == "Mức xếp loại"
    assert "Trùng với dòng 2" in by_row[11][0].message
    assert "Chưa ghi" not in str(caught.value) and "chưa ghi dữ liệu nào" in str(caught.value)
    assert HistoricalLevel.objects.count() == 0


def test_import_rejects_two_member_levels_for_one_person_in_a_year(people, tree):
    rows = [
        [2024, "HL-A", "T01-H01-A", "Đảng viên", "HTT"],
        [2024, "HL-A", "T01-H01-B", "Đảng viên ngoài hệ thống chính trị", "HT"],
    ]
    with pytest.raises(HistoryImportError) as caught:
        import_historical_levels(file_name="x.xlsx", data=_xlsx(rows), target=tree.province)
    assert "hơn một mức được tính là của đảng viên" in caught.value.problems[0].message
    # Against a row imported earlier too.
    import_historical_levels(file_name="1.xlsx", data=_xlsx(rows[:1]), target=tree.province)
    with pytest.raises(HistoryImportError):
        import_historical_levels(file_name="2.xlsx", data=_xlsx(rows[1:]), target=tree.province)


def test_import_rejects_a_file_without_the_required_columns(people, tree):
    with pytest.raises(HistoryImportError) as caught:
        import_historical_levels(
            file_name="x.xlsx", data=_xlsx([[2024, "HTT"]], header=["Năm", "Ghi chú"])
        )
    messages = " ".join(p.message for p in caught.value.problems)
    assert "Mức xếp loại" in messages and "Mã cán bộ" in messages


def test_import_dry_run_does_count_without_writing(people, tree):
    result = import_historical_levels(
        file_name="2024.xlsx", data=_xlsx(GOOD), target=tree.province, dry_run=True
    )
    assert result.created == 4 and result.dry_run
    assert HistoricalLevel.objects.count() == 0


def test_import_does_read_csv_with_a_bom(people, tree):
    text = (
        "\ufeffNăm,Mã cán bộ,Mã đơn vị,Đối tượng,Mức xếp loại\n2022,HL-A,T01-H01-A,Đảng viên,HTT\n"
    )
    result = import_historical_levels(file_name="a.csv", data=text.encode(), target=tree.province)
    assert result.created == 1


def test_template_workbook_does_have_the_headers():
    book = openpyxl.load_workbook(io.BytesIO(build_template_workbook()))
    assert [c.value for c in book["Kết quả xếp loại"][1]] == HEADER


def test_command_does_import_and_report_problems(people, tree, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx(GOOD))
    out = io.StringIO()
    call_command("import_historical_levels", str(good), "--dry-run", stdout=out)
    assert "would create 4" in out.getvalue() and HistoricalLevel.objects.count() == 0
    call_command("import_historical_levels", str(good), "--unit", "T01", stdout=out)
    assert HistoricalLevel.objects.count() == 4
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_xlsx([[2024, "HL-NONE", None, None, "HTT"]]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_historical_levels", str(bad), stdout=out, stderr=err)
    assert "HL-NONE" in err.getvalue()


def test_upload_view_does_preview_then_confirm(
    people, tree, client, org_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)
    url = reverse("ratings:history_import", args=[tree.district.pk])
    upload = SimpleUploadedFile("2024.xlsx", _xlsx(GOOD[:1] + GOOD[2:3]))
    preview = client.post(url, {"action": "preview", "file": upload})
    assert preview.status_code == 200
    assert 'data-testid="history-preview"' in preview.content.decode()
    assert HistoricalLevel.objects.count() == 0
    confirm = client.post(url, {"action": "confirm"})
    assert confirm.status_code == 302
    assert HistoricalLevel.objects.count() == 2


def test_upload_view_does_list_the_problems(people, tree, client, org_officer, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)
    url = reverse("ratings:history_import", args=[tree.district.pk])
    upload = SimpleUploadedFile("bad.xlsx", _xlsx([[2024, "HL-NONE", None, None, "HTT"]]))
    page = client.post(url, {"action": "preview", "file": upload})
    assert "HL-NONE" in page.content.decode()
    assert 'data-testid="history-problems"' in page.content.decode()


def test_upload_view_does_refuse_deciders_and_outsiders(tree, client, authority, outsider):
    url = reverse("ratings:history_import", args=[tree.district.pk])
    client.force_login(authority)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_imported_unit_must_be_inside_the_target(people, tree):
    OrgUnitFactory(code="T99-X", name="Chi bộ ngoài", parent=OrgUnit.objects.get(code="T99"))
    rows = [[2024, None, "T99-X", "Tập thể", "HTT"]]
    with pytest.raises(HistoryImportError) as caught:
        import_historical_levels(file_name="x.xlsx", data=_xlsx(rows), target=tree.province)
    assert "nằm ngoài" in caught.value.problems[0].message


def _no_parsing(*args, **kwargs):
    raise AssertionError("the file reached openpyxl")


def test_import_rejects_a_bomb_of_empty_rows_before_parsing(tree, monkeypatch):
    from tests.spreadsheet_bombs import empty_rows_bomb

    bomb = empty_rows_bomb(600_000, title="Kết quả xếp loại")
    monkeypatch.setattr(openpyxl, "load_workbook", _no_parsing)

    with pytest.raises(HistoryImportError) as caught:
        import_historical_levels(file_name="x.xlsx", data=bomb, target=tree.district)

    assert "kể cả dòng trống" in caught.value.problems[0].message


def test_import_rejects_rows_past_the_hard_count_while_reading(tree, monkeypatch):
    from ratings import history_import
    from tests.spreadsheet_bombs import empty_rows_bomb

    monkeypatch.setattr(history_import, "check_upload", lambda *args, **kwargs: None)
    monkeypatch.setattr(history_import, "MAX_SCANNED_ROWS", 100)

    with pytest.raises(HistoryImportError) as caught:
        import_historical_levels(
            file_name="x.xlsx", data=empty_rows_bomb(500, title="Kết quả xếp loại")
        )

    assert caught.value.problems[0].row == 101

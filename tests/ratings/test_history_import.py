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
from ratings import rollups, tasks
from ratings.history_import import (
    HistoryImportError,
    build_template_workbook,
    import_historical_levels,
)
from ratings.models import HistoricalLevel, HistoryUpload
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
    assert rollups.differences() == []  # the counts kept at write time followed each import


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


def _staged(client, unit, data: bytes, capture, name: str = "2024.xlsx"):
    """Upload a file; the worker (eager in tests) checks it once the request commits."""
    url = reverse("ratings:history_import", args=[unit.pk])
    with capture(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302
    return HistoryUpload.objects.get(), response["Location"]


def test_upload_view_does_stage_check_in_a_worker_then_confirm(
    people, tree, client, org_officer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)
    capture = django_capture_on_commit_callbacks
    staged, page_url = _staged(client, tree.district, _xlsx(GOOD[:1] + GOOD[2:3]), capture)
    preview = client.get(page_url).content.decode()
    assert staged.status == HistoryUpload.Status.CHECKED
    assert 'data-testid="history-preview"' in preview
    assert HistoricalLevel.objects.count() == 0
    pending = list((tmp_path / "history-uploads").iterdir())
    assert len(pending) == 1
    with capture(execute=True):
        confirm = client.post(page_url)
    assert confirm.status_code == 302 and confirm["Location"] == page_url
    assert 'data-testid="history-done"' in client.get(page_url).content.decode()
    assert HistoricalLevel.objects.count() == 2
    assert not pending[0].exists()
    # A second confirm has nothing left to import.
    again = client.post(page_url, follow=True)
    assert "đã nhập" in again.content.decode()


def test_upload_view_does_not_parse_the_file_in_the_web_request(
    people, tree, client, org_officer, settings, tmp_path, monkeypatch
):
    from ratings import history_import, history_staging

    def parse_in_request(*args, **kwargs):
        raise AssertionError("parsed in the web request")

    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)
    monkeypatch.setattr(history_staging, "import_historical_levels", parse_in_request)
    monkeypatch.setattr(history_import, "import_historical_levels", parse_in_request)
    monkeypatch.setattr(history_import, "_read_file", parse_in_request)
    url = reverse("ratings:history_import", args=[tree.district.pk])
    # No on-commit capture: the worker is not run, so nothing may parse here.
    response = client.post(url, {"file": SimpleUploadedFile("2024.xlsx", _xlsx(GOOD))})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="history-upload-progress"' in page and 'hx-trigger="every 1s"' in page
    assert HistoryUpload.objects.get().status == HistoryUpload.Status.QUEUED
    # The worker's task does the parse.
    monkeypatch.undo()
    settings.MEDIA_ROOT = str(tmp_path)
    tasks.check_history_upload(HistoryUpload.objects.get().pk)
    assert HistoryUpload.objects.get().status == HistoryUpload.Status.CHECKED


def test_upload_task_does_check_once_when_run_twice(people, tree, org_officer, settings, tmp_path):
    from ratings import history_staging

    settings.MEDIA_ROOT = str(tmp_path)
    staged = history_staging.stage_history_upload(
        unit=tree.district, user=org_officer, file_name="2024.xlsx", data=_xlsx(GOOD)
    )
    tasks.check_history_upload(staged.pk)
    first = HistoryUpload.objects.get(pk=staged.pk)
    tasks.check_history_upload(staged.pk)
    assert HistoryUpload.objects.get(pk=staged.pk).updated_at == first.updated_at
    assert first.result["counts"] == {"created": 4, "updated": 0, "unchanged": 0}


def test_upload_task_rejects_the_upload_with_advice_when_the_worker_runs_out_of_time(
    tree, org_officer, settings, tmp_path, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    from ratings import history_staging

    settings.MEDIA_ROOT = str(tmp_path)
    staged = history_staging.stage_history_upload(
        unit=tree.district, user=org_officer, file_name="2024.xlsx", data=_xlsx(GOOD)
    )

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(history_staging, "check_history_upload", too_slow)
    tasks.check_history_upload(staged.pk)

    staged.refresh_from_db()
    assert staged.status == HistoryUpload.Status.REFUSED
    assert "quá lâu" in staged.result["problems"][0][3]
    assert not list((tmp_path / "history-uploads").iterdir())
    assert tasks.check_history_upload.soft_time_limit == tasks.CHECK_SOFT_LIMIT
    assert tasks.write_history_upload.time_limit > tasks.WRITE_SOFT_LIMIT


def test_upload_view_does_list_the_problems(
    people, tree, client, org_officer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)
    bad = _xlsx([[2024, "HL-NONE", None, None, "HTT"]])
    staged, page_url = _staged(client, tree.district, bad, django_capture_on_commit_callbacks)
    page = client.get(page_url).content.decode()
    assert staged.status == HistoryUpload.Status.REFUSED
    assert "HL-NONE" in page
    assert 'data-testid="history-problems"' in page
    assert 'data-testid="history-confirm"' not in page
    assert not list((tmp_path / "history-uploads").iterdir())


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

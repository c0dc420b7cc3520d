"""Roster import: the service, the command and the upload pages, on the real database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from orgunits.exceptions import RosterImportError
from orgunits.models import (
    Membership,
    MembershipRole,
    OrgUnit,
    PartyStatus,
    Person,
    RosterUpload,
    UnitKind,
)
from orgunits.services.roster import build_template_workbook, import_roster

from ..factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

UNIT_HEADERS = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Loại đơn vị",
    "Mã đơn vị cấp trên",
    "Biên chế",
    "Đang hoạt động",
]
PEOPLE_HEADERS = [
    "Mã cán bộ",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Email",
    "Đảng viên",
    "Ngày vào Đảng",
    "Tình trạng sinh hoạt đảng",
    "Trong hệ thống chính trị",
    "Giữ chức vụ lãnh đạo",
]
MEMBERSHIP_HEADERS = ["Mã cán bộ", "Mã đơn vị", "Vai trò", "Từ ngày", "Đến ngày"]
# Optional columns of HD 43 §4 and §7.6, left out of the rows below.
SPECIAL_CALENDAR, TEMPORARY = "Lịch công tác đặc thù", "Sinh hoạt tạm thời"
UNITS_SHEET, PEOPLE_SHEET, MEMBERSHIPS_SHEET = "Đơn vị", "Nhân sự", "Sinh hoạt - công tác"

GOOD_UNITS = [
    ["XA-01", "Đảng bộ xã Mới", "Đảng bộ cơ sở", "", 40, "có"],
    ["XA-01-CB1", "Chi bộ thôn Bắc", "Chi bộ", "XA-01", 12, "có"],
    ["XA-01-CB2", "Chi bộ thôn Nam", "chi bo", "XA-01", "", ""],
]
GOOD_PEOPLE = [
    [
        "CB001",
        "Nguyễn Văn An",
        "25/03/1980",
        "Nam",
        "an@example.vn",
        "có",
        "03/02/2005",
        "Đang sinh hoạt",
        "có",
        "không",
    ],
    ["CB002", "Trần Thị Bình", "1/2/1990", "Nữ", "", "không", "", "", "", ""],
    ["CB003", "Lê Đức Chi", "1975-12-31", "Nam", "", "x", "19.05.2000", "Miễn sinh hoạt", "", "có"],
]
GOOD_MEMBERSHIPS = [
    ["CB001", "XA-01-CB1", "Bí thư", "01/01/2025", ""],
    ["CB001", "XA-01", "Cấp ủy viên", "", ""],
    ["CB002", "XA-01-CB2", "Công chức/viên chức", "", ""],
    ["CB003", "XA-01-CB2", "Đảng viên", "01-01-2020", "31-12-2024"],
]


def workbook(
    units: list | None = None,
    people: list | None = None,
    memberships: list | None = None,
    headers: dict[str, list[str]] | None = None,
) -> bytes:
    """An .xlsx roster with the given rows; a table left as None has no sheet at all."""
    headers = headers or {}
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, default_header, rows in (
        (UNITS_SHEET, UNIT_HEADERS, units),
        (PEOPLE_SHEET, PEOPLE_HEADERS, people),
        (MEMBERSHIPS_SHEET, MEMBERSHIP_HEADERS, memberships),
    ):
        if rows is None:
            continue
        sheet = book.create_sheet(name)
        sheet.append(headers.get(name, default_header))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_workbook() -> bytes:
    return workbook(GOOD_UNITS, GOOD_PEOPLE, GOOD_MEMBERSHIPS)


def table_counts() -> tuple[int, int, int]:
    return OrgUnit.objects.count(), Person.objects.count(), Membership.objects.count()


def event_counts() -> tuple[int, int, int]:
    return tuple(model.pgh_event_model.objects.count() for model in (OrgUnit, Person, Membership))


def problem_places(error: pytest.ExceptionInfo[RosterImportError]) -> set[tuple[str, int, str]]:
    return {(p.sheet, p.row, p.column) for p in error.value.problems}


def run(data: bytes, target: OrgUnit, name: str = "roster.xlsx", **kwargs):
    kwargs.setdefault("by", None)  # the operator on the command line, unless a test says
    return import_roster(file_name=name, data=data, target=target, **kwargs)


# --- The service ------------------------------------------------------------------------


def test_import_roster_does_create_units_people_and_memberships_from_a_valid_workbook(tree):
    result = run(good_workbook(), tree.district)

    assert (result.units.created, result.people.created, result.memberships.created) == (3, 3, 4)
    commune = OrgUnit.objects.get(code="XA-01")
    cell = OrgUnit.objects.get(code="XA-01-CB1")
    assert OrgUnit.objects.get_parent(commune) == tree.district
    assert OrgUnit.objects.get_parent(cell) == commune
    assert commune.kind == UnitKind.GRASSROOTS_COMMITTEE
    assert commune.staff_count == 40
    assert OrgUnit.objects.get(code="XA-01-CB2").kind == UnitKind.PARTY_CELL
    an = Person.objects.get(code="CB001")
    assert an.birth_date == dt.date(1980, 3, 25)
    assert an.is_party_member and an.party_admission_date == dt.date(2005, 2, 3)
    assert an.given_name == "An" and an.search_name == "nguyen van an"
    chi = Person.objects.get(code="CB003")
    assert chi.party_status == PartyStatus.EXEMPT and chi.has_leadership_post
    assert chi.party_admission_date == dt.date(2000, 5, 19)
    assert Person.objects.get(code="CB002").gender == "female"
    roles = set(Membership.objects.filter(person=an).values_list("unit__code", "role"))
    assert roles == {
        ("XA-01-CB1", MembershipRole.SECRETARY),
        ("XA-01", MembershipRole.COMMITTEE_MEMBER),
    }
    assert Membership.objects.get(person=chi).end_date == dt.date(2024, 12, 31)
    # treebeard's bookkeeping stays right when the import adds children.
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_import_roster_rejects_exactly_the_bad_rows_when_three_rows_are_bad(tree):
    units = [*GOOD_UNITS, ["XA-01-CB3", "Chi bộ thôn Giữa", "Không có loại này", "XA-01", 5, ""]]
    people = [*GOOD_PEOPLE, ["CB004", "", "01/01/1990", "", "", "", "", "", "", ""]]
    memberships = [*GOOD_MEMBERSHIPS, ["CB002", "XA-01-CB1", "Đảng viên", "31/02/2020", ""]]
    before, events_before = table_counts(), event_counts()

    with pytest.raises(RosterImportError) as error:
        run(workbook(units, people, memberships), tree.district)

    assert problem_places(error) == {
        (UNITS_SHEET, 5, "Loại đơn vị"),
        (PEOPLE_SHEET, 5, "Họ và tên"),
        (MEMBERSHIPS_SHEET, 6, "Từ ngày"),
    }
    assert len(error.value.problems) == 3
    assert table_counts() == before
    assert event_counts() == events_before


def test_import_roster_does_nothing_when_the_same_file_is_imported_again(tree):
    data = good_workbook()
    run(data, tree.district)
    before, events_before = table_counts(), event_counts()

    result = run(data, tree.district)

    assert (result.units.unchanged, result.people.unchanged, result.memberships.unchanged) == (
        3,
        3,
        4,
    )
    assert result.changes == 0
    assert table_counts() == before
    assert event_counts() == events_before


def test_import_roster_does_update_only_the_rows_that_changed(tree):
    run(good_workbook(), tree.district)
    people = [list(row) for row in GOOD_PEOPLE]
    people[1][1] = "Trần Thị Bình Minh"
    units = [list(row) for row in GOOD_UNITS]
    units[1][4] = 13
    memberships = [list(row) for row in GOOD_MEMBERSHIPS]
    memberships[0][4] = "31/12/2026"
    person_events = Person.pgh_event_model.objects.count()

    result = run(workbook(units, people, memberships), tree.district)

    assert (result.units.updated, result.units.unchanged) == (1, 2)
    assert (result.people.updated, result.people.unchanged) == (1, 2)
    assert (result.memberships.updated, result.memberships.unchanged) == (1, 3)
    binh = Person.objects.get(code="CB002")
    assert binh.given_name == "Minh" and binh.search_name == "tran thi binh minh"
    assert OrgUnit.objects.get(code="XA-01-CB1").staff_count == 13
    assert Person.pgh_event_model.objects.count() == person_events + 1


def test_import_roster_does_store_nfc_when_the_file_has_nfd_text(tree):
    nfd_name = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    nfd_unit = unicodedata.normalize("NFD", "Chi bộ thôn Đồng")
    assert nfd_name != unicodedata.normalize("NFC", nfd_name)
    units = [["CB-DONG", nfd_unit, unicodedata.normalize("NFD", "Chi bộ"), "", "", ""]]
    people = [["P1", nfd_name, "", unicodedata.normalize("NFD", "Nữ"), "", "", "", "", "", ""]]

    run(workbook(units, people), tree.district)

    person = Person.objects.get(code="P1")
    assert person.full_name == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", person.full_name)
    assert person.given_name == "Ánh" and person.gender == "female"
    assert OrgUnit.objects.get(code="CB-DONG").name == "Chi bộ thôn Đồng"


@pytest.mark.parametrize(
    "cell",
    [
        "25/03/1980",
        "25/3/1980",
        "25-03-1980",
        "25.03.1980",
        "1980-03-25",
        "25/03/1980 00:00:00",
        dt.datetime(1980, 3, 25),
        dt.date(1980, 3, 25),
    ],
)
def test_import_roster_does_accept_vietnamese_date_forms(tree, cell):
    people = [["P1", "Phạm Văn Dũng", cell, "", "", "", "", "", "", ""]]

    run(workbook(people=people), tree.district)

    assert Person.objects.get(code="P1").birth_date == dt.date(1980, 3, 25)


@pytest.mark.parametrize("cell", ["1980/25/03", "25/13/1980", "hôm qua", "25/03/80", 29306])
def test_import_roster_rejects_date_when_it_is_not_a_day_in_dd_mm_yyyy(tree, cell):
    people = [["P1", "Phạm Văn Dũng", cell, "", "", "", "", "", "", ""]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(people=people), tree.district)

    assert problem_places(error) == {(PEOPLE_SHEET, 2, "Ngày sinh")}
    assert "dd/mm/yyyy" in error.value.problems[0].message


def test_import_roster_does_read_csv_with_bom_and_semicolons(tree):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(PEOPLE_HEADERS)
    writer.writerows(GOOD_PEOPLE)
    data = buffer.getvalue().encode("utf-8-sig")

    result = run(io.BytesIO(data), tree.district, name="nhan-su.CSV")

    assert result.people.created == 3
    assert Person.objects.get(code="CB003").birth_date == dt.date(1975, 12, 31)


def test_import_roster_does_read_a_comma_csv_of_memberships_with_plain_headers(tree):
    run(workbook(GOOD_UNITS, GOOD_PEOPLE), tree.district)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["ma can bo", "MA DON VI", "vai tro", "tu ngay", "den ngay"])
    writer.writerows(GOOD_MEMBERSHIPS)

    result = run(buffer.getvalue().encode(), tree.district, name="sinh-hoat.csv")

    assert result.memberships.created == 4


def test_import_roster_rejects_csv_when_the_header_matches_no_table(tree):
    with pytest.raises(RosterImportError) as error:
        run(b"a,b,c\n1,2,3\n", tree.district, name="x.csv")

    assert error.value.problems[0].row == 0


def test_import_roster_does_match_headers_without_diacritics_and_skip_empty_rows(tree):
    headers = {UNITS_SHEET: ["ma don vi*", "TEN DON VI", "Loai don vi", "Ghi chú"]}
    units = [["U1", "Chi bộ 1", "party_cell", "ghi chú bất kỳ"], [None, None, None], ["", ""]]
    units.append(["U2", "Chi bộ 2", "Chi bộ", None])

    result = run(workbook(units=units, headers=headers), tree.district)

    assert result.units.created == 2


def test_import_roster_does_report_the_real_row_number_after_empty_rows(tree):
    units = [["U1", "Chi bộ 1", "Chi bộ"], [], [], ["U2", "", "Chi bộ"]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(units=units), tree.district)

    assert problem_places(error) == {(UNITS_SHEET, 5, "Tên đơn vị")}


def test_import_roster_does_report_the_same_counts_when_dry_run_and_writes_nothing(tree):
    before, events_before = table_counts(), event_counts()

    preview = run(good_workbook(), tree.district, dry_run=True)

    assert table_counts() == before
    assert event_counts() == events_before
    real = run(good_workbook(), tree.district)
    assert preview.dry_run and not real.dry_run
    assert (preview.units, preview.people, preview.memberships) == (
        real.units,
        real.people,
        real.memberships,
    )


def test_import_roster_rejects_parent_when_it_is_outside_the_target_subtree(tree):
    units = [["NEW", "Chi bộ mới", "Chi bộ", tree.province.code, "", ""]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(units=units), tree.district)

    assert problem_places(error) == {(UNITS_SHEET, 2, "Mã đơn vị cấp trên")}
    assert "ngoài phạm vi" in error.value.problems[0].message
    assert not OrgUnit.objects.filter(code="NEW").exists()


def test_import_roster_rejects_unit_code_when_it_exists_outside_the_target_subtree(tree):
    units = [[tree.elsewhere.code, "Đổi tên tỉnh khác", "Đảng bộ", "", "", ""]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(units=units), tree.district)

    assert problem_places(error) == {(UNITS_SHEET, 2, "Mã đơn vị")}
    tree.elsewhere.refresh_from_db()
    assert tree.elsewhere.name == "Đảng bộ tỉnh khác"


def test_import_roster_rejects_existing_unit_when_the_file_would_move_it(tree):
    units = [[tree.cell_a.code, tree.cell_a.name, "Chi bộ", tree.cell_b.code, "", ""]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(units=units), tree.district)

    assert problem_places(error) == {(UNITS_SHEET, 2, "Mã đơn vị cấp trên")}
    assert "nơi khác trong cây" in error.value.problems[0].message


def test_import_roster_does_update_existing_unit_when_parent_column_is_absent(tree):
    headers = {UNITS_SHEET: ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"]}
    units = [[tree.cell_a.code, "Chi bộ thôn Đông mới", "Chi bộ"]]

    result = run(workbook(units=units, headers=headers), tree.province)

    assert result.units.updated == 1
    tree.cell_a.refresh_from_db()
    assert tree.cell_a.name == "Chi bộ thôn Đông mới"
    assert OrgUnit.objects.get_parent(tree.cell_a) == tree.district


def test_import_roster_rejects_parent_cycle_when_units_refer_to_each_other(tree):
    units = [
        ["A", "Chi bộ A", "Chi bộ", "B", "", ""],
        ["B", "Chi bộ B", "Chi bộ", "A", "", ""],
        ["C", "Chi bộ C", "Chi bộ", "C", "", ""],
    ]

    with pytest.raises(RosterImportError) as error:
        run(workbook(units=units), tree.district)

    assert problem_places(error) == {
        (UNITS_SHEET, 2, "Mã đơn vị cấp trên"),
        (UNITS_SHEET, 3, "Mã đơn vị cấp trên"),
        (UNITS_SHEET, 4, "Mã đơn vị cấp trên"),
    }


def test_import_roster_rejects_unknown_parent_when_neither_in_file_nor_database(tree):
    units = [["A", "Chi bộ A", "Chi bộ", "KHONG-CO", "", ""]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(units=units), tree.district)

    assert problem_places(error) == {(UNITS_SHEET, 2, "Mã đơn vị cấp trên")}


def test_import_roster_rejects_duplicate_codes_when_repeated_in_the_file(tree):
    units = [["A", "Chi bộ A", "Chi bộ", "", "", ""], ["A", "Chi bộ A2", "Chi bộ", "", "", ""]]
    people = [GOOD_PEOPLE[0], GOOD_PEOPLE[1], [GOOD_PEOPLE[0][0], "Người khác"]]
    memberships = [["CB001", "A", "Bí thư"], ["CB001", "A", "bi thu"]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(units, people, memberships), tree.district)

    assert problem_places(error) == {
        (UNITS_SHEET, 3, "Mã đơn vị"),
        (PEOPLE_SHEET, 4, "Mã cán bộ"),
        (MEMBERSHIPS_SHEET, 3, "Vai trò"),
    }


def test_import_roster_rejects_admission_date_when_person_is_not_a_party_member(tree):
    people = [["P1", "Vũ Văn Giang", "", "", "", "không", "01/01/2010", "", "", ""]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(people=people), tree.district)

    assert problem_places(error) == {(PEOPLE_SHEET, 2, "Ngày vào Đảng")}


def test_import_roster_rejects_bad_values_when_they_are_not_in_the_accepted_lists(tree):
    people = [["P1", "Vũ Văn Giang", "", "Khác", "không-phải-email", "có lẽ", "", "Nghỉ", "", ""]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(people=people), tree.district)

    assert problem_places(error) == {
        (PEOPLE_SHEET, 2, "Giới tính"),
        (PEOPLE_SHEET, 2, "Email"),
        (PEOPLE_SHEET, 2, "Đảng viên"),
        (PEOPLE_SHEET, 2, "Tình trạng sinh hoạt đảng"),
    }


def test_import_roster_rejects_membership_when_person_or_unit_code_is_unknown(tree):
    memberships = [["NOBODY", tree.cell_a.code, "Đảng viên"], ["CB001", "NOWHERE", "Đảng viên"]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(people=GOOD_PEOPLE, memberships=memberships), tree.district)

    assert problem_places(error) == {
        (MEMBERSHIPS_SHEET, 2, "Mã cán bộ"),
        (MEMBERSHIPS_SHEET, 3, "Mã đơn vị"),
    }


def test_import_roster_rejects_membership_when_the_unit_is_outside_the_target(tree):
    memberships = [["CB001", tree.elsewhere.code, "Đảng viên"]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(people=GOOD_PEOPLE, memberships=memberships), tree.district)

    assert problem_places(error) == {(MEMBERSHIPS_SHEET, 2, "Mã đơn vị")}


def test_import_roster_rejects_end_date_when_it_is_before_the_start(tree):
    memberships = [["CB001", tree.cell_a.code, "Đảng viên", "01/06/2025", "31/05/2025"]]

    with pytest.raises(RosterImportError) as error:
        run(workbook(people=GOOD_PEOPLE, memberships=memberships), tree.district)

    assert problem_places(error) == {(MEMBERSHIPS_SHEET, 2, "Đến ngày")}


def test_import_roster_rejects_person_changes_when_the_person_belongs_outside_the_target(
    tree, org_officer
):
    stranger = PersonFactory(code="NGOAI", full_name="Đỗ Văn Ngoài")
    MembershipFactory(person=stranger, unit=tree.elsewhere)
    renamed = [["NGOAI", "Tên Đã Sửa"]]
    same = [["NGOAI", "Đỗ Văn Ngoài"]]
    headers = {PEOPLE_SHEET: ["Mã cán bộ", "Họ và tên"]}

    with pytest.raises(RosterImportError) as error:
        run(workbook(people=renamed, headers=headers), tree.district, by=org_officer)
    result = run(workbook(people=same, headers=headers), tree.district, by=org_officer)

    assert problem_places(error) == {(PEOPLE_SHEET, 2, "Mã cán bộ")}
    assert result.people.unchanged == 1


def _stranger(tree) -> Person:
    """A person kept by another province's roster."""
    stranger = PersonFactory(code="NGOAI", full_name="Đỗ Văn Ngoài")
    MembershipFactory(person=stranger, unit=tree.elsewhere)
    return stranger


def test_import_roster_rejects_membership_when_the_person_belongs_to_another_units_roster(
    tree, org_officer
):
    stranger = _stranger(tree)
    memberships = [
        ["CB001", tree.cell_a.code, "Đảng viên"],
        ["NGOAI", tree.cell_a.code, "Đảng viên"],
    ]
    before = table_counts()

    with pytest.raises(RosterImportError) as error:
        run(workbook(people=GOOD_PEOPLE, memberships=memberships), tree.district, by=org_officer)

    assert problem_places(error) == {(MEMBERSHIPS_SHEET, 3, "Mã cán bộ")}
    assert "ngoài phạm vi «Đảng bộ xã Yên Lạc»" in error.value.problems[0].message
    assert table_counts() == before
    assert not stranger.memberships.filter(unit=tree.cell_a).exists()


def test_import_roster_does_add_membership_when_the_importer_keeps_both_rosters(
    tree, org_officer, admin_user
):
    from orgunits import services
    from orgunits.roles import Role

    stranger = _stranger(tree)
    services.grant_role(user=org_officer, unit=tree.elsewhere, role=Role.ORG_OFFICER)
    to_cell_a = workbook(memberships=[["NGOAI", tree.cell_a.code, "Đảng viên"]])
    to_cell_b = workbook(memberships=[["NGOAI", tree.cell_b.code, "Đảng viên"]])

    by_officer = run(to_cell_a, tree.district, by=org_officer)
    by_admin = run(to_cell_b, tree.district, by=admin_user)

    assert (by_officer.memberships.created, by_admin.memberships.created) == (1, 1)
    assert stranger.memberships.count() == 3


def test_import_roster_rejects_file_when_it_is_neither_xlsx_nor_csv(tree):
    with pytest.raises(RosterImportError):
        run(b"whatever", tree.district, name="roster.xls")
    with pytest.raises(RosterImportError):
        run(b"not a zip", tree.district, name="roster.xlsx")


def _no_parsing(*args, **kwargs):
    raise AssertionError("the file reached a spreadsheet parser")


def test_import_roster_rejects_a_bomb_of_empty_rows_before_parsing(tree, monkeypatch):
    from tests.spreadsheet_bombs import empty_rows_bomb

    bomb = empty_rows_bomb(200_000)
    from orgunits.services.roster import reading

    monkeypatch.setattr(openpyxl, "load_workbook", _no_parsing)
    monkeypatch.setattr(reading, "_open_xlsx", _no_parsing)
    started = time.perf_counter()

    with pytest.raises(RosterImportError) as error:
        run(bomb, tree.district)

    assert time.perf_counter() - started < 2  # generous: the pre-check takes ~0,2 s
    (problem,) = error.value.problems
    assert "kể cả dòng trống" in problem.message and problem.row == 0


def test_import_roster_rejects_rows_past_the_hard_count_while_reading(tree, monkeypatch):
    from orgunits.services.roster import reading
    from tests.spreadsheet_bombs import empty_rows_bomb

    monkeypatch.setattr(reading, "check_upload", lambda *args, **kwargs: None)
    monkeypatch.setattr(reading, "MAX_SCANNED_ROWS", 100)

    # Rows without any cell cost the (Rust) reader nothing and never reach Python; rows that
    # hold a blank cell do, and are counted.
    with pytest.raises(RosterImportError) as error:
        run(empty_rows_bomb(500, blank_cells=True), tree.district)

    assert problem_places(error) == {(PEOPLE_SHEET, 101, "")}


def test_import_roster_does_import_2000_people_with_their_memberships_and_60_units(tree):
    from orgunits.management.commands.bench_roster_import import build_workbook

    data = build_workbook("BIG", people=2000, units=60)

    started = time.perf_counter()
    result = run(data, tree.district)
    elapsed = time.perf_counter() - started
    print(f"\nroster import of 2,000 people: {elapsed:.2f} s")
    started = time.perf_counter()
    again = run(data, tree.district)
    print(f"repeated import: {time.perf_counter() - started:.2f} s")

    assert (result.units.created, result.people.created, result.memberships.created) == (
        60,
        2000,
        2000,
    )
    assert (again.units.unchanged, again.people.unchanged, again.memberships.unchanged) == (
        60,
        2000,
        2000,
    )
    assert Person.objects.filter(code__startswith="BIG-").count() == 2000


# --- Writing in bulk ---------------------------------------------------------------------

# Units in the file in no helpful order: children before parents, two levels, and new children
# of an existing unit that already has children (district: cells A and B).
NESTED_UNITS = [
    ["N-CB2", "Chi bộ 2", "Chi bộ", "N-DB1", 5, ""],
    ["N-TO1", "Tổ 1", "Khác", "N-CB2", 0, ""],
    ["N-DB1", "Đảng bộ 1", "Đảng bộ cơ sở", "", 0, ""],
    ["N-CB1", "Chi bộ 1", "Chi bộ", "N-DB1", 7, "không"],
    ["N-CB3", "Chi bộ 3", "Chi bộ", "T01-H01-A", 3, ""],
    ["N-DB2", "Đảng bộ 2", "Đảng bộ cơ sở", "", 0, ""],
]


def _shape(root: OrgUnit) -> set[tuple[str, str, int, int]]:
    """Each unit under `root` by its code, with its path below root's, depth and child count."""
    return {
        (u.code.removeprefix("OLD-"), u.path[len(root.path) :], u.depth, u.numchild)
        for u in OrgUnit.objects.filter(path__startswith=root.path).exclude(pk=root.pk)
    }


def test_import_roster_does_place_units_in_bulk_exactly_where_one_by_one_creation_did(tree):
    from orgunits.services import create_unit
    from orgunits.services.roster.checking import _units_in_order
    from orgunits.services.roster.reading import _Problems, _read_file

    # The old way, one create_unit per unit in parents-first order, under a copy of the tree.
    twin = create_unit(code="OLD-T01-H01", name="Bản sao", parent=tree.province)
    old_a = create_unit(code="OLD-T01-H01-A", name="A", parent=twin)
    create_unit(code="OLD-T01-H01-B", name="B", parent=twin)
    sheets = _read_file("r.xlsx", workbook(units=NESTED_UNITS), _Problems())
    from orgunits.services.roster.checking import _parse_units

    rows = _units_in_order(_parse_units(sheets[0], _Problems()))
    made = {"T01-H01": twin, "T01-H01-A": old_a}
    for row in rows:
        parent = OrgUnit.objects.get(pk=made[row.parent_code or "T01-H01"].pk)
        made[row.code] = create_unit(code=f"OLD-{row.code}", parent=parent, **row.values)

    result = run(workbook(units=NESTED_UNITS), tree.district)

    assert result.units.created == 6
    assert _shape(tree.district) == _shape(twin)
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_import_roster_does_continue_after_the_last_child_when_units_are_added_again(tree):
    run(workbook(units=NESTED_UNITS[:3]), tree.district)
    run(workbook(units=NESTED_UNITS), tree.district)

    paths = dict(OrgUnit.objects.filter(code__startswith="N-").values_list("code", "path"))
    assert len(set(paths.values())) == 6
    assert paths["N-DB2"][:-4] == tree.district.path
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_import_roster_does_record_history_with_the_import_context_when_rows_are_copied(tree):
    run(good_workbook(), tree.district, name="danh-sach.xlsx")

    for model, count in ((Person, 3), (Membership, 4), (OrgUnit, 3)):
        events = model.pgh_event_model.objects.filter(pgh_label="insert").select_related(
            "pgh_context"
        )
        imported = [e for e in events if e.pgh_context_id is not None]
        assert len(imported) == count
        assert {e.pgh_context.metadata.get("roster_import") for e in imported} == {"danh-sach.xlsx"}


def test_import_roster_does_record_the_same_insert_events_as_the_trigger_when_rows_are_copied(
    tree,
):
    from django.forms.models import model_to_dict

    run(good_workbook(), tree.district)
    by_trigger = PersonFactory(code="AFTER")  # the insert trigger is on again after the import

    for model in (Person, Membership):
        event_model = model.pgh_event_model
        tracked = [
            f.attname for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")
        ]
        for row in model.objects.all():
            (event,) = event_model.objects.filter(pgh_obj_id=row.pk, pgh_label="insert")
            assert {name: getattr(event, name) for name in tracked} == {
                name: getattr(row, name) for name in tracked
            }, model_to_dict(row)
    assert Person.pgh_event_model.objects.filter(pgh_obj_id=by_trigger.pk).count() == 1


def test_import_roster_rejects_a_big_file_with_one_bad_row_in_the_middle_and_writes_nothing(
    tree,
):
    people = [
        [f"M{n:05d}", f"Nguyễn Văn Số {n}", "01/01/1980", "Nam", "", "", "", "", "", ""]
        for n in range(5000)
    ]
    people[2500][2] = "31/02/1980"
    memberships = [[f"M{n:05d}", "T01-H01-A", "Công chức/viên chức", "", ""] for n in range(5000)]
    before, events_before = table_counts(), event_counts()

    with pytest.raises(RosterImportError) as error:
        run(workbook(NESTED_UNITS, people, memberships), tree.district)

    assert problem_places(error) == {(PEOPLE_SHEET, 2502, "Ngày sinh")}
    assert table_counts() == before
    assert event_counts() == events_before


def test_import_roster_does_write_nothing_when_the_database_refuses_a_row_midway(tree):
    people = [
        [f"M{n:05d}", f"Nguyễn Văn Số {n}", "01/01/1980", "Nam", "", "", "", "", "", ""]
        for n in range(3000)
    ]
    # A NUL character passes every check of the file but no PostgreSQL text column takes it:
    # the copy fails at row 1,500, after the first rows went in.
    people[1500][1] = "Nguyễn\x00Văn"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([PEOPLE_HEADERS, *people])
    before, events_before = table_counts(), event_counts()

    with pytest.raises(Exception) as error:
        run(buffer.getvalue().encode(), tree.district, name="people.csv")

    causes, cause = [], error.value
    while cause is not None:
        causes.append(str(cause))
        cause = cause.__cause__ or cause.__context__
    assert any("0x00" in text for text in causes), causes

    assert table_counts() == before
    assert event_counts() == events_before


# --- The template -----------------------------------------------------------------------


def test_build_template_workbook_does_hold_the_three_sheets_with_headers_and_no_data(tree):
    book = openpyxl.load_workbook(io.BytesIO(build_template_workbook()))

    assert book.sheetnames[:3] == [UNITS_SHEET, PEOPLE_SHEET, MEMBERSHIPS_SHEET]
    assert [c.value for c in book[UNITS_SHEET][1]] == [*UNIT_HEADERS, SPECIAL_CALENDAR]
    assert [c.value for c in book[PEOPLE_SHEET][1]] == PEOPLE_HEADERS
    assert [c.value for c in book[MEMBERSHIPS_SHEET][1]] == [*MEMBERSHIP_HEADERS, TEMPORARY]
    result = run(build_template_workbook(), tree.district)
    assert result.units.total == result.people.total == result.memberships.total == 0


# --- The command ------------------------------------------------------------------------


def test_import_roster_command_rejects_file_when_rows_are_bad(tree, tmp_path: Path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(units=[["A", "", "Chi bộ"]]))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--unit", tree.district.code, stderr=err)

    assert "dòng 2" in err.getvalue() and "Tên đơn vị" in err.getvalue()
    assert not OrgUnit.objects.filter(code="A").exists()


def test_import_roster_command_does_import_a_good_file_and_dry_run_writes_nothing(
    tree, tmp_path: Path
):
    path = tmp_path / "good.xlsx"
    path.write_bytes(good_workbook())
    out = io.StringIO()

    call_command("import_roster", str(path), "--unit", tree.district.code, "--dry-run", stdout=out)
    assert not Person.objects.filter(code="CB001").exists()
    assert "Chạy thử" in out.getvalue()
    call_command("import_roster", str(path), "--unit", tree.district.code, stdout=out)

    assert Person.objects.filter(code__in=["CB001", "CB002", "CB003"]).count() == 3
    assert "Nhân sự: 3 thêm mới" in out.getvalue()


def test_import_roster_command_rejects_missing_unit_when_there_are_several_roots(
    tree, tmp_path: Path
):
    path = tmp_path / "good.xlsx"
    path.write_bytes(good_workbook())

    with pytest.raises(CommandError):
        call_command("import_roster", str(path))


# --- The pages --------------------------------------------------------------------------


def import_url(unit: OrgUnit) -> str:
    return reverse("orgunits:roster_import", args=[unit.pk])


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def _staged(client, unit, data: bytes, capture, name: str = "ds.xlsx"):
    """Upload a file; the worker (eager in tests) checks it once the request commits."""
    with capture(execute=True):
        response = client.post(import_url(unit), {"file": upload(name, data)})
    assert response.status_code == 302
    return RosterUpload.objects.get(), response["Location"]


def test_roster_import_view_does_stage_check_in_a_worker_then_confirm_for_an_org_officer(
    client, org_officer, tree, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)
    assert client.get(import_url(tree.district)).status_code == 200

    staged, page_url = _staged(
        client, tree.district, good_workbook(), django_capture_on_commit_callbacks
    )
    preview = client.get(page_url)

    assert staged.status == RosterUpload.Status.CHECKED
    assert b'data-testid="roster-counts"' in preview.content
    assert b'data-testid="roster-confirm"' in preview.content
    assert not Person.objects.filter(code="CB001").exists()
    pending = list((tmp_path / "roster-uploads").iterdir())
    assert len(pending) == 1

    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post(page_url)
    done = client.get(page_url)

    assert confirm.status_code == 302 and confirm["Location"] == page_url
    assert b'data-testid="roster-done"' in done.content
    assert Person.objects.filter(code__in=["CB001", "CB002", "CB003"]).count() == 3
    assert OrgUnit.objects.get_parent(OrgUnit.objects.get(code="XA-01")) == tree.district
    assert not pending[0].exists()
    # A second confirm has nothing left to import.
    again = client.post(page_url, follow=True)
    assert "đã nhập" in again.content.decode()


def test_roster_import_view_does_show_progress_while_the_worker_has_not_checked(
    client, org_officer, tree, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)

    response = client.post(import_url(tree.district), {"file": upload("ds.xlsx", good_workbook())})
    page = client.get(response["Location"]).content.decode()

    assert 'data-testid="roster-upload-progress"' in page and 'hx-trigger="every 1s"' in page
    assert "Đang chờ kiểm tra" in page


def test_roster_import_view_does_list_every_problem_when_the_file_is_bad(
    client, org_officer, tree, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)
    units = [["A", "", "Chi bộ"], ["B", "Chi bộ B", "???"]]

    _upload, page_url = _staged(
        client, tree.district, workbook(units), django_capture_on_commit_callbacks
    )
    response = client.get(page_url)

    assert b'data-testid="roster-problems"' in response.content
    assert response.content.count(b'data-testid="roster-problem"') == 2
    assert b'data-testid="roster-confirm"' not in response.content
    assert "Tên đơn vị" in response.content.decode()
    assert not list((tmp_path / "roster-uploads").iterdir())


def test_roster_import_view_rejects_a_bomb_quickly_with_a_vietnamese_problem(
    client, org_officer, tree, settings, tmp_path, django_capture_on_commit_callbacks
):
    from tests.spreadsheet_bombs import empty_rows_bomb

    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(org_officer)

    staged, page_url = _staged(
        client, tree.district, empty_rows_bomb(), django_capture_on_commit_callbacks
    )

    assert staged.status == RosterUpload.Status.REFUSED
    assert "kể cả dòng trống" in client.get(page_url).content.decode()


def test_roster_upload_task_does_refuse_the_upload_when_the_worker_runs_out_of_time(
    org_officer, tree, settings, tmp_path, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    from orgunits import tasks
    from orgunits.services.roster import staging

    settings.MEDIA_ROOT = str(tmp_path)
    staged = staging.stage_roster_upload(
        unit=tree.district, user=org_officer, file_name="ds.xlsx", data=good_workbook()
    )

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(staging, "check_roster_upload", too_slow)
    tasks.check_roster_upload(staged.pk)

    staged.refresh_from_db()
    assert staged.status == RosterUpload.Status.REFUSED
    assert "quá lâu" in staged.result["problems"][0][3]
    assert tasks.check_roster_upload.soft_time_limit == tasks.CHECK_SOFT_LIMIT


def test_roster_import_view_rejects_upload_when_the_file_is_too_large(
    client, org_officer, tree, settings
):
    settings.ROSTER_UPLOAD_MAX_BYTES = 100
    client.force_login(org_officer)

    response = client.post(import_url(tree.district), {"file": upload("ds.csv", b"x" * 200)})

    assert response.status_code == 200
    assert "Tệp quá lớn" in response.content.decode()


def test_roster_import_view_rejects_a_member_with_403_on_their_own_unit(client, member, tree):
    client.force_login(member)

    assert client.get(import_url(tree.cell_a)).status_code == 403


def test_roster_import_view_rejects_an_outsider_with_404(client, outsider, tree):
    client.force_login(outsider)

    assert client.get(import_url(tree.district)).status_code == 404
    assert client.post(import_url(tree.district), {}).status_code == 404


def test_roster_template_view_does_return_an_xlsx_with_the_right_sheets(client, member):
    client.force_login(member)

    response = client.get(reverse("orgunits:roster_template"))

    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [UNITS_SHEET, PEOPLE_SHEET, MEMBERSHIPS_SHEET, "Hướng dẫn"]


def test_roster_template_view_rejects_anonymous_users(client, db):
    response = client.get(reverse("orgunits:roster_template"))

    assert response.status_code == 302


def test_import_roster_does_read_special_calendar_and_temporary_attendance(tree):
    units = [["XA-01", "Đảng bộ xã Mới", "Đảng bộ cơ sở", "", 40, "có", "có"]]
    units.append(["XA-01-CB1", "Chi bộ thôn Bắc", "Chi bộ", "XA-01", 12, "có", ""])
    memberships = [
        ["CB001", "XA-01-CB1", "Đảng viên", "", "", ""],
        ["CB003", "XA-01-CB1", "Đảng viên", "", "", "có"],
    ]
    headers = {
        UNITS_SHEET: [*UNIT_HEADERS, SPECIAL_CALENDAR],
        MEMBERSHIPS_SHEET: [*MEMBERSHIP_HEADERS, TEMPORARY],
    }

    run(workbook(units, GOOD_PEOPLE, memberships, headers=headers), tree.district)

    special = dict(
        OrgUnit.objects.filter(code__startswith="XA-").values_list("code", "has_special_calendar")
    )
    assert special == {"XA-01": True, "XA-01-CB1": False}
    temporary = dict(Membership.objects.values_list("person__code", "is_temporary"))
    assert temporary == {"CB001": False, "CB003": True}

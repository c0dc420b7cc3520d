"""Exports write names as text: a unit or person named like a formula stays a name in Excel
(no cell of type "f", quote-prefixed) and in CSV (an apostrophe before `= + - @`, tab, CR)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from documents.cells import FORMULA_TRIGGERS, csv_value
from orgunits.models import OrgUnit, Person
from ratings import exports, summary

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/steal","x")'

# Names as an officer or a roster could type them: any printable text after a character a
# spreadsheet reads as the start of a formula (NUL and lone surrogates cannot be stored in
# PostgreSQL at all).
dangerous_names = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(FORMULA_TRIGGERS),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
)


def _xlsx_cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _export_everything(period, unit) -> dict[str, bytes]:
    result = summary.summary(period, unit, kht_limit=None)
    workbook, people = io.BytesIO(), io.BytesIO()
    exports.write_xlsx(result, workbook)
    exports.write_xlsx(result, people, people=True)
    text = io.StringIO()
    exports.write_csv(result, text)
    return {
        "xlsx": workbook.getvalue(),
        "people": people.getvalue(),
        "csv": text.getvalue().encode(),
    }


def _as_read_back(name: str) -> str:
    """A name as the workbook gives it back: without the characters XML cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", name)


def _assert_no_formula(files: dict[str, bytes], unit_name: str, person_name: str) -> None:
    for kind in ("xlsx", "people"):
        texts = set()
        for cell in _xlsx_cells(files[kind]):
            assert cell.data_type not in ("f", "e"), (kind, cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                texts.add(cell.value)
                if cell.value.startswith(FORMULA_TRIGGERS):
                    assert cell.quotePrefix, (kind, cell.coordinate, cell.value)
        if _as_read_back(unit_name):  # the unit's row in the summary and in the list
            assert _as_read_back(unit_name) in texts, kind
        if kind == "people" and _as_read_back(person_name):
            assert _as_read_back(person_name) in texts
    fields = [f for row in csv.reader(io.StringIO(files["csv"].decode())) for f in row]
    assert not [f for f in fields if f.startswith(FORMULA_TRIGGERS)]
    assert csv_value(unit_name) in fields


def test_exports_do_write_a_formula_like_unit_name_as_text(enrolled, tree, member):
    OrgUnit.objects.filter(pk=tree.cell_a.pk).update(name=HYPERLINK)
    Person.objects.filter(pk=member.person.pk).update(full_name="@SUM(1+1)*cmd|' /C calc'!A0")
    files = _export_everything(enrolled, tree.district)
    _assert_no_formula(files, HYPERLINK, "@SUM(1+1)*cmd|' /C calc'!A0")
    assert '"\'=HYPERLINK(""http' in files["csv"].decode()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(unit_name=dangerous_names, person_name=dangerous_names)
@example(unit_name="=1+1", person_name="#N/A")
@example(unit_name="-2+3", person_name="\t=cmd")
def test_exports_do_keep_any_formula_like_name_as_text(
    enrolled, tree, member, unit_name, person_name
):
    OrgUnit.objects.filter(pk=tree.cell_a.pk).update(name=unit_name)
    Person.objects.filter(pk=member.person.pk).update(full_name=person_name)
    _assert_no_formula(_export_everything(enrolled, tree.district), unit_name, person_name)

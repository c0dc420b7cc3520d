"""`documents.cells`: any text reaches a spreadsheet as text, never as a formula."""

from __future__ import annotations

import csv
import io

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from documents.cells import FORMULA_TRIGGERS, append_row, csv_writer, xlsx_cell

texts = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from((*FORMULA_TRIGGERS, "#")), st.text(max_size=30)),
)


@settings(max_examples=40, deadline=None)  # a workbook save can exceed 200 ms on a busy machine
@given(st.lists(texts, min_size=1, max_size=5))
def test_xlsx_cells_do_read_back_as_text_when_written_in_either_mode(values):
    for write_only in (True, False):
        book = openpyxl.Workbook(write_only=write_only)
        sheet = book.create_sheet("a")
        append_row(sheet, values)
        if write_only:
            sheet.append([xlsx_cell(sheet, v) for v in values])
        buffer = io.BytesIO()
        book.save(buffer)
        read = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["a"]
        for row in read.iter_rows():
            for cell, value in zip(row, values, strict=False):
                assert cell.data_type != "f"
                assert (cell.value or "") == ILLEGAL_CHARACTERS_RE.sub("", value)


@given(st.lists(texts, min_size=1, max_size=5))
def test_csv_writer_does_prefix_every_formula_trigger_with_an_apostrophe(values):
    buffer = io.StringIO()
    csv_writer(buffer).writerow(values)
    (row,) = list(csv.reader(io.StringIO(buffer.getvalue())))
    for field, value in zip(row, values, strict=True):
        assert not field.startswith(FORMULA_TRIGGERS)
        assert field == ("'" + value if value.startswith(FORMULA_TRIGGERS) else value)

"""Cells of exported spreadsheets and CSV files, written so that no text becomes a formula.

Unit and person names are typed by officers and imported from rosters: a name such as
`=HYPERLINK("http://…","x")` must reach the reader as the text it is. Every writer of an Excel
or CSV file goes through this module:

- **Excel**: openpyxl turns any string that starts with "=" into a formula and strings such as
  "#N/A" into error values. A text cell is therefore forced to the string type ("s"), and one
  that starts with a character a spreadsheet reads as a formula also gets the quote-prefix
  style, so that editing the cell in Excel keeps it text. Characters XML cannot hold (control
  characters) are dropped instead of failing the export.
- **CSV**: the file carries no types, so a text starting with `= + - @`, a tab or a carriage
  return is prefixed with an apostrophe (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _clean_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def set_cell(cell: Any, value: Any) -> Any:
    """Give an openpyxl cell its value, a string always as text, never as a formula."""
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = _clean_text(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def xlsx_cell(worksheet: Any, value: Any, **style: Any) -> WriteOnlyCell:
    """A write-only cell holding `value` (text as text) with the given style attributes."""
    cell = set_cell(WriteOnlyCell(worksheet), value)
    for name, attribute in style.items():
        setattr(cell, name, attribute)
    return cell


def append_row(worksheet: Any, values: Iterable[Any]) -> None:
    """Append a row of plain values to a worksheet (write-only or not), text as text."""
    values = list(values)
    if getattr(worksheet.parent, "write_only", False):
        worksheet.append([xlsx_cell(worksheet, v) for v in values])
        return
    worksheet.append([None] * len(values))
    if not values:
        return
    row = worksheet.max_row  # append made a cell for each value, so this is the new row
    for column, value in enumerate(values, start=1):
        set_cell(worksheet.cell(row=row, column=column), value)


def csv_value(value: Any) -> Any:
    """A CSV field that a spreadsheet will not read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeCsvWriter:
    """`csv.writer` whose rows go through `csv_value`."""

    def __init__(self, target: IO[str], **options: Any) -> None:
        self._writer = csv.writer(target, **options)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow([csv_value(v) for v in values])


def csv_writer(target: IO[str], **options: Any) -> SafeCsvWriter:
    """The only CSV writer exports use."""
    return SafeCsvWriter(target, **options)

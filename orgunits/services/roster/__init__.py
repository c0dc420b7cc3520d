"""Roster import: units, people and memberships from an .xlsx workbook or a .csv table.

The import is all or nothing: the whole file is read and checked first, every problem is
reported with its sheet, row and column, and only a file without problems is written, inside
one transaction. Rows are matched by code, so importing the same file again changes nothing.

One module per stage of an import: `tables` (the three tables, their columns and labels),
`reading` (the file into sheets of rows, cells into values), `checking` (every row against the
file and the database), `writing` (the upserts and `import_roster`) and `template` (the empty
workbook and its guide).
"""

from .reading import parse_boolean, parse_date
from .tables import (
    BOOLEAN_LABELS,
    DATE_HINT,
    GENDER_LABELS,
    GUIDE_SHEET,
    MAX_ROWS,
    MEMBERSHIPS,
    PARTY_STATUS_LABELS,
    PEOPLE,
    ROLE_LABELS,
    TABLES,
    UNIT_KIND_LABELS,
    UNITS,
    Column,
    Table,
)
from .template import build_template_workbook
from .writing import BATCH_SIZE, RosterImportResult, TableCounts, import_roster

__all__ = [
    "BATCH_SIZE",
    "BOOLEAN_LABELS",
    "DATE_HINT",
    "GENDER_LABELS",
    "GUIDE_SHEET",
    "MAX_ROWS",
    "MEMBERSHIPS",
    "PARTY_STATUS_LABELS",
    "PEOPLE",
    "ROLE_LABELS",
    "TABLES",
    "UNITS",
    "UNIT_KIND_LABELS",
    "Column",
    "RosterImportResult",
    "Table",
    "TableCounts",
    "build_template_workbook",
    "import_roster",
    "parse_boolean",
    "parse_date",
]

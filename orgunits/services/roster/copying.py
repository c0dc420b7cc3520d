"""Writing many new rows with PostgreSQL COPY (about ten times Django's bulk_create).

COPY goes around Django's cursor wrappers, which is where django-pghistory sets the context
(who, what import) that its triggers record with each event. The context is a setting local to
the transaction, so one ordinary statement through Django first (`carry_history_context`) sets
it for the COPY that follows; the triggers fire for every copied row as for an INSERT.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

# COPY's text format: a backslash starts an escape and tab, newline, CR end a field or row.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_BATCH_BYTES = 8 * 1024 * 1024


def _field(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    return str(value)


def carry_history_context() -> None:
    """Set pghistory's context for the transaction before a COPY (see the module's doc)."""
    with connection.cursor() as cursor:
        cursor.execute("DO $$ BEGIN END $$")


def reserve_ids(table: str, n: int) -> list[int]:
    """n ids from the table's identity sequence, so that copied rows can be referred to
    before they are written (concurrent inserts elsewhere take other values)."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY the rows into `table` (in batches of a few megabytes); the number written."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    count = 0
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join([_field(value) for value in row]))
            buffer.write("\n")
            count += 1
            if buffer.tell() > _BATCH_BYTES:
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)
                buffer = io.StringIO()
        if buffer.tell():
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
    return count

"""Reads of summaries and exports may go to a read replica (docs/scaling.md).

Only code that asks for it reads from the replica: inside `replica_reads()`, the ORM's reads
go to the "replica" database when one is configured (DJANGO_REPLICA_DATABASE_URL); raw SQL
takes its connection from `reporting_alias()`. Every write goes to "default", and so does
every read outside the block. Without a replica, everything uses "default".

A replica lags the primary by the time it takes to replay (milliseconds when it keeps up), so
use it only for reads that may be that old — a province summary, an export — and never for a
read that must see a write just made (a job's own row, a form that was just saved).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

DEFAULT = "default"
REPLICA = "replica"
_reading_reports: ContextVar[bool] = ContextVar("reading_reports", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Inside the block, ORM reads go to the read replica when one is configured."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reporting_alias() -> str:
    """The database alias for a summary or export read now: the replica inside
    `replica_reads()` when one is configured, else "default"."""
    return REPLICA if _reading_reports.get() and replica_configured() else DEFAULT


class ReplicaRouter:
    """Summary and export reads to the replica (inside `replica_reads()`); the rest to default."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return reporting_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT  # the replica replays the primary's schema

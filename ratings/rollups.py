"""Reading and checking the counts kept at write time (`ratings.models.rollups`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from . import rollup_sql

_KEPT_LEVELS = """
    SELECT period_id, unit_id, quota_group_id, subject_class, eligibility, measure, decided,
        level, n
    FROM ratings_levelcount WHERE n <> 0
"""
_KEPT_MULTI_SITE = "SELECT subject_id, period_id, person_id, unit_id FROM ratings_multisitesubject"
_KEPT_HISTORY = (
    "SELECT year, unit_id, subject_class, level, n FROM ratings_historycount WHERE n <> 0"
)


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple
    kept: int | None
    raw: int | None

    def __str__(self) -> str:
        return f"{self.table} {self.key}: kept {self.kept}, counted {self.raw}"


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _counted(sql: str) -> dict[tuple, int]:
    return {tuple(row[:-1]): int(row[-1]) for row in _rows(sql)}


def _compare(table: str, kept: dict[tuple, int], raw: dict[tuple, int]) -> list[Difference]:
    return [
        Difference(table, key, kept.get(key), raw.get(key))
        for key in sorted(kept.keys() | raw.keys(), key=repr)
        if kept.get(key) != raw.get(key)
    ]


def differences() -> list[Difference]:
    """Every count kept that differs from a recount of the raw rows (none when all is well).
    Reads whole tables: a command and the tests call it, never a request."""
    found = _compare(
        "ratings_levelcount",
        _counted(_KEPT_LEVELS),
        _counted(rollup_sql.RAW_LEVEL_COUNTS),
    )
    kept_sites = {row[0]: row[1:] for row in _rows(_KEPT_MULTI_SITE)}
    raw_sites = {row[0]: row[1:] for row in _rows(rollup_sql.RAW_MULTI_SITE)}
    found += [
        Difference(
            "ratings_multisitesubject",
            (subject_id,),
            kept_sites.get(subject_id) and 1,
            raw_sites.get(subject_id) and 1,
        )
        for subject_id in sorted(kept_sites.keys() | raw_sites.keys())
        if kept_sites.get(subject_id) != raw_sites.get(subject_id)
    ]
    found += _compare(
        "ratings_historycount",
        _counted(_KEPT_HISTORY),
        _counted(rollup_sql.RAW_HISTORY_COUNTS),
    )
    return found

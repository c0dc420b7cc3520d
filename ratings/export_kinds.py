"""The summary exports (Excel, Excel with every subject, CSV) as kinds of the documents app, so
a worker writes them and the officer fetches the file from the job page.

Each is keyed, like the summary PDF, by the SummaryNarrative row of its (period, unit): that row
exists once per pair and is what the summary page already asks for. The fingerprint must change
whenever the file would, without computing the file's content in the request (issue #14: the
request that asks answers in well under 100 ms for a province). It is one statement over
counters that move with every change, never over the rows themselves:

- the subjects and ratings of the subtree, of every period (this year's figures, the KHT list
  and its reasons, the people sheet, earlier years): the largest version of the counts kept at
  write time (`ratings_levelcount`). Every statement that touches a subject's key or any field
  of a rating draws a new version from one sequence for the counts it touches, and count rows
  are never deleted, so the largest version over a subtree changes with every change in it;
- the imported years: the same over `ratings_historycount` (the subtree's and those without a
  unit, which are placed by membership);
- what the counts do not hold: the largest audit event id of units, people, memberships,
  periods, quota exceptions and narratives (pghistory records every insert and update by
  trigger, whoever writes), the number of the subtree's units (for deletions), and a digest
  of the period's quota groups and local rule sets (not audited);
- the narrative, its period and its unit by all their fields;
- the code: the source of the modules that decide what the files contain (the writers and their
  columns and labels, `documents/cells.py`, the summary computation and `reviews/rule_text.py`)
  and the openpyxl version, so a change of layout or of a computation is not served from an
  older file.

A fingerprint that changes too often only costs a render; one that misses a change would serve
stale figures, so each input above errs on the side of changing (an edit anywhere to a person
or a unit changes the fingerprint of every summary).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.utils.text import slugify

from documents import cells
from reviews import rule_text

from . import exports
from .exports import labels, spreadsheets
from .models import SummaryNarrative
from .summary import UnitSummary, build, charts, compliance, queries, stats, summary, years

# The people sheet lists every subject; a province of 200,000 writes in ~20 s on a worker.
EXPORTS = {
    "summary_xlsx": {"file_format": "xlsx", "people": False},
    "summary_people_xlsx": {"file_format": "xlsx", "people": True},
    "summary_csv": {"file_format": "csv", "people": False},
}


def _narrative(narrative_id: int) -> SummaryNarrative:
    return SummaryNarrative.objects.select_related("period", "unit").get(pk=narrative_id)


def _summary_of(narrative: SummaryNarrative, file_format: str) -> UnitSummary:
    # The workbook lists every KHT case; the CSV has no such list.
    kht_limit = None if file_format == "xlsx" else 0
    return summary(narrative.period, narrative.unit, kht_limit=kht_limit)


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a summary value: dataclasses and model rows by their fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Model):
        fields = {f.attname: getattr(value, f.attname) for f in value._meta.concrete_fields}
        return [value._meta.label, fields]
    if isinstance(value, dict):
        return [[str(key), _plain(item)] for key, item in value.items()]
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def summary_digest(result: UnitSummary) -> str:
    """SHA-256 over every value of the summary (Decimals, dates and the like as text)."""
    text = json.dumps(_plain(result), default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# The audited models whose largest event id stands for "something of this kind changed".
AUDITED = (
    ("orgunits", "OrgUnitEvent"),
    ("orgunits", "PersonEvent"),
    ("orgunits", "MembershipEvent"),
    ("reviews", "ReviewPeriodEvent"),
    ("ratings", "QuotaExceptionEvent"),
    ("ratings", "SummaryNarrativeEvent"),
)
# Each largest version is found by walking the version index down to the first row inside the
# subtree: one row for a province, a few dozen for a district. Rows are never deleted, so the
# largest version changes with every change in the subtree.
_COUNTERS_SQL = """
    SELECT
        (SELECT c.version
         FROM ratings_levelcount c JOIN orgunits_orgunit u ON u.id = c.unit_id
         WHERE u.path LIKE %(prefix)s ORDER BY c.version DESC LIMIT 1),
        (SELECT h.version
         FROM ratings_historycount h JOIN orgunits_orgunit u ON u.id = h.unit_id
         WHERE u.path LIKE %(prefix)s ORDER BY h.version DESC LIMIT 1),
        (SELECT max(version) FROM ratings_historycount WHERE unit_id IS NULL),
        (SELECT count(*) FROM orgunits_orgunit WHERE path LIKE %(prefix)s),
        -- Sums of row hashes: no sort, the same whatever order the rows come in.
        (SELECT concat_ws(':', count(*), sum(hashtext(concat_ws(':', id, name, subject_class,
                                                               unit_id))))
         FROM reviews_quotagroup WHERE period_id = %(period)s),
        (SELECT concat_ws(':', count(*), sum(hashtext(concat_ws(':', id, unit_id, ruleset_code,
                                                               ruleset_version, ruleset_digest))))
         FROM reviews_localruleset WHERE period_id = %(period)s)
"""


def _events_sql() -> str:
    tables = [apps.get_model(app, name)._meta.db_table for app, name in AUDITED]
    # Table names from the app registry, not from a request.
    parts = (f"(SELECT max(pgh_id) FROM {table})" for table in tables)  # noqa: S608
    return "SELECT " + ", ".join(parts)


def source_counters(narrative: SummaryNarrative) -> list[Any]:
    """What moves when anything a summary export shows changes; two indexed statements, the
    same whatever the size of the subtree."""
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNTERS_SQL, {"prefix": narrative.unit.path + "%", "period": narrative.period_id}
        )
        counters = list(cursor.fetchone())
        cursor.execute(_events_sql())
        counters += list(cursor.fetchone())
    return counters


# The modules whose source decides what the Excel and CSV files contain (not the packages'
# __init__, which only re-export).
WRITER_MODULES = (
    spreadsheets,
    labels,
    cells,
    rule_text,
    build,
    charts,
    compliance,
    queries,
    stats,
    years,
)


@cache
def _writer_version() -> str:
    digest = hashlib.sha256()
    for module in WRITER_MODULES:
        source = Path(module.__file__).read_bytes()
        digest.update(f"{module.__name__}\0{len(source)}\0".encode() + source)
    return f"{digest.hexdigest()}\0openpyxl {version('openpyxl')}"


def _fingerprint(narrative_id: int, *, file_format: str, people: bool) -> str:
    narrative = _narrative(narrative_id)
    inputs = [
        file_format,
        people,
        _plain(narrative),
        _plain(narrative.period),
        _plain(narrative.unit),
        source_counters(narrative),
        _writer_version(),
    ]
    text = json.dumps(inputs, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _render(narrative_id: int, *, file_format: str, people: bool) -> bytes:
    narrative = _narrative(narrative_id)
    result = _summary_of(narrative, file_format)
    if file_format == "xlsx":
        buffer = io.BytesIO()
        exports.write_xlsx(result, buffer, people=people)
        return buffer.getvalue()
    text = io.StringIO()
    exports.write_csv(result, text)
    return text.getvalue().encode("utf-8")  # write_csv began the text with a BOM


def summary_file_name(narrative: SummaryNarrative, extension: str, *, prefix: str) -> str:
    unit = narrative.unit
    return f"{prefix}-{narrative.period.year}-{slugify(unit.code) or unit.pk}.{extension}"


def _file_name(narrative_id: int, *, file_format: str, people: bool) -> str:
    prefix = "danh-sach-xep-loai" if people else "tong-hop"
    return summary_file_name(_narrative(narrative_id), file_format, prefix=prefix)


def kinds(can_access: Any, source_url: Any) -> dict[str, dict[str, Any]]:
    """The registry descriptions of the three exports; access and the page they are asked
    from are the summary's."""
    described = {}
    for kind, options in EXPORTS.items():
        described[kind] = {
            "render": lambda pk, _o=options: _render(pk, **_o),
            "source_fingerprint": lambda pk, _o=options: _fingerprint(pk, **_o),
            "filename": lambda pk, _o=options: _file_name(pk, **_o),
            "can_access": can_access,
            "source_url": source_url,
            "file_format": options["file_format"],
        }
    return described

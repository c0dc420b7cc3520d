"""The summary exports (Excel, Excel with every subject, CSV) as kinds of the documents app, so
a worker writes them and the officer fetches the file from the job page.

Each is keyed, like the summary PDF, by the SummaryNarrative row of its (period, unit): that row
exists once per pair and is what the summary page already asks for. The fingerprint must change
whenever the file would, without writing the file in the request:

- the figures: a SHA-256 over every value of the computed summary (the same computation the
  summary page makes, ~1 s for a province), units and the period by all their fields;
- the list of every subject (people workbook only): one aggregate query hashing, in the
  database, each subject's row as the sheet shows it;
- the writer itself: the source of the modules that decide what the files contain
  (`ratings/exports/spreadsheets.py`, the writers and their columns, and
  `ratings/exports/labels.py`, the names they print, and `documents/cells.py`, which keeps
  text from becoming a formula) and the openpyxl version, so a change of
  layout is not served from an older file.

A fingerprint that changes too often only costs a render; one that misses a change would serve
stale figures, so each input above errs on the side of changing.
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

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Model, TextField, Value
from django.db.models.functions import MD5, Cast, Coalesce, Concat
from django.utils.text import slugify

from documents import cells
from reviews.models import Subject

from . import exports
from .exports import labels, spreadsheets
from .models import SummaryNarrative
from .summary import UnitSummary, summary

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


def subject_rows_digest(narrative: SummaryNarrative) -> str:
    """MD5, computed by PostgreSQL, over every subject of the subtree as the people sheet shows
    it (and the fields that order it): one query whatever the number of subjects."""
    text = TextField()
    parts = [
        "pk",
        "subject_class",
        "eligibility",
        "unit__path",
        "unit__name",
        "unit__code",
        "person__code",
        "person__full_name",
        "person__given_name",
        "rating__level",
        "rating__status",
    ]
    line = Concat(
        *(
            piece
            for name in parts
            for piece in (Coalesce(Cast(name, text), Value("", text)), Value("|", text))
        ),
        output_field=text,
    )
    found = (
        Subject.objects.filter(
            period_id=narrative.period_id, unit__path__startswith=narrative.unit.path
        )
        .annotate(line=line)
        .aggregate(digest=MD5(StringAgg("line", delimiter="\n", order_by="pk")))
    )
    return found["digest"] or "none"


# The modules whose source decides what the Excel and CSV files contain (not the package's
# __init__, which only re-exports).
WRITER_MODULES = (spreadsheets, labels, cells)


@cache
def _writer_version() -> str:
    digest = hashlib.sha256()
    for module in WRITER_MODULES:
        source = Path(module.__file__).read_bytes()
        digest.update(f"{module.__name__}\0{len(source)}\0".encode() + source)
    return f"{digest.hexdigest()}\0openpyxl {version('openpyxl')}"


def _fingerprint(narrative_id: int, *, file_format: str, people: bool) -> str:
    narrative = _narrative(narrative_id)
    digest = hashlib.sha256(summary_digest(_summary_of(narrative, file_format)).encode())
    if people:
        digest.update(b"\0people " + subject_rows_digest(narrative).encode())
    digest.update(b"\0" + _writer_version().encode())
    return digest.hexdigest()


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

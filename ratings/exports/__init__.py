"""Writers of the summary report (Excel, CSV, the narrative PDF) and of the personal dossier,
one module per output: `spreadsheets` (the workbook and the CSV, from shared columns), `report`
(the narrative PDF) and `dossier`; `labels` holds the Vietnamese names they share.

The Excel workbook is written with openpyxl in write-only mode, row by row, so a province-wide
list of every subject streams through without being held in memory. Documents use the
party-document layout of `reviews.documents` (Hướng dẫn 36-HD/VPTW).
"""

from __future__ import annotations

import io

from ..summary import UnitSummary
from .dossier import (
    archive_dossier,
    content_checksum,
    dossier_context,
    render_dossier_pdf,
    scope_dossier,
)
from .labels import (
    CLASS_NAMES,
    DEDUP_NOTE,
    ELIGIBILITY_NAMES,
    LEVEL_NAMES,
    OWN_ROW,
    STATUS_NAMES,
    row_label,
)
from .report import (
    SIGNERS,
    narrative_for,
    render_summary_pdf,
    save_narrative,
    summary_report_context,
)
from .spreadsheets import COLUMNS, SHEET_NAMES, write_csv, write_xlsx

__all__ = [
    "CLASS_NAMES",
    "COLUMNS",
    "DEDUP_NOTE",
    "ELIGIBILITY_NAMES",
    "LEVEL_NAMES",
    "OWN_ROW",
    "SHEET_NAMES",
    "SIGNERS",
    "STATUS_NAMES",
    "archive_dossier",
    "content_checksum",
    "dossier_context",
    "export_bytes",
    "narrative_for",
    "render_dossier_pdf",
    "render_summary_pdf",
    "row_label",
    "save_narrative",
    "scope_dossier",
    "summary_report_context",
    "write_csv",
    "write_xlsx",
]


def export_bytes(summary: UnitSummary, fmt: str) -> bytes:
    """The export in memory (small subtrees and tests)."""
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(summary, buffer)
        return buffer.getvalue()
    if fmt == "csv":
        text = io.StringIO()
        write_csv(summary, text)
        return text.getvalue().encode("utf-8")
    if fmt == "pdf":
        return render_summary_pdf(summary)
    raise ValueError(fmt)

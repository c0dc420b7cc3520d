"""The kinds of document the upper apps render, each described once in its AppConfig.ready().

Every callable takes the object's id (never an object), so the same description serves the
web process (fingerprint, access) and the worker (render). A kind renders one file format:
PDF (the default; page-counted and limited to 300 pages), an Excel workbook or CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


class UnknownKind(LookupError):
    """No document kind of that name is registered."""


@dataclass(frozen=True)
class FileFormat:
    extension: str
    media_type: str
    label: str  # the same in Vietnamese and English
    paged: bool  # pages are counted and limited (PDF only)


FORMATS: dict[str, FileFormat] = {
    "pdf": FileFormat("pdf", "application/pdf", "PDF", paged=True),
    "xlsx": FileFormat(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel",
        paged=False,
    ),
    "csv": FileFormat("csv", "text/csv; charset=utf-8", "CSV", paged=False),
}


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    render: Callable[[int], bytes]
    # Changes whenever anything the PDF shows changes; cheap next to rendering.
    source_fingerprint: Callable[[int], str]
    filename: Callable[[int], str]
    can_access: Callable[[Any, int], bool]
    page_estimate: Callable[[int], int] | None = None
    # Ids of objects worth rendering, for `bench_pdf`.
    examples: Callable[[int], Iterable[int]] | None = None
    file_format: FileFormat = FORMATS["pdf"]
    # The page the document was asked from, linked from the job page ("back to …").
    source_url: Callable[[int], str] | None = None


_kinds: dict[str, DocumentKind] = {}


def register(
    kind: str,
    *,
    render: Callable[[int], bytes],
    source_fingerprint: Callable[[int], str],
    filename: Callable[[int], str],
    can_access: Callable[[Any, int], bool],
    page_estimate: Callable[[int], int] | None = None,
    examples: Callable[[int], Iterable[int]] | None = None,
    file_format: str = "pdf",
    source_url: Callable[[int], str] | None = None,
    replace: bool = False,
) -> DocumentKind:
    """Describe a kind of document; a second registration of a kind needs `replace=True`."""
    if kind in _kinds and not replace:
        raise ValueError(f"document kind {kind!r} is already registered")
    if file_format not in FORMATS:
        raise ValueError(f"unknown file format {file_format!r}; known: {sorted(FORMATS)}")
    entry = DocumentKind(
        kind=kind,
        render=render,
        source_fingerprint=source_fingerprint,
        filename=filename,
        can_access=can_access,
        page_estimate=page_estimate,
        examples=examples,
        file_format=FORMATS[file_format],
        source_url=source_url,
    )
    _kinds[kind] = entry
    return entry


def unregister(kind: str) -> None:
    _kinds.pop(kind, None)


def get(kind: str) -> DocumentKind:
    """The registered kind, or UnknownKind."""
    try:
        return _kinds[kind]
    except KeyError:
        raise UnknownKind(kind) from None


def kinds() -> list[str]:
    return sorted(_kinds)

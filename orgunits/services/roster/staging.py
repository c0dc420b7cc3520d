"""The roster import as the web runs it: upload → stage → (worker) check → preview → confirm →
(worker) write. The web request only stores the file; a worker with a time limit parses it, so
a slow or hostile file never holds a web process (see documents/sheet_limits.py for the
limits checked before parsing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from documents import uploads

from ...exceptions import OrgUnitError, RosterImportError, RowProblem
from ...models import OrgUnit, RosterUpload
from .writing import RosterImportResult, TableCounts, import_roster

UPLOAD_DIR = "roster-uploads"
TIMED_OUT = uploads.TIMED_OUT
Status = RosterUpload.Status


class UploadNotReady(OrgUnitError):
    """The upload is not waiting for confirmation (still checking, refused or done)."""

    def __init__(self) -> None:
        super().__init__(uploads.NOT_READY)


def _parse(upload: RosterUpload, data: bytes, dry_run: bool) -> dict[str, Any]:
    result = import_roster(
        file_name=upload.file_name,
        data=data,
        target=upload.unit,
        by=upload.requested_by,
        dry_run=dry_run,
    )
    counts = {}
    for table in ("units", "people", "memberships"):
        c: TableCounts = getattr(result, table)
        counts[table] = [c.created, c.updated, c.unchanged]
    return counts


FLOW = uploads.UploadFlow(
    model=RosterUpload,
    folder=UPLOAD_DIR,
    parse=_parse,
    refusal=RosterImportError,
    problem=RowProblem,
    check_task="orgunits.tasks.check_roster_upload",
    write_task="orgunits.tasks.write_roster_upload",
)


def upload_path(upload: RosterUpload) -> Path:
    return FLOW.path(upload)


def stage_roster_upload(
    *, unit: OrgUnit, user: AbstractBaseUser, file_name: str, data: bytes
) -> RosterUpload:
    """Store the uploaded file and queue its check by a worker."""
    return FLOW.stage(unit=unit, requested_by=user, file_name=file_name, data=data)


def check_roster_upload(*, upload_id: int) -> None:
    """The worker's check: a dry run of the import, its counts or its problems kept on the
    upload. Idempotent: an upload already checked is left alone."""
    FLOW.check(upload_id=upload_id)


def write_roster_upload(*, upload_id: int) -> None:
    """The worker's import of a confirmed upload (all or nothing). Idempotent."""
    FLOW.write(upload_id=upload_id)


def refuse_timed_out(*, upload_id: int) -> None:
    """Mark an upload whose worker ran out of time, and drop its file."""
    FLOW.refuse_timed_out(upload_id=upload_id)


def confirm_roster_upload(*, upload: RosterUpload) -> RosterUpload:
    """Queue the import of a checked upload; UploadNotReady otherwise."""
    return FLOW.confirm(upload=upload, not_ready=UploadNotReady)


def preview(upload: RosterUpload) -> tuple[RosterImportResult | None, list[RowProblem]]:
    """The counts and problems kept on the upload, in the shapes the page shows."""
    counts = upload.result.get("counts") or {}
    problems = [RowProblem(*p) for p in upload.result.get("problems") or []]
    if not counts:
        return None, problems
    result = RosterImportResult(dry_run=upload.status != Status.DONE)
    for table, (created, updated, unchanged) in counts.items():
        setattr(result, table, TableCounts(created, updated, unchanged))
    return result, problems

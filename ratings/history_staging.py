"""The historical-levels import as the web runs it: upload → stage → (worker) check → preview →
confirm → (worker) write, like the roster's (orgunits/services/roster/staging.py), with the
shared pieces of documents/uploads.py. The web request only stores the file."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser

from documents import uploads
from orgunits.exceptions import RowProblem
from orgunits.models import OrgUnit

from .history_import import SHEET, HistoryImportError, HistoryImportResult, import_historical_levels
from .models import HistoryUpload

UPLOAD_DIR = "history-uploads"
Status = HistoryUpload.Status


class HistoryUploadNotReady(Exception):
    """The upload is not waiting for confirmation (still checking, refused or done)."""

    def __init__(self) -> None:
        super().__init__(uploads.NOT_READY)


def _parse(upload: HistoryUpload, data: bytes, dry_run: bool) -> dict:
    result = import_historical_levels(
        file_name=upload.file_name,
        data=data,
        target=upload.unit,
        user=upload.requested_by,
        dry_run=dry_run,
    )
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


FLOW = uploads.UploadFlow(
    model=HistoryUpload,
    folder=UPLOAD_DIR,
    parse=_parse,
    refusal=HistoryImportError,
    problem=RowProblem,
    check_task="ratings.tasks.check_history_upload",
    write_task="ratings.tasks.write_history_upload",
    sheet=SHEET,
)


def upload_path(upload: HistoryUpload) -> Path:
    return FLOW.path(upload)


def stage_history_upload(
    *, unit: OrgUnit, user: AbstractBaseUser, file_name: str, data: bytes
) -> HistoryUpload:
    """Store the uploaded file and queue its check by a worker."""
    return FLOW.stage(unit=unit, requested_by=user, file_name=file_name, data=data)


def check_history_upload(*, upload_id: int) -> None:
    """The worker's check: a dry run, its counts or its problems kept on the upload.
    Idempotent: an upload already checked is left alone."""
    FLOW.check(upload_id=upload_id)


def write_history_upload(*, upload_id: int) -> None:
    """The worker's import of a confirmed upload (all or nothing). Idempotent."""
    FLOW.write(upload_id=upload_id)


def refuse_timed_out(*, upload_id: int) -> None:
    """Mark an upload whose worker ran out of time, with advice, and drop its file."""
    FLOW.refuse_timed_out(upload_id=upload_id)


def confirm_history_upload(*, upload: HistoryUpload) -> HistoryUpload:
    """Queue the import of a checked upload; HistoryUploadNotReady otherwise."""
    return FLOW.confirm(upload=upload, not_ready=HistoryUploadNotReady)


def preview(upload: HistoryUpload) -> tuple[HistoryImportResult | None, list[RowProblem]]:
    """The counts and problems kept on the upload, in the shapes the page shows."""
    counts = upload.result.get("counts") or {}
    problems = [RowProblem(*p) for p in upload.result.get("problems") or []]
    if not counts:
        return None, problems
    return HistoryImportResult(dry_run=upload.status != Status.DONE, **counts), problems

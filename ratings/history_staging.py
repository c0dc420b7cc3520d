"""The historical-levels import as the web runs it: upload → stage → (worker) check → preview →
confirm → (worker) write, like the roster's (orgunits/services/roster/staging.py), with the
shared pieces of documents/uploads.py. The web request only stores the file."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

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


def upload_path(upload: HistoryUpload) -> Path:
    return uploads.stored_path(folder=UPLOAD_DIR, stored=upload.stored)


def _enqueue(task_name: str, upload_id: int) -> None:
    from . import tasks

    uploads.enqueue_on_commit(getattr(tasks, task_name), upload_id)


@transaction.atomic
def stage_history_upload(
    *, unit: OrgUnit, user: AbstractBaseUser, file_name: str, data: bytes
) -> HistoryUpload:
    """Store the uploaded file and queue its check by a worker."""
    stored = uploads.store_file(folder=UPLOAD_DIR, file_name=file_name, data=data)
    upload = HistoryUpload.objects.create(
        unit=unit, requested_by=user, file_name=file_name[:255], stored=stored
    )
    _enqueue("check_history_upload", upload.pk)
    return upload


def _counts(result: HistoryImportResult) -> dict:
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


def _run(upload: HistoryUpload, *, dry_run: bool) -> None:
    path = upload_path(upload)
    if not path.is_file():
        problem = RowProblem(SHEET, 0, "", uploads.GONE)
        upload.status, upload.result = Status.REFUSED, uploads.problems_result([problem])
    else:
        try:
            result = import_historical_levels(
                file_name=upload.file_name,
                data=path.read_bytes(),
                target=upload.unit,
                user=upload.requested_by,
                dry_run=dry_run,
            )
        except HistoryImportError as error:
            upload.status, upload.result = Status.REFUSED, uploads.problems_result(error.problems)
        else:
            upload.status = Status.CHECKED if dry_run else Status.DONE
            upload.result = uploads.problems_result([], _counts(result))
    if upload.status != Status.CHECKED:
        path.unlink(missing_ok=True)
    upload.save(update_fields=["status", "result", "updated_at"])


def check_history_upload(*, upload_id: int) -> None:
    """The worker's check: a dry run, its counts or its problems kept on the upload.
    Idempotent: an upload already checked is left alone."""
    upload = HistoryUpload.objects.select_related("unit", "requested_by").get(pk=upload_id)
    if upload.status == Status.QUEUED:
        _run(upload, dry_run=True)


def write_history_upload(*, upload_id: int) -> None:
    """The worker's import of a confirmed upload (all or nothing). Idempotent."""
    upload = HistoryUpload.objects.select_related("unit", "requested_by").get(pk=upload_id)
    if upload.status == Status.WRITING:
        _run(upload, dry_run=False)


def refuse_timed_out(*, upload_id: int) -> None:
    """Mark an upload whose worker ran out of time, with advice, and drop its file."""
    upload = HistoryUpload.objects.get(pk=upload_id)
    upload.status = Status.REFUSED
    upload.result = uploads.problems_result([RowProblem(SHEET, 0, "", uploads.TIMED_OUT)])
    upload.save(update_fields=["status", "result", "updated_at"])
    upload_path(upload).unlink(missing_ok=True)


@transaction.atomic
def confirm_history_upload(*, upload: HistoryUpload) -> HistoryUpload:
    """Queue the import of a checked upload; HistoryUploadNotReady otherwise."""
    locked = HistoryUpload.objects.select_for_update().get(pk=upload.pk)
    if locked.status != Status.CHECKED:
        raise HistoryUploadNotReady
    locked.status = Status.WRITING
    locked.save(update_fields=["status", "updated_at"])
    _enqueue("write_history_upload", locked.pk)
    return locked


def preview(upload: HistoryUpload) -> tuple[HistoryImportResult | None, list[RowProblem]]:
    """The counts and problems kept on the upload, in the shapes the page shows."""
    counts = upload.result.get("counts") or {}
    problems = [RowProblem(*p) for p in upload.result.get("problems") or []]
    if not counts:
        return None, problems
    return HistoryImportResult(dry_run=upload.status != Status.DONE, **counts), problems

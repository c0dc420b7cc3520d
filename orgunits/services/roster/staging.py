"""The roster import as the web runs it: upload → stage → (worker) check → preview → confirm →
(worker) write. The web request only stores the file; a worker with a time limit parses it, so
a slow or hostile file never holds a web process (see documents/sheet_limits.py for the
limits checked before parsing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

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


def upload_path(upload: RosterUpload) -> Path:
    return uploads.stored_path(folder=UPLOAD_DIR, stored=upload.stored)


def _enqueue(task_name: str, upload_id: int) -> None:
    from ... import tasks

    uploads.enqueue_on_commit(getattr(tasks, task_name), upload_id)


@transaction.atomic
def stage_roster_upload(
    *, unit: OrgUnit, user: AbstractBaseUser, file_name: str, data: bytes
) -> RosterUpload:
    """Store the uploaded file and queue its check by a worker."""
    stored = uploads.store_file(folder=UPLOAD_DIR, file_name=file_name, data=data)
    upload = RosterUpload.objects.create(
        unit=unit, requested_by=user, file_name=file_name[:255], stored=stored
    )
    _enqueue("check_roster_upload", upload.pk)
    return upload


def _result(result: RosterImportResult | None, problems: list[RowProblem]) -> dict[str, Any]:
    counts = {}
    if result is not None:
        for table in ("units", "people", "memberships"):
            c: TableCounts = getattr(result, table)
            counts[table] = [c.created, c.updated, c.unchanged]
    return uploads.problems_result(problems, counts)


def _run(upload: RosterUpload, *, dry_run: bool) -> None:
    path = upload_path(upload)
    if not path.is_file():
        problem = RowProblem("", 0, "", uploads.GONE)
        upload.status, upload.result = Status.REFUSED, _result(None, [problem])
    else:
        try:
            result = import_roster(
                file_name=upload.file_name,
                data=path.read_bytes(),
                target=upload.unit,
                by=upload.requested_by,
                dry_run=dry_run,
            )
        except RosterImportError as error:
            upload.status, upload.result = Status.REFUSED, _result(None, error.problems)
        else:
            upload.status = Status.CHECKED if dry_run else Status.DONE
            upload.result = _result(result, [])
    if upload.status != Status.CHECKED:
        path.unlink(missing_ok=True)
    upload.save(update_fields=["status", "result", "updated_at"])


def check_roster_upload(*, upload_id: int) -> None:
    """The worker's check: a dry run of the import, its counts or its problems kept on the
    upload. Idempotent: an upload already checked is left alone."""
    upload = RosterUpload.objects.select_related("unit", "requested_by").get(pk=upload_id)
    if upload.status == Status.QUEUED:
        _run(upload, dry_run=True)


def write_roster_upload(*, upload_id: int) -> None:
    """The worker's import of a confirmed upload (all or nothing). Idempotent."""
    upload = RosterUpload.objects.select_related("unit", "requested_by").get(pk=upload_id)
    if upload.status == Status.WRITING:
        _run(upload, dry_run=False)


def refuse_timed_out(*, upload_id: int) -> None:
    """Mark an upload whose worker ran out of time, and drop its file."""
    upload = RosterUpload.objects.get(pk=upload_id)
    upload.status = Status.REFUSED
    upload.result = _result(None, [RowProblem("", 0, "", TIMED_OUT)])
    upload.save(update_fields=["status", "result", "updated_at"])
    upload_path(upload).unlink(missing_ok=True)


@transaction.atomic
def confirm_roster_upload(*, upload: RosterUpload) -> RosterUpload:
    """Queue the import of a checked upload; UploadNotReady otherwise."""
    locked = RosterUpload.objects.select_for_update().get(pk=upload.pk)
    if locked.status != Status.CHECKED:
        raise UploadNotReady
    locked.status = Status.WRITING
    locked.save(update_fields=["status", "updated_at"])
    _enqueue("write_roster_upload", locked.pk)
    return locked


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

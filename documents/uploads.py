"""What every spreadsheet upload shares on its way through a worker: the stored file, the
upload's status and kept result, the time-out advice. The web request only stores the file; a
worker with a time limit parses it (after documents/sheet_limits.py), so a slow or hostile file
never holds a web process. Used by the roster import and the historical-levels import."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

# Uploads never confirmed are swept after a day.
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
TIMED_OUT = (
    "Tệp xử lý quá lâu nên đã dừng. Hãy xoá các dòng, cột trống thừa hoặc chia nhỏ tệp rồi "
    "tải lên lại."
)
GONE = "Tệp đã tải lên không còn nữa; hãy tải lên lại."
NOT_READY = "Tệp chưa được kiểm tra xong hoặc đã nhập; hãy tải tệp lên lại."


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKED = "checked", _("Checked: ready to confirm")
    REFUSED = "refused", _("Refused")
    WRITING = "writing", _("Being imported")
    DONE = "done", _("Imported")


class StagedUpload(models.Model):
    """An uploaded file on its way through a worker: staged (stored), checked (the dry run's
    counts or its problems), confirmed and written. Parsing never happens in a web request."""

    Status = UploadStatus

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    # <32 hex digits>.<xlsx|csv> under MEDIA_ROOT/<the import's folder>/, removed once written.
    stored = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # {"counts": …, "problems": [[sheet, row, column, message], …]} of the last check or write.
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.CHECKED, self.Status.REFUSED, self.Status.DONE}


def store_file(*, folder: str, file_name: str, data: bytes) -> str:
    """Write the upload under MEDIA_ROOT/folder (sweeping files older than a day) and return
    its stored name."""
    directory = Path(settings.MEDIA_ROOT) / folder
    directory.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
    stored = f"{uuid.uuid4().hex}{PurePath(file_name).suffix.lower()}"
    (directory / stored).write_bytes(data)
    return stored


def stored_path(*, folder: str, stored: str) -> Path:
    return Path(settings.MEDIA_ROOT) / folder / stored


def enqueue_on_commit(task: Any, upload_id: int) -> None:
    """Queue the worker once the upload's row is committed."""
    transaction.on_commit(lambda: task.delay(upload_id))


def problems_result(problems: list[Any], counts: dict | None = None) -> dict[str, Any]:
    """The JSON kept on an upload: counts and problems (RowProblem-like tuples)."""
    return {
        "counts": counts or {},
        "problems": [[p.sheet, p.row, p.column, p.message] for p in problems],
    }


@dataclass(frozen=True)
class UploadFlow:
    """One import's way through a worker: stage → check (dry run) → confirm → write. `parse`
    runs the import (upload, data, dry_run) and returns the counts to keep, or raises `refusal`
    (an error with `.problems`); the tasks are named by their dotted paths."""

    model: type[StagedUpload]
    folder: str
    parse: Callable[[Any, bytes, bool], dict]
    refusal: type[Exception]
    problem: Callable[..., Any]
    check_task: str
    write_task: str
    sheet: str = ""

    def path(self, upload: StagedUpload) -> Path:
        return stored_path(folder=self.folder, stored=upload.stored)

    def _enqueue(self, dotted: str, upload_id: int) -> None:
        module, name = dotted.rsplit(".", 1)
        enqueue_on_commit(getattr(import_module(module), name), upload_id)

    def stage(self, *, file_name: str, data: bytes, **fields: Any) -> Any:
        with transaction.atomic():
            stored = store_file(folder=self.folder, file_name=file_name, data=data)
            upload = self.model.objects.create(file_name=file_name[:255], stored=stored, **fields)
            self._enqueue(self.check_task, upload.pk)
        return upload

    def _refuse(self, upload: StagedUpload, message: str) -> None:
        upload.status = UploadStatus.REFUSED
        upload.result = problems_result([self.problem(self.sheet, 0, "", message)])

    def _run(self, upload: StagedUpload, *, dry_run: bool) -> None:
        path = self.path(upload)
        if not path.is_file():
            self._refuse(upload, GONE)
        else:
            try:
                counts = self.parse(upload, path.read_bytes(), dry_run)
            except self.refusal as error:
                upload.status = UploadStatus.REFUSED
                upload.result = problems_result(error.problems)
            else:
                upload.status = UploadStatus.CHECKED if dry_run else UploadStatus.DONE
                upload.result = problems_result([], counts)
        if upload.status != UploadStatus.CHECKED:
            path.unlink(missing_ok=True)
        upload.save(update_fields=["status", "result", "updated_at"])

    def _when(self, upload_id: int, status: str, *, dry_run: bool) -> None:
        upload = self.model.objects.select_related("unit", "requested_by").get(pk=upload_id)
        if upload.status == status:
            self._run(upload, dry_run=dry_run)

    def check(self, *, upload_id: int) -> None:
        """The worker's dry run; an upload already checked is left alone."""
        self._when(upload_id, UploadStatus.QUEUED, dry_run=True)

    def write(self, *, upload_id: int) -> None:
        """The worker's import of a confirmed upload (all or nothing); idempotent."""
        self._when(upload_id, UploadStatus.WRITING, dry_run=False)

    def refuse_timed_out(self, *, upload_id: int) -> None:
        """Mark an upload whose worker ran out of time, with advice, and drop its file."""
        upload = self.model.objects.get(pk=upload_id)
        self._refuse(upload, TIMED_OUT)
        upload.save(update_fields=["status", "result", "updated_at"])
        self.path(upload).unlink(missing_ok=True)

    def confirm(self, *, upload: StagedUpload, not_ready: type[Exception]) -> Any:
        """Queue the import of a checked upload; `not_ready` otherwise."""
        with transaction.atomic():
            locked = self.model.objects.select_for_update().get(pk=upload.pk)
            if locked.status != UploadStatus.CHECKED:
                raise not_ready
            locked.status = UploadStatus.WRITING
            locked.save(update_fields=["status", "updated_at"])
            self._enqueue(self.write_task, locked.pk)
        return locked

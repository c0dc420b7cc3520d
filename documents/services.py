"""Requesting a document (web) and rendering it (worker); the only place jobs change."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
import zlib
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from . import registry
from .models import DocumentJob, JobStatus

logger = logging.getLogger(__name__)

MAX_PAGES = 300
TOO_LONG = "Tài liệu dự kiến hơn 300 trang. Hãy chia nhỏ theo đơn vị hoặc dùng bản Excel."
TOO_LONG_RENDERED = (
    "Tài liệu có {pages} trang, hơn 300 trang. Hãy chia nhỏ theo đơn vị hoặc dùng bản Excel."
)
RENDER_FAILED = "Không tạo được tài liệu. Hãy thử lại; nếu vẫn lỗi, hãy báo cho quản trị viên."
TIMED_OUT = "Tạo tài liệu quá lâu nên đã dừng. Hãy chia nhỏ theo đơn vị hoặc dùng bản Excel."
SOURCE_GONE = "Văn bản gốc không còn tồn tại."
NOT_SENT = "Chưa gửi được yêu cầu tới máy xử lý. Hãy bấm “Thử lại” sau ít phút."
# Longer than the hard time limit of a task (10 min): a job still queued or running after this
# lost its message or its worker, and asking again sends it again.
STALE_AFTER = dt.timedelta(minutes=15)

_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_STREAM = re.compile(rb"stream\r?\n")


def job_fingerprint(entry: registry.DocumentKind, object_id: int) -> str:
    """SHA-256 of the kind, the id and the owner's fingerprint of the source."""
    source = entry.source_fingerprint(object_id)
    return hashlib.sha256(f"{entry.kind}\0{object_id}\0{source}".encode()).hexdigest()


@transaction.atomic
def request_document(
    *, kind: str, object_id: int, user: Any, now: dt.datetime | None = None
) -> DocumentJob:
    """The job for the document's current content: finished if it was rendered before, else
    queued for a worker (or refused when it would exceed 300 pages). Raises UnknownKind."""
    entry = registry.get(kind)
    now = now or timezone.now()
    job, created = DocumentJob.objects.select_for_update().get_or_create(
        kind=kind,
        object_id=object_id,
        fingerprint=job_fingerprint(entry, object_id),
        defaults={"requested_by": user if user.is_authenticated else None},
    )
    if created:
        estimate = entry.page_estimate(object_id) if entry.page_estimate else None
        if estimate is not None and estimate > MAX_PAGES:
            _finish(job.pk, status=JobStatus.REFUSED, error=TOO_LONG, now=now)
            job.refresh_from_db()
            return job
        _enqueue(job.pk)
        return job
    stale = job.status in {JobStatus.QUEUED, JobStatus.RUNNING} and job.updated_at < (
        now - STALE_AFTER
    )
    lost_file = job.status == JobStatus.DONE and not _file_exists(job)
    if job.status == JobStatus.FAILED or stale or lost_file:
        # Asking again is how a person retries; the file name is the same, so nothing leaks.
        job.status, job.progress, job.pages = JobStatus.QUEUED, 0, 0
        job.error, job.file, job.finished_at = "", "", None
        job.save()
        _enqueue(job.pk)
    return job


def _enqueue(job_id: int) -> None:
    def publish() -> None:
        from .tasks import render_document  # the task module imports this one

        try:
            render_document.apply_async(args=[job_id], queue="documents")
        except Exception:
            # Broker down or unreachable: the person sees why and can ask again, and the
            # request that asked does not fail.
            logger.exception("Could not enqueue document job %s", job_id)
            DocumentJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
                status=JobStatus.FAILED,
                error=NOT_SENT,
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )

    transaction.on_commit(publish)


def render_job(*, job_id: int) -> DocumentJob | None:
    """Render the job's file, store it and mark the job done; safe to run twice or at once
    in two workers (the file is renamed into place, a finished job is left alone)."""
    job = DocumentJob.objects.filter(pk=job_id).first()
    if job is None or job.status in {JobStatus.FAILED, JobStatus.REFUSED}:
        return job
    if job.status == JobStatus.DONE and _file_exists(job):
        return job
    try:
        entry = registry.get(job.kind)
    except registry.UnknownKind:
        logger.error("Document job %s has an unknown kind %r", job.pk, job.kind)
        return _finish(job.pk, status=JobStatus.FAILED, error=RENDER_FAILED)
    _progress(job.pk, status=JobStatus.RUNNING, progress=10)
    try:
        content = entry.render(job.object_id)
    except SoftTimeLimitExceeded:
        return _finish(job.pk, status=JobStatus.FAILED, error=TIMED_OUT)
    except ObjectDoesNotExist:
        return _finish(job.pk, status=JobStatus.FAILED, error=SOURCE_GONE)
    except Exception:
        logger.exception(
            "Rendering document job %s (%s %s) failed", job.pk, job.kind, job.object_id
        )
        return _finish(job.pk, status=JobStatus.FAILED, error=RENDER_FAILED)
    _progress(job.pk, progress=90)
    pages = 0
    if entry.file_format.paged:
        pages = count_pdf_pages(content)
        if pages > MAX_PAGES:
            return _finish(
                job.pk, status=JobStatus.REFUSED, error=TOO_LONG_RENDERED.format(pages=pages)
            )
    name = _store(job.fingerprint, content, entry.file_format.extension)
    now = timezone.now()
    DocumentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        progress=100,
        pages=pages,
        file=name,
        error="",
        finished_at=now,
        updated_at=now,
    )
    return DocumentJob.objects.get(pk=job.pk)


def count_pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF, including those WeasyPrint packs into compressed object streams."""
    count = len(_PAGE_OBJECT.findall(pdf))
    for match in _STREAM.finditer(pdf):
        try:
            data = zlib.decompressobj().decompress(pdf[match.end() :])
        except zlib.error:
            continue  # not Flate (or not a stream at all)
        count += len(_PAGE_OBJECT.findall(data))
    return count


def _progress(job_id: int, **fields: Any) -> None:
    # Never move a job another delivery has finished back to "running".
    DocumentJob.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        **fields, updated_at=timezone.now()
    )


def _finish(
    job_id: int, *, status: str, error: str, now: dt.datetime | None = None
) -> DocumentJob | None:
    now = now or timezone.now()
    _progress(job_id, status=status, error=error, progress=100, finished_at=now)
    return DocumentJob.objects.filter(pk=job_id).first()


def _file_exists(job: DocumentJob) -> bool:
    return bool(job.file) and job.file.storage.exists(job.file.name)


def _store(fingerprint: str, content: bytes, extension: str) -> str:
    """Write MEDIA_ROOT/documents/<fingerprint>.<extension> atomically; returns the storage
    name."""
    name = f"documents/{fingerprint}.{extension}"
    path = Path(DocumentJob._meta.get_field("file").storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{fingerprint}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name

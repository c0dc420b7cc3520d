"""Ask for a document, watch its progress (htmx polling), download it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import registry, selectors, services
from .models import DocumentJob, JobStatus
from .permissions import can_read_document


@login_required
@require_POST
def document_request(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    # 404, not 403: the object is outside the user's reach, and its existence is not theirs
    # to learn (an unknown kind answers the same).
    if not can_read_document(request.user, kind, object_id):
        raise Http404
    job = services.request_document(kind=kind, object_id=object_id, user=request.user)
    return redirect("documents:job", pk=job.pk)


@login_required
@require_GET
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_job_for_user(request.user, pk)
    return render(request, "documents/job_status.html", _context(job))


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_job_for_user(request.user, pk)
    return render(request, "documents/_job_progress.html", _context(job))


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = selectors.get_job_for_user(request.user, pk)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    entry = registry.get(job.kind)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=entry.filename(job.object_id),
        content_type=entry.file_format.media_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _context(job: DocumentJob) -> dict[str, object]:
    entry = registry.get(job.kind)
    return {
        "job": job,
        "filename": entry.filename(job.object_id),
        "file_format": entry.file_format,
        "source_url": entry.source_url(job.object_id) if entry.source_url else "",
    }

"""Reads of document jobs, scoped to the asking user."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from .models import DocumentJob
from .permissions import can_read_document


def get_job_for_user(user: Any, pk: int) -> DocumentJob:
    """The job, or 404 when it does not exist or its object is outside the user's reach."""
    job = DocumentJob.objects.filter(pk=pk).first()
    if job is None or not can_read_document(user, job.kind, job.object_id):
        raise Http404
    return job

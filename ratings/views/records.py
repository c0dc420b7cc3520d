"""The list of a unit's rating file (Mẫu 04), rendered by a worker like every PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .. import exports
from .reports import _scope


@login_required
@require_POST
def records_list_pdf(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """Ask for the unit's Mẫu 04 of the period and show the job's progress page."""
    from documents import services as document_services

    period, unit = _scope(request, pk, unit_pk)
    # The (period, unit) row the summary's documents are keyed by keys this one too.
    narrative = exports.narrative_for(period=period, unit=unit)
    job = document_services.request_document(
        kind="records_list", object_id=narrative.pk, user=request.user
    )
    return redirect("documents:job", pk=job.pk)

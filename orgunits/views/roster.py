"""Roster import: the template download and upload → stage → (worker) check → preview →
confirm → (worker) write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions, selectors
from ..exceptions import OrgUnitError, RosterImportError
from ..forms import RosterUploadForm
from ..models import RosterUpload
from ..services import roster
from ..services.roster import staging

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILE_NAME = "Mẫu nhập danh sách.xlsx"


@login_required
@require_GET
def download_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(roster.build_template_workbook(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILE_NAME)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload: the file is stored and a worker checks it; the upload page shows the rest."""
    unit = selectors.get_unit_for_user(request.user, pk)
    if not permissions.can_import_roster(request.user, unit):
        raise PermissionDenied
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        staged = staging.stage_roster_upload(
            unit=unit, user=request.user, file_name=upload.name, data=upload.read()
        )
        return redirect("orgunits:roster_upload", pk=staged.pk)
    return render(request, "orgunits/roster_import.html", {"unit": unit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def roster_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload's progress, then its preview (POST confirms it) or its problems, then the
    outcome. htmx polls the progress part while a worker runs."""
    upload = get_object_or_404(
        RosterUpload.objects.select_related("unit"),
        pk=pk,
        unit__in=selectors.units_visible_to(request.user),
    )
    if not permissions.can_import_roster(request.user, upload.unit) or not (
        upload.requested_by_id == request.user.pk or request.user.is_superuser
    ):
        raise PermissionDenied
    if request.method == "POST":
        try:
            staging.confirm_roster_upload(upload=upload)
        except OrgUnitError as error:
            messages.error(request, str(error))
        return redirect("orgunits:roster_upload", pk=upload.pk)
    result, problems = staging.preview(upload)
    context = {
        "unit": upload.unit,
        "upload": upload,
        "result": result,
        "problems": problems,
        "error": str(RosterImportError(problems)),
    }
    return render(request, "orgunits/roster_upload.html", context)

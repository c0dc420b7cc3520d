"""Roster import: the template download and upload → preview (dry run) → confirm."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path, PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions, selectors
from ..exceptions import RosterImportError
from ..forms import RosterUploadForm
from ..models import OrgUnit
from ..services import roster

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILE_NAME = "Mẫu nhập danh sách.xlsx"
UPLOAD_DIR = "roster-uploads"
SESSION_KEY = "roster_upload"
# Uploads never confirmed are swept after a day.
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(xlsx|csv)")


@login_required
@require_GET
def download_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(roster.build_template_workbook(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILE_NAME)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_roster(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.get_unit_for_user(request.user, pk)
    if not permissions.can_import_roster(request.user, unit):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request, unit)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    context: dict = {"unit": unit, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            result = roster.import_roster(
                file_name=upload.name, data=data, target=unit, by=request.user, dry_run=True
            )
        except RosterImportError as error:
            _discard_upload(request)
            context.update(problems=error.problems, error=str(error))
        else:
            _keep_upload(request, unit, upload.name, data)
            context.update(result=result, file_name=upload.name, form=RosterUploadForm())
    return render(request, "orgunits/roster_import.html", context)


def _confirm(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    pending = request.session.get(SESSION_KEY) or {}
    path = _upload_path(pending.get("stored", ""))
    if pending.get("unit") != unit.pk or path is None or not path.is_file():
        messages.error(request, _("The uploaded file is no longer available. Upload it again."))
        return redirect("orgunits:roster_import", pk=unit.pk)
    try:
        result = roster.import_roster(
            file_name=pending["file_name"], data=path.read_bytes(), target=unit, by=request.user
        )
    except RosterImportError as error:
        # The data changed since the preview; show what is wrong now.
        _discard_upload(request)
        context = {
            "unit": unit,
            "form": RosterUploadForm(),
            "problems": error.problems,
            "error": str(error),
        }
        return render(request, "orgunits/roster_import.html", context)
    _discard_upload(request)
    messages.success(
        request,
        _(
            "Roster imported. Units: %(uc)d created, %(uu)d updated, %(un)d unchanged. "
            "People: %(pc)d created, %(pu)d updated, %(pn)d unchanged. "
            "Memberships: %(mc)d created, %(mu)d updated, %(mn)d unchanged."
        )
        % {
            "uc": result.units.created,
            "uu": result.units.updated,
            "un": result.units.unchanged,
            "pc": result.people.created,
            "pu": result.people.updated,
            "pn": result.people.unchanged,
            "mc": result.memberships.created,
            "mu": result.memberships.updated,
            "mn": result.memberships.unchanged,
        },
    )
    return redirect("orgunits:unit_detail", pk=unit.pk)


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def _upload_path(stored: str) -> Path | None:
    """The pending file for a name kept in the session; only names this module generated."""
    if not _STORED_NAME.fullmatch(stored):
        return None
    return _upload_dir() / stored


def _keep_upload(request: HttpRequest, unit: OrgUnit, file_name: str, data: bytes) -> None:
    _discard_upload(request)
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep_stale_uploads(directory)
    stored = f"{uuid.uuid4().hex}{PurePath(file_name).suffix.lower()}"
    (directory / stored).write_bytes(data)
    request.session[SESSION_KEY] = {"unit": unit.pk, "stored": stored, "file_name": file_name}


def _discard_upload(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None) or {}
    path = _upload_path(pending.get("stored", ""))
    if path is not None:
        path.unlink(missing_ok=True)


def _sweep_stale_uploads(directory: Path) -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in directory.iterdir():
        if _STORED_NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)

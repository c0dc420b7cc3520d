"""Summary reports of a subtree (page, Excel, CSV, PDF, the officer's text), the personal
dossier, and the import of historical levels.

Who may do what is answered by the `can_*` functions below (403); visibility comes from the
selectors (404). They live here rather than in ratings/permissions.py for now because that
module was being changed by another piece of work at the same time.
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orgunits import selectors as unit_selectors
from orgunits.limits import TEXT_LIMITS
from orgunits.models import Membership, OrgUnit, Person
from orgunits.selectors import AnyUser, has_role_on
from reviews import selectors as review_selectors
from reviews.models import ReviewPeriod

from .. import exports, history_import, history_staging, selectors, summary
from ..models import DossierArchive, HistoryUpload, SummaryNarrative

SUMMARY_ROLES = ["run_review", "appraise", "decide", "administer"]
DOSSIER_ROLES = ["appraise", "decide", "administer"]
HISTORY_ROLES = ["appraise", "administer"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def can_view_summary(user: AnyUser, unit: OrgUnit) -> bool:
    """Those who run, appraise, decide or administer the unit see its summary."""
    return has_role_on(user, unit, SUMMARY_ROLES)


def can_view_dossier(user: AnyUser, person: Person) -> bool:
    """The person themselves, and appraisers / deciders / administrators of a unit where the
    person is a member."""
    if user.is_authenticated and person.user_id == user.pk:
        return True
    paths = Membership.objects.filter(person=person).values_list("unit__path", flat=True)
    return any(has_role_on(user, OrgUnit(path=path), DOSSIER_ROLES) for path in paths)


def dossier_scope_of(user: AnyUser, person: Person) -> selectors.Within:
    """The review sites of the person's dossier this user reads (see record_scope)."""
    return selectors.record_scope(user, person, DOSSIER_ROLES)


def _archives_for(user: AnyUser, person: Person) -> list[DossierArchive]:
    """The person's archived dossiers whose scope the user's covers, newest first."""
    within = dossier_scope_of(user, person)
    archives = DossierArchive.objects.filter(person=person).select_related("created_by", "scope")
    if within is not None:
        archives = archives.filter(scope__isnull=False)  # older copies hold the whole record
    return [
        a
        for a in archives[:500]
        if selectors.scope_covers(within, a.scope.within if a.scope else None)
    ][:50]


def can_import_history(user: AnyUser, unit: OrgUnit) -> bool:
    return has_role_on(user, unit, HISTORY_ROLES)


def _narrative_field(label: str, testid: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_LIMITS["narrative"],
        widget=forms.Textarea(attrs={"rows": 6, "data-testid": testid}),
    )


class NarrativeForm(forms.ModelForm):
    section_2 = _narrative_field(
        gettext_lazy("II. Organisation of the review"), "narrative-section-2"
    )
    section_3 = _narrative_field(gettext_lazy("III. General assessment"), "narrative-section-3")

    class Meta:
        model = SummaryNarrative
        fields = ["place", "section_2", "section_3"]
        labels = {"place": gettext_lazy("Place (in the document's date line)")}


class HistoryUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File of historical levels (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv", "data-testid": "history-file"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError("Chỉ nhận tệp .xlsx hoặc .csv.", code="file_type")
        limit = getattr(settings, "ROSTER_UPLOAD_MAX_BYTES", 20 * 1024 * 1024) * 4
        if upload.size > limit:
            raise forms.ValidationError(
                f"Tệp quá lớn ({filesizeformat(upload.size)}); tối đa {filesizeformat(limit)}.",
                code="file_size",
            )
        return upload


# --- The summary ------------------------------------------------------------------------------


def _scope(request: HttpRequest, pk: int, unit_pk: int) -> tuple[ReviewPeriod, OrgUnit]:
    """The period and unit if the user may see both (else 404) and the summary (else 403)."""
    period = review_selectors.get_period_for_user(request.user, pk)
    unit = unit_selectors.get_unit_for_user(request.user, unit_pk)
    if not unit.path.startswith(period.scope.path):
        raise Http404
    if not can_view_summary(request.user, unit):
        raise PermissionDenied
    return period, unit


@login_required
@require_GET
def reports_index(request: HttpRequest) -> HttpResponse:
    """The summaries the user can open: each period × the top units of their roles in it."""
    user = request.user
    roots = [
        r
        for r in unit_selectors.scope_roots(user)
        if user.is_superuser or can_view_summary(user, r)
    ]
    entries = []
    for period in review_selectors.periods_visible_to(user).select_related("scope"):
        for root in roots:
            if root.path.startswith(period.scope.path):
                entries.append((period, root))
            elif period.scope.path.startswith(root.path):
                entries.append((period, period.scope))
    return render(request, "ratings/summary_index.html", {"entries": entries})


@login_required
@require_GET
def summary_report(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period, unit = _scope(request, pk, unit_pk)
    result = summary.summary(period, unit)
    context = {
        "period": period,
        "unit": unit,
        "summary": result,
        "groups": [(g, result.totals[g.code]) for g in summary.GROUPS],
        "group_list": summary.GROUPS,
        "levels": summary.LEVELS,
        "chart": summary.chart_data(result),
        "ancestors": [
            a
            for a in unit_selectors.visible_ancestors(request.user, unit)
            if a.path.startswith(period.scope.path) and can_view_summary(request.user, a)
        ],
        "child_tables": [
            (g, [(row, row.groups[g.code]) for row in result.rows]) for g in summary.GROUPS
        ],
        "ranges": [(g, result.ranges[g.code]) for g in summary.GROUPS if g.code in result.ranges],
        "narrative_form": NarrativeForm(instance=result.narrative),
        "quota_rows": result.quota.rows[:100],
    }
    return render(request, "ratings/summary.html", context)


def _request_summary_document(request: HttpRequest, pk: int, unit_pk: int, kind: str):
    """Every summary file is written by a worker: ask for the job of this (period, unit) and
    show its progress page, which offers the download when it is ready."""
    from documents import services as document_services

    period, unit = _scope(request, pk, unit_pk)
    narrative = exports.narrative_for(period=period, unit=unit)
    job = document_services.request_document(kind=kind, object_id=narrative.pk, user=request.user)
    return redirect("documents:job", pk=job.pk)


@login_required
@require_POST
def summary_xlsx(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    return _request_summary_document(request, pk, unit_pk, "summary_xlsx")


@login_required
@require_POST
def summary_people_xlsx(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    return _request_summary_document(request, pk, unit_pk, "summary_people_xlsx")


@login_required
@require_POST
def summary_csv(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    return _request_summary_document(request, pk, unit_pk, "summary_csv")


@login_required
@require_POST
def summary_pdf(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """The narrative PDF report, in the official layout."""
    return _request_summary_document(request, pk, unit_pk, "summary")


@login_required
@require_POST
def summary_narrative(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period, unit = _scope(request, pk, unit_pk)
    form = NarrativeForm(request.POST)
    if form.is_valid():
        exports.save_narrative(
            period=period,
            unit=unit,
            section_2=form.cleaned_data["section_2"],
            section_3=form.cleaned_data["section_3"],
            place=form.cleaned_data["place"],
            user=request.user,
        )
        messages.success(request, _("The text of sections II and III was saved."))
    else:
        messages.error(request, _("The text could not be saved."))
    return redirect(reverse("ratings:summary", args=[period.pk, unit.pk]) + "#narrative")


# --- The personal dossier ---------------------------------------------------------------------


def _dossier_person(request: HttpRequest, pk: int) -> Person:
    person = unit_selectors.get_person_for_user(request.user, pk)
    if not can_view_dossier(request.user, person):
        raise PermissionDenied
    return person


@login_required
@require_http_methods(["GET", "POST"])
def dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's archived dossiers; POST makes a new one (rendered, archived, then
    downloaded from the archive)."""
    person = _dossier_person(request, pk)
    if request.method == "POST":
        # Rendered and archived by a worker; the job page offers the download.
        from documents import services as document_services

        scope = exports.scope_dossier(person=person, within=dossier_scope_of(request.user, person))
        job = document_services.request_document(
            kind="scoped_dossier", object_id=scope.pk, user=request.user
        )
        return redirect("documents:job", pk=job.pk)
    return render(
        request,
        "ratings/summary_dossier.html",
        {
            "person": person,
            "archives": _archives_for(request.user, person),
            "scoped": dossier_scope_of(request.user, person) is not None,
        },
    )


@login_required
@require_GET
def dossier_download(request: HttpRequest, pk: int) -> FileResponse:
    archive = get_object_or_404(
        DossierArchive.objects.filter(
            person__in=unit_selectors.people_visible_to(request.user)
        ).select_related("person"),
        pk=pk,
    )
    if not can_view_dossier(request.user, archive.person):
        raise PermissionDenied
    within = archive.scope.within if archive.scope else None
    if not selectors.scope_covers(dossier_scope_of(request.user, archive.person), within):
        raise PermissionDenied  # a copy holding sites outside the user's units
    name = f"ho-so-{slugify(archive.person.code)}-{archive.created_at:%Y%m%d-%H%M}.pdf"
    return FileResponse(
        archive.file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )


# --- Historical levels ------------------------------------------------------------------------


@login_required
@require_GET
def history_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(history_import.build_template_workbook(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, "Mẫu nhập kết quả xếp loại các năm.xlsx"
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def history_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload: the file is stored and a worker checks it; the upload page shows the rest."""
    unit = unit_selectors.get_unit_for_user(request.user, pk)
    if not can_import_history(request.user, unit):
        raise PermissionDenied
    form = HistoryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        staged = history_staging.stage_history_upload(
            unit=unit, user=request.user, file_name=upload.name, data=upload.read()
        )
        return redirect("ratings:history_upload", pk=staged.pk)
    return render(request, "ratings/summary_history_import.html", {"unit": unit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def history_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload's progress, then its preview (POST confirms it) or its problems, then the
    outcome. htmx polls the progress part while a worker runs."""
    upload = get_object_or_404(
        HistoryUpload.objects.select_related("unit"),
        pk=pk,
        unit__in=unit_selectors.units_visible_to(request.user),
    )
    if not can_import_history(request.user, upload.unit) or not (
        upload.requested_by_id == request.user.pk or request.user.is_superuser
    ):
        raise PermissionDenied
    if request.method == "POST":
        try:
            history_staging.confirm_history_upload(upload=upload)
        except history_staging.HistoryUploadNotReady as error:
            messages.error(request, str(error))
        return redirect("ratings:history_upload", pk=upload.pk)
    result, problems = history_staging.preview(upload)
    context = {
        "unit": upload.unit,
        "upload": upload,
        "result": result,
        "problems": problems,
        "error": str(history_import.HistoryImportError(problems)),
    }
    return render(request, "ratings/history_upload.html", context)

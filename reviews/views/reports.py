"""The report editor (autosave, versions, submit), reading, comments and attachments.

The PDF is a documents job (`documents:request`), rendered by a worker.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import permissions, selectors
from ..exceptions import ReportConflict, ReviewError
from ..models import Attachment, Comment, Report
from ..report_forms import AttachmentForm, CommentForm, ResponseForm, ReturnForm, SubmitForm
from ..report_layout import criteria_parts, section_rows
from ..services import circulation, reports
from ..services.report_changes import MALFORMED
from ..services.reports import JSON_FIELDS, carried_remediation, report_ruleset
from .quarters import quarter_context


def _changes_from_form(data) -> dict[str, Any]:
    """Turn posted fields named `bucket:key[:prop]` into the service's change set."""
    changes: dict[str, Any] = {field: {} for field in JSON_FIELDS}
    for name in data:
        bucket, _sep, rest = name.partition(":")
        value = data.get(name)
        if bucket == "self_level":
            changes["self_level"] = value
        elif bucket in ("sections", "scores", "answers") and rest:
            changes[bucket][rest] = value
        elif bucket in ("checklist", "remediation") and rest:
            key, _sep, prop = rest.rpartition(":")
            item = changes[bucket].setdefault(key, {})
            if bucket == "checklist" and prop == "present":
                item[prop] = {"yes": True, "no": False}.get(value)
            else:
                item[prop] = value
    return changes


def _version(raw: Any) -> int | None:
    """The report version a save is based on, or None when it is not a plausible one."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return None
    if isinstance(raw, str):
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            return None
        raw = int(raw)
    return raw if 0 <= raw < 10**9 else None


def _state(report: Report) -> dict[str, Any]:
    """What the editor needs to compare and merge after a conflict."""
    return {
        "version": report.version,
        "sections": report.sections,
        "scores": report.scores,
        "checklist": report.checklist,
        "remediation": report.remediation,
        "answers": report.answers,
        "self_level": report.self_level,
    }


def _band(report: Report) -> str:
    if report.total_points is None:
        return ""
    ruleset = report_ruleset(report)
    code = ruleset.level_for_points(report.total_points)
    return next((lvl.name for lvl in ruleset.levels if lvl.code == code), code)


# The remediation statuses the editor offers, as the read-only page words them.
REMEDIATION_STATUS = {
    "done": gettext_lazy("Remedied"),
    "in_progress": gettext_lazy("Being remedied"),
    "open": gettext_lazy("Not yet remedied"),
}


def _editor_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    subject = report.subject
    ruleset = report_ruleset(report)
    form = reports.report_form(report)
    criteria = ruleset.criteria_for_class(subject.subject_class)
    checklist_groups = [
        {
            "code": group.code,
            "title": group.title,
            "items": [
                {
                    "code": item.code,
                    "title": item.text,
                    "placeholder": item.placeholder,
                    "value": report.checklist.get(item.code) or {},
                }
                for item in group.items
            ],
        }
        for group in ruleset.manifestations
    ]
    carried = [
        {"item": item, "value": value, "status_label": REMEDIATION_STATUS.get(value.get("status"))}
        for item in carried_remediation(subject).select_related("origin_period")
        for value in [report.remediation.get(str(item.pk)) or {}]
    ]
    grade_names = (
        {g.code: g.name for g in ruleset.scoring.grades}
        if ruleset.scoring.model != "points"
        else {}
    )
    suggestions = [
        {"suggestion": s, "answer": report.answers.get(str(s.pk), "")}
        for s in subject.suggestions.select_related("issuing_unit")
    ]
    return {
        "report": report,
        "subject": subject,
        "ruleset": ruleset,
        "form": form,
        "sections": section_rows(form, report.sections),
        "criteria": [
            {
                "criterion": c,
                "value": report.scores.get(c.code),
                "grade": grade_names.get(report.scores.get(c.code)),
            }
            for c in criteria
        ],
        "criteria_parts": criteria_parts(criteria, report.scores),
        "checklist_groups": checklist_groups,
        "carried": carried,
        "suggestions": suggestions,
        "band": _band(report),
        "bands": [{"level": b.level, "min": float(b.min_points)} for b in ruleset.scoring.bands]
        if ruleset.scoring.model == "points"
        else [],
        "level_names": {lvl.code: lvl.name for lvl in ruleset.levels},
        "self_level_name": next(
            (lvl.name for lvl in ruleset.levels if lvl.code == report.self_level), ""
        ),
        "attachments": report.attachments.all(),
        "attachment_form": AttachmentForm(),
        "problems": reports.submission_problems(report),
        **quarter_context(request.user, report),
    }


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reviews/report_list.html",
        {
            "own": selectors.my_reports(request.user),
            "collective": selectors.my_collective_reports(request.user),
            "to_comment": selectors.reports_to_comment(request.user),
        },
    )


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(request.user, pk)
    if not permissions.can_edit_report(request.user, report):
        raise PermissionDenied
    if request.method == "POST":
        # The same fields as autosave, for browsers without JavaScript.
        base_version = _version(request.POST.get("version"))
        if base_version is None:
            return HttpResponseBadRequest(MALFORMED)
        try:
            reports.save_report_draft(
                report_id=report.pk,
                user=request.user,
                base_version=base_version,
                changes=_changes_from_form(request.POST),
            )
        except ReviewError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved."))
        return redirect("reviews:report_edit", pk=report.pk)
    return render(request, "reviews/report_edit.html", _editor_context(request, report))


@login_required
@require_POST
def report_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    report = selectors.get_report_for_user(request.user, pk)
    if not permissions.can_edit_report(request.user, report):
        raise PermissionDenied
    try:
        payload = json.loads(request.body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
        payload = None
    base_version = _version(payload.get("base_version")) if isinstance(payload, dict) else None
    if base_version is None:
        return JsonResponse({"error": MALFORMED}, status=400)
    changes = payload.get("changes") or {}
    try:
        saved = reports.save_report_draft(
            report_id=report.pk, user=request.user, base_version=base_version, changes=changes
        )
    except ReportConflict as exc:
        report.refresh_from_db()
        return JsonResponse({"error": str(exc), "server": _state(report)}, status=409)
    except ReviewError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(
        {
            "version": saved.version,
            "total_points": None if saved.total_points is None else float(saved.total_points),
            "band": _band(saved),
            "saved_at": saved.updated_at.isoformat(),
            "problems": reports.submission_problems(saved),
        }
    )


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(request.user, pk)
    if not permissions.can_submit_report(request.user, report):
        raise PermissionDenied
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("reviews:report_edit", pk=report.pk)
    try:
        reports.submit_report(report_id=report.pk, user=request.user)
    except ReviewError as exc:
        messages.error(request, str(exc))
        return redirect("reviews:report_edit", pk=report.pk)
    messages.success(request, _("Your report was submitted."))
    return redirect("reviews:report_detail", pk=report.pk)


@login_required
@require_POST
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(request.user, pk)
    if not permissions.can_return_report(request.user, report):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    try:
        reason = form.data.get("reason", "")
        reports.return_report(report_id=report.pk, user=request.user, reason=reason)
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The report was returned for revision."))
    return redirect("reviews:report_detail", pk=report.pk)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(request.user, pk)
    context = _editor_context(request, report)
    comments = list(report.comments.select_related("author"))
    context.update(
        {
            "comments": [
                {
                    "comment": c,
                    "can_respond": not c.response_kind
                    and permissions.can_respond_to_comment(request.user, c),
                }
                for c in comments
            ],
            "can_edit": permissions.can_edit_report(request.user, report),
            "can_comment": permissions.can_comment_on_report(request.user, report),
            "can_return": report.status == "submitted"
            and permissions.can_return_report(request.user, report),
            "allow_anonymous": context["ruleset"].circulation.allow_anonymous_comments,
            "comment_form": CommentForm(
                allow_anonymous=context["ruleset"].circulation.allow_anonymous_comments
            ),
            "response_form": ResponseForm(),
            "return_form": ReturnForm(),
        }
    )
    return render(request, "reviews/report_detail.html", context)


@login_required
@require_POST
def report_attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(request.user, pk)
    if not permissions.can_edit_report(request.user, report):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            reports.add_attachment(
                report=report, upload=form.cleaned_data["file"], user=request.user
            )
        except ReviewError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The file was attached."))
    return redirect("reviews:report_edit", pk=report.pk)


def _attachment_for_user(request: HttpRequest, pk: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("report"), pk=pk)
    # Visibility follows the report: outside the user's reach is 404.
    selectors.get_report_for_user(request.user, attachment.report_id)
    return attachment


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _attachment_for_user(request, pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _attachment_for_user(request, pk)
    if not permissions.can_edit_report(request.user, attachment.report):
        raise PermissionDenied
    try:
        reports.remove_attachment(attachment=attachment)
    except ReviewError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:report_edit", pk=attachment.report_id)


@login_required
@require_POST
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(request.user, pk)
    if not permissions.can_comment_on_report(request.user, report):
        raise PermissionDenied
    form = CommentForm(request.POST, allow_anonymous=True)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(e for errs in form.errors.values() for e in errs))
    try:
        circulation.add_comment(
            report=report,
            author=request.user.person,
            text=form.cleaned_data["text"],
            anonymous=form.cleaned_data.get("anonymous", False),
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your comment was sent."))
    return redirect("reviews:report_detail", pk=report.pk)


@login_required
@require_POST
def comment_respond(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("report"), pk=pk)
    report = selectors.get_report_for_user(request.user, comment.report_id)
    if not permissions.can_respond_to_comment(request.user, comment):
        raise PermissionDenied
    form = ResponseForm(request.POST)
    try:
        circulation.respond_to_comment(
            comment=comment,
            kind=form.data.get("kind", ""),
            text=form.data.get("text", ""),
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your answer was recorded."))
    return redirect("reviews:report_detail", pk=report.pk)

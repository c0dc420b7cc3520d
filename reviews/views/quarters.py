"""Quarterly self-assessments: the competent level records the quarter's result, and the
author starts the annual self-scores from the quarters."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, selectors
from ..exceptions import ReviewError
from ..models import Report
from ..services import quarters
from ..services.reports import report_ruleset


def quarter_context(user: Any, report: Report) -> dict[str, Any]:
    """What the report pages show about quarters: a quarterly report's deadline and result,
    an annual report's quarter results."""
    subject = report.subject
    context: dict[str, Any] = {"quarter_summary": selectors.quarter_summary(report)}
    if subject.period.is_quarterly:
        ruleset = report_ruleset(report)
        result = getattr(subject, "quarter_result", None)
        context.update(
            {
                "quarter_due": selectors.quarter_due_on(subject.period, ruleset),
                "quarter_result_level": ruleset.level(result.level).name if result else "",
                "can_record_quarter": permissions.can_record_quarter_result(user, report),
            }
        )
    elif context["quarter_summary"]:
        context["start_from_quarters"] = permissions.can_edit_report(user, report)
    return context


@login_required
@require_POST
def quarter_result_record(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(request.user, pk)
    if not permissions.can_record_quarter_result(request.user, report):
        raise PermissionDenied
    try:
        quarters.record_quarter_result(
            subject=report.subject, level=request.POST.get("level", ""), user=request.user
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The quarter's result was recorded."))
    return redirect("reviews:report_detail", pk=report.pk)


@login_required
@require_POST
def report_start_from_quarters(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(request.user, pk)
    if not permissions.can_edit_report(request.user, report):
        raise PermissionDenied
    # The editor saves what the author typed before this form is sent: start from the
    # current version; the scores are replaced on purpose.
    try:
        quarters.start_from_quarters(
            report_id=report.pk, user=request.user, base_version=report.version
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The self-scores now start from the quarters' averages."))
    return redirect("reviews:report_edit", pk=report.pk)

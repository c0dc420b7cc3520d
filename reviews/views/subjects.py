"""A subject of a period: eligibility and its override, suggestions, residence comment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgunits import selectors as unit_selectors
from orgunits.models import OrgUnit
from orgunits.selectors import AnyUser

from .. import permissions, selectors
from ..exceptions import ReviewError
from ..forms import EligibilityOverrideForm, ResidenceCommentForm, SuggestionForm
from ..models import Report, Subject
from ..services import circulation as circulation_services
from ..services import enrolment as enrolment_services
from ..services import reports as report_services

SUGGESTING_ROLES = ["appraise", "decide"]


def issuing_unit_for(user: AnyUser, subject: Subject) -> OrgUnit | None:
    """The nearest unit at or above the subject's unit where the user appraises or decides:
    the level a suggestion comes from."""
    held = unit_selectors.role_paths(user)
    paths = [
        p for c in SUGGESTING_ROLES for p in held.get(c, []) if subject.unit.path.startswith(p)
    ]
    if not paths:
        # Superusers hold no grants: the suggestion comes from the top of their scope.
        paths = [
            r.path for r in unit_selectors.scope_roots(user) if subject.unit.path.startswith(r.path)
        ]
    if not paths:
        return None
    nearest = max(paths, key=len)
    return unit_selectors.units_visible_to(user).filter(path=nearest).first()


def _report_of(subject: Subject) -> Report | None:
    try:
        return subject.report
    except Report.DoesNotExist:
        return None


def _form_errors(form: Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
def subject_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.get_subject_for_user(request.user, pk)
    user = request.user
    can_override = permissions.can_override_eligibility(user, subject)
    issuing_unit = (
        issuing_unit_for(user, subject) if permissions.can_issue_suggestion(user, subject) else None
    )
    can_residence = permissions.can_record_residence_comment(user, subject)
    context = {
        "subject": subject,
        "report": _report_of(subject),
        "suggestions": subject.suggestions.select_related("issuing_unit", "issued_by"),
        "can_override": can_override,
        "override_form": EligibilityOverrideForm(initial={"eligibility": subject.eligibility})
        if can_override
        else None,
        "issuing_unit": issuing_unit,
        "suggestion_form": SuggestionForm() if issuing_unit else None,
        "can_residence": can_residence,
        "residence_form": ResidenceCommentForm(
            initial={
                "text": subject.residence_comment,
                "commenting_cell": subject.residence_comment_from,
                "received_on": subject.residence_comment_on or timezone.localdate(),
            }
        )
        if can_residence
        else None,
    }
    return render(request, "reviews/subject_detail.html", context)


@login_required
@require_POST
def subject_override_eligibility(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.get_subject_for_user(request.user, pk)
    if not permissions.can_override_eligibility(request.user, subject):
        raise PermissionDenied
    form = EligibilityOverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("reviews:subject_detail", pk=subject.pk)
    try:
        enrolment_services.override_eligibility(
            subject=subject,
            eligibility=form.cleaned_data["eligibility"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The eligibility was changed."))
    return redirect("reviews:subject_detail", pk=subject.pk)


@login_required
@require_POST
def subject_add_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.get_subject_for_user(request.user, pk)
    if not permissions.can_issue_suggestion(request.user, subject):
        raise PermissionDenied
    issuing_unit = issuing_unit_for(request.user, subject)
    if issuing_unit is None:
        raise PermissionDenied
    form = SuggestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("reviews:subject_detail", pk=subject.pk)
    try:
        report_services.issue_suggestion(
            subject=subject,
            issuing_unit=issuing_unit,
            user=request.user,
            text=form.cleaned_data["text"],
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The suggestion was added."))
    return redirect("reviews:subject_detail", pk=subject.pk)


@login_required
@require_POST
def subject_residence_comment(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.get_subject_for_user(request.user, pk)
    if not permissions.can_record_residence_comment(request.user, subject):
        raise PermissionDenied
    form = ResidenceCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("reviews:subject_detail", pk=subject.pk)
    try:
        circulation_services.record_residence_comment(
            subject=subject,
            text=form.cleaned_data["text"],
            commenting_cell=form.cleaned_data["commenting_cell"],
            received_on=form.cleaned_data["received_on"],
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The residence comment was recorded."))
    return redirect("reviews:subject_detail", pk=subject.pk)

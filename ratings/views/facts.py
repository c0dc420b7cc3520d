"""Entering a subject's appraisal facts (QĐ 366 Art. 11) from the appraisal page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reviews import selectors as review_selectors

from .. import permissions
from ..exceptions import RatingError
from ..forms_appraisal import AppraisalFactsForm
from ..services import facts as facts_services
from .appraisal import _back, _form_errors, _show_error


@login_required
@require_POST
def subject_facts(request: HttpRequest, pk: int) -> HttpResponse:
    subject = review_selectors.get_subject_for_user(request.user, pk)
    if not permissions.can_appraise(request.user, subject.unit):
        raise PermissionDenied
    fallback = reverse("ratings:appraisal_page", args=[subject.period_id, subject.unit_id])
    form = AppraisalFactsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(request, fallback)
    try:
        facts_services.record_appraisal_facts(
            subject=subject,
            user=request.user,
            reason=form.cleaned_data["reason"],
            facts=form.facts(),
            low_confidence_source=form.cleaned_data["low_confidence_source"],
        )
    except RatingError as exc:
        _show_error(request, exc)
    else:
        messages.success(
            request,
            _("The appraisal facts of %(subject)s were recorded; run the checks again.")
            % {"subject": subject},
        )
    return _back(request, fallback)

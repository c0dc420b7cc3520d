"""The quota group page (R-Q1 … R-Q5): the cap and its computation, the ranked candidates,
the suggested adjustment and the competent level's exception for an outstanding organisation."""

from __future__ import annotations

from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.second_factor_views import require_recent_second_factor
from reviews import selectors as review_selectors

from .. import permissions, selectors
from ..exceptions import RatingError
from ..forms_appraisal import QuotaExceptionForm
from ..models import Rating
from ..quota import percent
from ..services import appraisal as appraisal_services
from ..services.quota_exceptions import approve_quota_exception, exceptions_for
from .appraisal import _form_errors, _share, _show_error


@login_required
def quota_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_quota_group_for_user(request.user, pk)
    can_appraise = permissions.can_appraise(request.user, group.unit)
    can_decide = permissions.can_decide(request.user, group.unit)
    if not (can_appraise or can_decide):
        raise PermissionDenied
    status = appraisal_services.group_status(group)
    rule = review_selectors.ruleset_for_unit(group.period, group.unit).quota
    moving = {c.subject_id for c in status.move_down}
    rating_ids = selectors.rating_ids_by_subject([c.subject_id for c in status.candidates])
    candidates = [
        {
            "rank": index,
            "candidate": c,
            "score": c.score,
            "share": _share(c.ballot_share),
            "moves": c.subject_id in moving,
            "rating_id": rating_ids.get(c.subject_id),
        }
        for index, c in enumerate(status.candidates, 1)
    ]
    context = {
        "group": group,
        "period": group.period,
        "status": status,
        "candidates": candidates,
        "exceptions": [
            {
                "percent": percent(Fraction(e.ratio)),
                "scope": e.unit.name if e.unit_id else group.name,
                "exception": e,
                "applies": index == 0,
            }
            for index, e in enumerate(reversed(exceptions_for(group)))
        ],
        "exception_max": percent(rule.exception_max_ratio) if rule.exception_max_ratio else "",
        "can_appraise": can_appraise,
        "can_decide": can_decide,
        "exception_form": QuotaExceptionForm()
        if rule.exception_max_ratio and permissions.can_grant_quota_exception(request.user, group)
        else None,
    }
    return render(request, "ratings/quota_group.html", context)


@login_required
@require_POST
def quota_apply(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_quota_group_for_user(request.user, pk)
    if not permissions.can_appraise(request.user, group.unit):
        raise PermissionDenied
    try:
        moved = appraisal_services.apply_quota_suggestion(group=group, user=request.user)
    except RatingError as exc:
        _show_error(request, exc)
    else:
        if moved:
            loaded = Rating.objects.select_related("subject__person", "subject__unit").in_bulk(
                [r.pk for r in moved]
            )
            names = ", ".join(str(loaded[r.pk].subject) for r in moved)
            messages.success(
                request,
                _("Moved to HTT to respect the cap: %(names)s.") % {"names": names},
            )
        else:
            messages.info(request, _("The group is within its cap; nothing was changed."))
    return redirect("ratings:quota_group", pk=group.pk)


@login_required
@require_POST
@require_recent_second_factor
def quota_exception(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.get_quota_group_for_user(request.user, pk)
    if not permissions.can_grant_quota_exception(request.user, group):
        raise PermissionDenied
    form = QuotaExceptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("ratings:quota_group", pk=group.pk)
    whole_unit = form.cleaned_data["scope"] == QuotaExceptionForm.SCOPE_UNIT
    try:
        approve_quota_exception(
            period=group.period,
            group=None if whole_unit else group,
            unit=group.unit if whole_unit else None,
            ratio=form.cleaned_data["percent"] / 100,
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except RatingError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("The exception was approved and recorded."))
    return redirect("ratings:quota_group", pk=group.pk)

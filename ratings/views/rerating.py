"""Re-rating a decided level by a decision of the competent level (QĐ 366 Art. 15(3), Mẫu 03),
from the rating file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.second_factor_views import require_recent_second_factor

from .. import permissions, selectors
from ..exceptions import RatingError
from ..forms_appraisal import RerateForm
from ..services import rerating as rerating_services
from .appraisal import _form_errors, _show_error


@login_required
@require_POST
@require_recent_second_factor
def rating_rerate(request: HttpRequest, pk: int) -> HttpResponse:
    rating = selectors.get_rating_for_user(request.user, pk)
    if not permissions.can_rerate(request.user, rating):
        raise PermissionDenied
    form = RerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("ratings:rating_file", pk=rating.pk)
    try:
        record = rerating_services.rerate(
            rating=rating,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            user=request.user,
            decided_on=form.cleaned_data["decided_on"],
            number=form.cleaned_data["number"],
        )
    except RatingError as exc:
        _show_error(request, exc)
    else:
        messages.success(
            request,
            _("Re-rated from %(old)s to %(new)s; the decision (Mẫu 03) can be downloaded below.")
            % {"old": record.old_level, "new": record.new_level},
        )
    return redirect("ratings:rating_file", pk=rating.pk)

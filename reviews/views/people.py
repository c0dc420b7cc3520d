"""A person's place on the list of cadres managed by the Central Committee."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgunits import selectors as unit_selectors

from .. import permissions
from ..exceptions import ReviewError
from ..report_forms import CentralCadreForm
from ..services.central_cadres import set_central_cadre


@login_required
@require_POST
def person_central_cadre(request: HttpRequest, pk: int) -> HttpResponse:
    person = unit_selectors.get_person_for_user(request.user, pk)
    if not permissions.can_mark_central_cadre(request.user, person):
        raise PermissionDenied
    form = CentralCadreForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("orgunits:person_detail", pk=person.pk)
    try:
        cadre = set_central_cadre(
            person=person,
            user=request.user,
            is_central=form.cleaned_data["is_central"],
            basis=form.cleaned_data["basis"],
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        if cadre is None:
            messages.success(
                request, _("Taken off the list of cadres managed by the Central Committee.")
            )
        else:
            messages.success(request, _("Recorded as a cadre managed by the Central Committee."))
    return redirect("orgunits:person_detail", pk=person.pk)

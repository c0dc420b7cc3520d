"""Granting and withdrawing roles on the unit page (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..exceptions import OrgUnitError
from ..forms import RoleChangeForm


@login_required
@require_POST
def change_role(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.get_unit_for_user(request.user, pk)
    if not permissions.can_manage_roles(request.user, unit):
        raise PermissionDenied(_("Only an administrator of the unit grants or withdraws roles."))
    form = RoleChangeForm(request.POST)
    grant = request.POST.get("action") != "revoke"
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("orgunits:unit_detail", pk=unit.pk)
    try:
        user = services.change_role_on_unit(
            actor=request.user, unit=unit, grant=grant, **form.cleaned_data
        )
    except OrgUnitError as error:
        messages.error(request, str(error))
    else:
        done = _("Role granted to %(name)s.") if grant else _("Role withdrawn from %(name)s.")
        messages.success(request, done % {"name": user.get_username()})
    return redirect("orgunits:unit_detail", pk=unit.pk)

"""Pages for logins from the roster: the unit's account list, printed slips, activation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgunits.models import Person
from orgunits.selectors import get_unit_for_user

from . import activation, selectors
from .exceptions import AccountsError
from .permissions import can_manage_accounts

MAX_PEOPLE_PER_ACTION = 500


@login_required
def unit_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    if not can_manage_accounts(request.user, unit):
        raise PermissionDenied(_("Only the unit's secretary or an administrator manages logins."))
    return render(
        request,
        "accounts/unit_accounts.html",
        {"unit": unit, "rows": selectors.unit_accounts(unit)},
    )


@login_required
@require_POST
def unit_accounts_action(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    if not can_manage_accounts(request.user, unit):
        raise PermissionDenied(_("Only the unit's secretary or an administrator manages logins."))
    ids = [int(v) for v in request.POST.getlist("person")[:MAX_PEOPLE_PER_ACTION] if v.isdigit()]
    people = list(
        Person.objects.filter(pk__in=ids, memberships__unit=unit).select_related("user").distinct()
    )
    if not people:
        messages.error(request, _("Choose at least one person."))
        return redirect("accounts:unit_accounts", pk=unit.pk)
    now = timezone.now()
    try:
        if request.POST.get("action") == "deactivate":
            closed = activation.deactivate_accounts(
                actor=request.user, unit=unit, people=people, now=now
            )
            messages.success(request, _("%(count)d logins were closed.") % {"count": closed})
            return redirect("accounts:unit_accounts", pk=unit.pk)
        slips = activation.issue_activations(actor=request.user, unit=unit, people=people, now=now)
    except AccountsError as error:
        messages.error(request, str(error))
        return redirect("accounts:unit_accounts", pk=unit.pk)
    return render(
        request,
        "accounts/activation_slips.html",
        {
            "unit": unit,
            "slips": slips,
            "skipped": len(people) - len(slips),
            "activate_url": request.build_absolute_uri(reverse("accounts:activate")),
        },
    )


def activate(request: HttpRequest) -> HttpResponse:
    """Public: the person types the user name and code from their slip and a new password."""
    if request.method == "POST":
        try:
            activation.activate_account(
                username=request.POST.get("username", ""),
                code=request.POST.get("code", ""),
                password=request.POST.get("password", "")[:256],
                password_again=request.POST.get("password_again", "")[:256],
                now=timezone.now(),
            )
        except AccountsError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your login is ready. Sign in with your new password."))
            return redirect("login")
    return render(
        request,
        "accounts/activate.html",
        {"username": request.POST.get("username", request.GET.get("u", ""))[:150]},
    )

"""Pages of the second factor: set up the authenticator, enter a code, recovery codes."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import wraps

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgunits.navigation import local_url

from . import second_factor
from .exceptions import AccountsError


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    return local_url(request, candidate) or reverse(settings.LOGIN_REDIRECT_URL)


def verify_url(next_url: str) -> str:
    return f"{reverse('accounts:second_factor_verify')}?{urlencode({'next': next_url})}"


def require_recent_second_factor(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Before a decision or publication: the code must have been entered within the last
    SECOND_FACTOR_RECENT_MINUTES, else the user enters it again and comes back to the page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if second_factor.needs_second_factor(request.user) and not second_factor.is_recent(
            request.session, timezone.now()
        ):
            messages.warning(
                request,
                _("Enter the code from your authenticator again before deciding or publishing."),
            )
            back = request.META.get("HTTP_REFERER") if request.method == "POST" else None
            return redirect(verify_url(_safe_next(request, back or request.get_full_path())))
        return view(request, *args, **kwargs)

    wrapped.requires_recent_second_factor = True  # type: ignore[attr-defined]
    return wrapped


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    if second_factor.confirmed_device(request.user) and not second_factor.is_recent(
        request.session, timezone.now()
    ):
        return redirect(verify_url(request.get_full_path()))
    device = second_factor.pending_device(request.user)
    if request.method == "POST":
        try:
            codes = second_factor.confirm_device(
                request=request, token=request.POST.get("token", "")[:32], now=timezone.now()
            )
        except AccountsError as error:
            messages.error(request, str(error))
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "fresh": True})
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "qr_data_uri": _qr_data_uri(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode(),
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if second_factor.confirmed_device(request.user) is None:
        return redirect("accounts:second_factor_setup")
    if request.method == "POST":
        try:
            second_factor.verify(
                request=request, token=request.POST.get("token", "")[:32], now=timezone.now()
            )
        except AccountsError as error:
            messages.error(request, str(error))
        else:
            return redirect(next_url)
    return render(request, "accounts/second_factor_verify.html", {"next": next_url})


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    remaining = second_factor.remaining_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"remaining": remaining})


@login_required
@require_POST
@require_recent_second_factor
def regenerate_recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = second_factor.regenerate_recovery_codes(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "fresh": True})


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()

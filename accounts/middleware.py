"""Idle timeout and absolute lifetime of a signed-in session."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import second_factor, second_factor_views, services


class SessionLimitsMiddleware:
    """Signs out a session idle longer than SESSION_IDLE_MINUTES or older than
    SESSION_MAX_HOURS, with a message; otherwise records activity (at most once a minute)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            reason = services.expiry_reason(request.session, now)
            if reason is not None:
                logout(request)
                messages.info(request, reason)
                response = redirect_to_login(request.get_full_path())
                if request.headers.get("HX-Request") == "true":
                    response["HX-Redirect"] = response["Location"]
                return response
            services.touch_session(session=request.session, now=now)
        return self.get_response(request)


class SecondFactorMiddleware:
    """Approvers (see accounts.second_factor) enter their second factor before any page:
    set it up on first sign-in, then a code once per session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not _is_exempt(request.path)
            and second_factor.needs_second_factor(user)
            and not user.is_verified()
        ):
            if second_factor.confirmed_device(user) is None:
                target = reverse("accounts:second_factor_setup")
            else:
                target = second_factor_views.verify_url(request.get_full_path())
            response = redirect(target)
            if request.headers.get("HX-Request") == "true":
                response["HX-Redirect"] = target
            return response
        return self.get_response(request)


def _is_exempt(path: str) -> bool:
    exempt = (
        reverse("accounts:second_factor_setup"),
        reverse("accounts:second_factor_verify"),
        reverse("logout"),
        reverse("javascript-catalog"),
        "/i18n/",
        "/" + settings.STATIC_URL.lstrip("/"),
    )
    return path.startswith(exempt)

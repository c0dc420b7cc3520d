"""Idle timeout and absolute lifetime of a signed-in session."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import services


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

"""Login throttling by client address with a growing cool-off (django-axes callables).

An account is never locked by itself: a colleague who types a chair's username wrong cannot
lock the chair out. An address that keeps failing waits 1, 2, 4 … minutes (capped), and the
wait keeps growing while it keeps trying during the cool-off.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def failures_from_address(ip_address: str | None) -> int:
    """Failed sign-ins recorded for `ip_address` and not yet expired."""
    if not ip_address:
        return 0
    from axes.models import AccessAttempt

    # axes keeps a row per (username, address): the address's failures are their sum.
    found = AccessAttempt.objects.filter(ip_address=ip_address).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return found or 0


def client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the real client behind TRUSTED_PROXY_COUNT reverse proxies.

    Each proxy appends the address it was connected from to X-Forwarded-For, so with N trusted
    proxies the client is the N-th entry from the right; entries further left are whatever the
    client sent and are never trusted. Without proxies (or a short header) REMOTE_ADDR is used.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if len(forwarded) >= count and _is_address(forwarded[-count]):
            return forwarded[-count]
    remote = request.META.get("REMOTE_ADDR")
    return remote if remote and _is_address(remote) else None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def cool_off_for(failures: int) -> timedelta:
    """1 minute at the limit, doubling with each further failure, at most the configured cap."""
    base = timedelta(minutes=settings.LOGIN_THROTTLE_BASE_MINUTES)
    cap = timedelta(minutes=settings.LOGIN_THROTTLE_MAX_MINUTES)
    beyond = max(0, failures - settings.AXES_FAILURE_LIMIT)
    if beyond >= 20:  # 2**20 minutes is far past any cap; keep the arithmetic small
        return cap
    return min(base * (2**beyond), cap)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: the wait for the request's address."""
    address = getattr(request, "axes_ip_address", None) if request is not None else None
    return cool_off_for(failures_from_address(address))


def locked_out_response(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a 429 page in the user's language with the wait in minutes."""
    wait = cool_off(request)
    minutes = max(1, int(wait.total_seconds() // 60))
    body = render_to_string("registration/locked_out.html", {"minutes": minutes}, request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(int(wait.total_seconds()))
    return response

"""The notification list behind the bell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """Show the user's notifications; opening the list marks the shown ones read."""
    notifications = list(selectors.notifications_for(request.user))
    unread_ids = [n.pk for n in notifications if n.read_at is None]
    services.mark_read(user_id=request.user.pk, ids=unread_ids)
    return render(
        request,
        "notifications/list.html",
        {"notifications": notifications, "unread_ids": set(unread_ids)},
    )

"""Reads of a user's own notifications (nobody reads anyone else's)."""

from __future__ import annotations

from django.db.models import QuerySet

from orgunits.selectors import AnyUser

from .models import Notification


def unread_count(user: AnyUser) -> int:
    """How many of the user's notifications are unread (the bell's number)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user: AnyUser, *, limit: int = 100) -> QuerySet[Notification]:
    """The user's latest notifications, newest day first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-day", "-created_at", "-pk")[
        :limit
    ]

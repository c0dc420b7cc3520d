"""The bell's unread count, for the navigation bar of every page."""

from __future__ import annotations

from functools import partial

from django.http import HttpRequest

from . import selectors


def unread_count(request: HttpRequest) -> dict[str, object]:
    """`unread_notifications`: a callable, so pages that never show the bell (htmx fragments)
    run no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": partial(selectors.unread_count, user)}

"""Reads about the signed-in user's own sessions."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from .models import UserSession


def sessions_of(user: AbstractBaseUser) -> QuerySet[UserSession]:
    """The user's own signed-in sessions, most recently active first."""
    return UserSession.objects.filter(user=user).order_by("-last_seen")

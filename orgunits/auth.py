"""Logging in: a username too long for any account is a form error, never a database error."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .limits import PASSWORD_LENGTH

# django-axes stores the username of every failed attempt in a 255-character column.
AXES_USERNAME_LENGTH = 255


class LoginForm(AuthenticationForm):
    """Django's form sets the username's max_length after the field was built, so the limit is
    not validated; here both fields are bounded before anything is authenticated or recorded
    (150: the length of User.username)."""

    username = UsernameField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username django-axes records, cut to its column (any login form, the admin's too)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        username = credentials[field]
    else:
        username = request.POST.get(field, "") if request is not None else ""
    return str(username).replace("\x00", "")[:AXES_USERNAME_LENGTH]

"""Logging in: a username too long for any account is a form error, never a database error."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest

# django-axes stores the username of every failed attempt in a 255-character column.
AXES_USERNAME_LENGTH = 255


class LoginForm(AuthenticationForm):
    """Django's form sets the username's max_length after the field was built, so the limit is
    not validated; this form validates it before anything is authenticated or recorded."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = get_user_model()._meta.get_field("username").max_length or 150
        self.fields["username"].validators.append(MaxLengthValidator(limit))


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username django-axes records, cut to its column (any login form, the admin's too)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        username = credentials[field]
    else:
        username = request.POST.get(field, "") if request is not None else ""
    return str(username).replace("\x00", "")[:AXES_USERNAME_LENGTH]

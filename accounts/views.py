"""Account pages: the user's sessions, signing out everywhere, reset links for administrators."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgunits.selectors import people_visible_to

from . import selectors, services
from .exceptions import AccountsError
from .permissions import can_issue_reset_link


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = selectors.sessions_of(request.user)
    return render(
        request,
        "accounts/session_list.html",
        {
            "sessions": sessions,
            "current_key": request.session.session_key,
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
            "max_hours": settings.SESSION_MAX_HOURS,
        },
    )


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    ended = services.end_all_sessions(user=request.user)
    logout(request)
    messages.success(
        request, _("You were signed out in every browser (%(count)d sessions).") % {"count": ended}
    )
    return redirect("login")


@login_required
@require_POST
def issue_reset_link(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    if not can_issue_reset_link(request.user, person):
        raise PermissionDenied
    try:
        path = services.issue_password_reset_link(
            actor=request.user, person=person, now=timezone.now()
        )
    except AccountsError as error:
        messages.error(request, str(error))
        return redirect("orgunits:person_detail", pk=person.pk)
    return render(
        request,
        "accounts/reset_link.html",
        {"person": person, "link": request.build_absolute_uri(path)},
    )


class ForgotPasswordView(auth_views.PasswordResetView):
    """The way back in: an administrator's one-time link always; e-mail only where the
    deployment has e-mail (PASSWORD_RESET_BY_EMAIL), since many units have none."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PASSWORD_RESET_BY_EMAIL:
            return HttpResponseNotAllowed(["GET"])
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "by_email": settings.PASSWORD_RESET_BY_EMAIL}


class SetNewPasswordView(auth_views.PasswordResetConfirmView):
    """A reset link's page; saving the password signs the account out everywhere."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.end_all_sessions(user=form.user)
        return response

"""Meetings: the list, creation, the chair's page (attendance, committee, agenda, rounds) and
the meeting minutes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from orgunits import selectors as unit_selectors
from orgunits.models import OrgUnit, Person
from reviews import selectors as review_selectors

from .. import permissions, selectors
from ..exceptions import RatingError
from ..forms import (
    AgendaMoveForm,
    AttendanceForm,
    ConclusionForm,
    CountingCommitteeForm,
    MeetingForm,
    RoundForm,
)
from ..models import AgendaItem, Attendance, Meeting
from ..services import ballots as ballot_services
from ..services import meetings as meeting_services


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def chair_name(meeting: Meeting) -> str:
    person = getattr(meeting.chair, "person", None)
    return person.full_name if person else meeting.chair.get_full_name() or meeting.chair.username


def _detail_url(meeting: Meeting, anchor: str = "") -> str:
    url = reverse("ratings:meeting_detail", args=[meeting.pk])
    return f"{url}#{anchor}" if anchor else url


def _chaired_meeting(request: HttpRequest, pk: int) -> Meeting:
    """The meeting if the user may see it (else 404) and manage it (else 403)."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not permissions.can_chair(request.user, meeting):
        raise PermissionDenied
    return meeting


# -- list and creation -------------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = selectors.meetings_visible_to(request.user).select_related("unit", "period")
    booths = selectors.open_rounds_for(request.user).select_related("meeting__unit")
    return render(
        request, "ratings/meeting_list.html", {"meetings": meetings, "booths": list(booths)}
    )


def _unit_in_period(request: HttpRequest, period, unit_pk: int) -> OrgUnit:
    unit = unit_selectors.get_unit_for_user(request.user, unit_pk)
    if not unit.path.startswith(period.scope.path):
        raise Http404
    return unit


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period = review_selectors.get_period_for_user(request.user, pk)
    unit = _unit_in_period(request, period, unit_pk)
    if not permissions.can_create_meeting(request.user, unit):
        raise PermissionDenied
    form = MeetingForm(
        request.POST or None, suggested_kind=meeting_services.suggested_kind(period, unit)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_services.create_meeting(
                period=period,
                unit=unit,
                chair=request.user,
                kind=data["kind"],
                title=data["title"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                duration_days=data["duration_days"],
                location=data["location"],
            )
        except RatingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The meeting was created and its participants convened."))
            return redirect("ratings:meeting_detail", pk=meeting.pk)
    return render(
        request, "ratings/meeting_form.html", {"form": form, "period": period, "unit": unit}
    )


# -- one meeting --------------------------------------------------------------------------------


def _round_rows(request: HttpRequest, meeting: Meeting) -> list[dict[str, object]]:
    rows = []
    for ballot_round in meeting.rounds.all():
        ballot_round.meeting = meeting
        rows.append(
            {
                "round": ballot_round,
                "can_vote": permissions.can_vote(request.user, ballot_round),
                "can_enter_paper": permissions.can_enter_paper_count(request.user, ballot_round),
            }
        )
    return rows


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    user = request.user
    is_chair = permissions.can_chair(user, meeting)
    attendance = list(meeting.attendance.select_related("person").order_by("person__full_name"))
    agenda = list(meeting.agenda.select_related("subject__person", "subject__unit"))
    visible_reports = dict(
        review_selectors.reports_visible_to(user)
        .filter(subject__in=[item.subject_id for item in agenda])
        .values_list("subject_id", "pk")
    )
    context = {
        "meeting": meeting,
        "chair_name": chair_name(meeting),
        "checks": meeting_services.meeting_checks(meeting),
        "attendance": attendance,
        "agenda": [(item, visible_reports.get(item.subject_id)) for item in agenda],
        "left_out": meeting_services.left_out_of_agenda(meeting) if is_chair else [],
        "rounds": _round_rows(request, meeting),
        "is_chair": is_chair,
        "round_form": RoundForm() if is_chair else None,
        "can_download_minutes": permissions.can_download_minutes(user, meeting),
    }
    return render(request, "ratings/meeting_detail.html", context)


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _chaired_meeting(request, pk)
    form = AttendanceForm(request.POST)
    error = ""
    row = None
    if not form.is_valid():
        error = _form_errors(form)
    else:
        row = (
            Attendance.objects.filter(meeting=meeting, person_id=form.cleaned_data["person"])
            .select_related("person")
            .first()
        )
        if row is None:
            raise Http404
        try:
            row = meeting_services.set_attendance(
                meeting=meeting,
                person=row.person,
                present=form.cleaned_data["present"],
                absence_reason=form.cleaned_data["reason"],
            )
        except RatingError as exc:
            error = str(exc)
    if request.htmx and row is not None:
        context = {
            "meeting": meeting,
            "row": row,
            "row_error": error,
            "is_chair": True,
            "checks": meeting_services.meeting_checks(meeting),
            "oob": True,
        }
        return render(request, "ratings/_attendance_row.html", context)
    if error:
        messages.error(request, error)
    if request.htmx:
        return HttpResponseClientRedirect(_detail_url(meeting, "attendance"))
    return redirect(_detail_url(meeting, "attendance"))


@login_required
@require_POST
def meeting_counting_committee(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _chaired_meeting(request, pk)
    form = CountingCommitteeForm(
        request.POST, people=Person.objects.filter(pk__in=meeting.attendance.values("person_id"))
    )
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            meeting_services.set_counting_committee(
                meeting=meeting, people=list(form.cleaned_data["people"])
            )
        except RatingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The vote-counting committee was saved."))
    return redirect(_detail_url(meeting, "committee"))


def _chaired_item(request: HttpRequest, pk: int) -> tuple[AgendaItem, Meeting]:
    """The agenda item if its meeting is visible (else 404) and chaired by the user (else 403)."""
    item = get_object_or_404(
        AgendaItem.objects.filter(meeting__in=selectors.meetings_visible_to(request.user)),
        pk=pk,
    )
    return item, _chaired_meeting(request, item.meeting_id)


@login_required
@require_POST
def agenda_conclusion(request: HttpRequest, pk: int) -> HttpResponse:
    item, meeting = _chaired_item(request, pk)
    item.meeting = meeting
    form = ConclusionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            meeting_services.conclude_item(item=item, conclusion=form.cleaned_data["conclusion"])
        except RatingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The conclusion was saved."))
    return redirect(_detail_url(meeting, f"agenda-{item.pk}"))


@login_required
@require_POST
def agenda_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an agenda item one place up or down, within the rule set's order."""
    item, meeting = _chaired_item(request, pk)
    form = AgendaMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        step = -1 if form.cleaned_data["direction"] == "up" else 1
        try:
            meeting_services.move_agenda_item(item=item, position=item.position + step)
        except RatingError as exc:
            messages.error(request, str(exc))
    return redirect(_detail_url(meeting, f"agenda-{item.pk}"))


@login_required
@require_POST
def round_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _chaired_meeting(request, pk)
    form = RoundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_detail_url(meeting, "rounds"))
    try:
        ballot_round = ballot_services.prepare_round(
            meeting=meeting, kind=form.cleaned_data["kind"], mode=form.cleaned_data["mode"]
        )
    except RatingError as exc:
        messages.error(request, str(exc))
        return redirect(_detail_url(meeting, "rounds"))
    messages.success(request, _("Round %(number)s is ready.") % {"number": ballot_round.number})
    return redirect("ratings:round_console", pk=ballot_round.pk)


@login_required
@require_POST
def meeting_secretary(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair names the meeting's secretary among those present."""
    meeting = _chaired_meeting(request, pk)
    person_pk = request.POST.get("person", "")
    person = None
    if person_pk:
        row = meeting.attendance.filter(person_id=person_pk if person_pk.isdigit() else 0).first()
        if row is None:
            messages.error(request, _("Choose the secretary among those convened."))
            return redirect(_detail_url(meeting, "secretary"))
        person = row.person
    try:
        meeting_services.set_secretary(meeting=meeting, person=person)
    except RatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The meeting secretary was saved."))
    return redirect(_detail_url(meeting, "secretary"))


@login_required
@require_POST
def meeting_close(request: HttpRequest, pk: int) -> HttpResponse:
    """End the meeting: the minutes become final and nothing more can change."""
    meeting = _chaired_meeting(request, pk)
    try:
        meeting_services.close_meeting(meeting=meeting)
    except RatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The meeting is closed."))
    return redirect("ratings:meeting_detail", pk=meeting.pk)

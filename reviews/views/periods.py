"""Review periods: list, creation, rules, enrolment, a unit's page and the progress table."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orgunits import selectors as unit_selectors
from orgunits.models import OrgUnit
from orgunits.selectors import AnyUser

from .. import permissions, rulesets, selectors
from ..exceptions import PeriodAlreadyExists, ReviewError, RuleSetHasPlaceholders
from ..forms import CirculationForm, PeriodForm, ScheduleOverrideForm
from ..models import Milestone, ReportStatus, ReviewPeriod
from ..services import circulation as circulation_services
from ..services import enrolment as enrolment_services
from ..services import periods as period_services

CREATOR_ROLES = ["appraise", "administer"]
# Statuses that mean the author has not handed the report in yet.
UNFINISHED = (ReportStatus.NOT_STARTED, ReportStatus.DRAFTING)
_CONFIDENCE = re.compile(r"^\s*\[(C|L|\?)\]\s*")


def _ruleset_or_none(code: str) -> rulesets.RuleSet | None:
    try:
        return rulesets.get_ruleset(code)
    except KeyError:
        return None


def _unit_in_period(user: AnyUser, period: ReviewPeriod, unit_pk: int) -> OrgUnit:
    """A unit the user may see inside the period's scope, else 404."""
    unit = unit_selectors.get_unit_for_user(user, unit_pk)
    if not unit.path.startswith(period.scope.path):
        raise Http404
    return unit


# -- list and creation -------------------------------------------------------------------------


@login_required
def period_list(request: HttpRequest) -> HttpResponse:
    periods = list(selectors.periods_visible_to(request.user))
    titles = {code: _ruleset_or_none(code) for code in {p.ruleset_code for p in periods}}
    rows = [(p, titles[p.ruleset_code]) for p in periods]
    roots = unit_selectors.scope_roots(request.user)
    can_create = any(permissions.can_create_period(request.user, root) for root in roots)
    # Provinces whose point split this user sets (their administrators).
    split_provinces = [u for u in roots if permissions.can_edit_point_split(request.user, u)]
    return render(
        request,
        "reviews/period_list.html",
        {"rows": rows, "can_create": can_create, "split_provinces": split_provinces},
    )


def _ruleset_choices() -> list[tuple[str, str]]:
    # People choose by title and version; the code is the form's value only.
    return [
        (rs.code, f"{rs.title} ({_('version %(v)s') % {'v': rs.version}})")
        for rs in rulesets.all_rulesets()
    ]


def _suggested_ruleset(year: object) -> tuple[int, str] | None:
    try:
        year = int(year)  # type: ignore[call-overload]
        return year, rulesets.ruleset_for_year(year).title
    except (TypeError, ValueError, KeyError):  # RuleSetNotFound is a KeyError
        return None


@login_required
@require_http_methods(["GET", "POST"])
def period_create(request: HttpRequest) -> HttpResponse:
    units = unit_selectors.units_with_role(request.user, CREATOR_ROLES)
    if not units.exists():
        raise PermissionDenied
    year = request.POST.get("year") or timezone.localdate().year
    form = PeriodForm(
        request.POST or None,
        units=units,
        rulesets=_ruleset_choices(),
        default_ruleset=rulesets.default_ruleset().code,
        suggested=_suggested_ruleset(year),
    )
    context: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not permissions.can_create_period(request.user, data["scope"]):
            raise PermissionDenied
        try:
            period = period_services.create_period(
                name=data["name"],
                kind=data["kind"],
                year=data["year"],
                quarter=data["quarter"],
                scope=data["scope"],
                opens_on=data["opens_on"],
                ruleset_code=data["ruleset"],
                created_by=request.user,
                placeholders_reason=request.POST.get("placeholders_reason", ""),
                placeholders_confirmed_by=request.user,
            )
        except PeriodAlreadyExists as exc:
            form.add_error("year", str(exc))
        except RuleSetHasPlaceholders as exc:
            form.add_error(None, str(exc))
            context["placeholders"] = exc.missing
            context["can_confirm"] = permissions.can_confirm_placeholders(
                request.user, data["scope"]
            )
        except ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The review period was created."))
            return redirect("reviews:period_detail", pk=period.pk)
    context["form"] = form
    return render(request, "reviews/period_form.html", context)


# -- one period ---------------------------------------------------------------------------------


def _scope_units_in_period(user: AnyUser, period: ReviewPeriod) -> list[OrgUnit]:
    """The top units of the user's roles inside the period's scope (the scope itself where a
    role covers it), as entry points to the unit and progress pages."""
    if selectors.can_oversee_unit(user, period.scope):
        return [period.scope]
    held = unit_selectors.role_paths(user)
    paths = {
        p
        for c in selectors.ROLE_CODENAMES
        for p in held.get(c, [])
        if p.startswith(period.scope.path)
    }
    outermost = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return list(unit_selectors.units_visible_to(user).filter(path__in=outermost).order_by("path"))


@login_required
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    reports = [
        (report, permissions.can_edit_report(request.user, report))
        for report in selectors.my_reports(request.user).filter(subject__period=period)
    ]
    context = {
        "period": period,
        "ruleset": _ruleset_or_none(period.ruleset_code),
        "reports": reports,
        "units": _scope_units_in_period(request.user, period),
        "can_enrol": permissions.can_manage_enrolment(request.user, period),
        "quarter_due": selectors.quarter_due_on(
            period, selectors.ruleset_for_unit(period, period.scope)
        ),
        "deadlines": selectors.period_deadlines(period),
    }
    return render(request, "reviews/period_detail.html", context)


ENROLMENT_NOTES_SHOWN = 10


@login_required
@require_POST
def period_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    if not permissions.can_manage_enrolment(request.user, period):
        raise PermissionDenied
    try:
        result = enrolment_services.enrol_period(period=period)
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Enrolment done: %(created)s subjects added, %(updated)s updated, %(unchanged)s "
                "unchanged."
            )
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        for note in result.notes[:ENROLMENT_NOTES_SHOWN]:
            messages.info(request, note)
        if len(result.notes) > ENROLMENT_NOTES_SHOWN:
            messages.info(
                request,
                _("… and %(count)s more such notes.")
                % {"count": len(result.notes) - ENROLMENT_NOTES_SHOWN},
            )
    return redirect("reviews:period_detail", pk=period.pk)


@dataclass
class RuleNote:
    confidence: str  # "C", "L", "?" or "" when the note does not say
    text: str


@dataclass
class RuleRow:
    label: str
    value: object
    note: RuleNote | None = None


@dataclass
class RuleSection:
    title: str
    rows: list[RuleRow] = field(default_factory=list)


def _parse_note(note: str | None) -> RuleNote | None:
    if not note:
        return None
    match = _CONFIDENCE.match(note)
    if match is None:
        return RuleNote("", note.strip())
    return RuleNote(match.group(1), note[match.end() :].strip())


def rule_sections(ruleset: rulesets.RuleSet) -> list[RuleSection]:
    """The rule set as titled tables, the confidence tag of each note split off its text."""
    return [
        RuleSection(
            title=title,
            rows=[RuleRow(label, value, _parse_note(note)) for label, value, note in rows],
        )
        for title, rows in rulesets.describe(ruleset)
    ]


@login_required
def period_rules(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    unit = None
    if request.GET.get("unit"):
        try:
            unit_pk = int(request.GET["unit"])
        except ValueError as exc:
            raise Http404 from exc
        unit = _unit_in_period(request.user, period, unit_pk)
        ruleset = selectors.ruleset_for_unit(period, unit)
    else:
        # As the period stored it when it opened, not as the file reads today.
        ruleset = selectors.period_ruleset(period)
    context = {
        "period": period,
        "unit": unit,
        "ruleset": ruleset,
        "is_local": ruleset.code != period.ruleset_code,
        "base_title": getattr(_ruleset_or_none(period.ruleset_code), "title", ""),
        "sections": rule_sections(ruleset),
    }
    return render(request, "reviews/period_rules.html", context)


# -- one unit in a period -----------------------------------------------------------------------


@login_required
def period_unit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    unit = _unit_in_period(request.user, period, unit_pk)
    user = request.user
    oversees = selectors.can_oversee_unit(user, unit)
    reports = selectors.unit_reports(user, period, unit)
    if not oversees:
        # Members see their own report and the drafts circulated to them, not the others'
        # eligibility (which can reveal sick leave or a suspension).
        reports = reports.filter(pk__in=selectors.reports_visible_to(user).values("pk"))
    circulation = selectors.current_circulation(period, unit)
    can_circulate = permissions.can_circulate(user, period, unit)
    can_edit_schedule = permissions.can_edit_schedule(user, unit)
    context = {
        "period": period,
        "unit": unit,
        "ancestors": [
            a
            for a in unit_selectors.visible_ancestors(user, unit)
            if a.path.startswith(period.scope.path)
        ],
        "children": list(
            unit_selectors.units_visible_to(user)
            .filter(path__startswith=unit.path, depth=unit.depth + 1)
            .order_by("path")
        ),
        "schedule": selectors.unit_schedule(period, unit),
        "deadlines": selectors.unit_deadlines(period, unit),
        "reports": list(reports),
        "oversees": oversees,
        "circulation": circulation,
        "can_circulate": can_circulate,
        "circulation_form": CirculationForm(
            initial_meeting=circulation.meeting_on if circulation else None
        )
        if can_circulate
        else None,
        "can_edit_schedule": can_edit_schedule,
        "schedule_form": ScheduleOverrideForm() if can_edit_schedule else None,
        "can_view_progress": permissions.can_view_progress(user, unit),
    }
    return render(request, "reviews/period_unit.html", context)


def _form_errors(form: Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def period_circulate(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    unit = _unit_in_period(request.user, period, unit_pk)
    if not permissions.can_circulate(request.user, period, unit):
        raise PermissionDenied
    form = CirculationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("reviews:period_unit", pk=period.pk, unit_pk=unit.pk)
    try:
        circulation = circulation_services.circulate_drafts(
            period=period, unit=unit, meeting_on=form.cleaned_data["meeting_on"], user=request.user
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        if circulation.lead_time_ok:
            messages.success(request, _("The drafts were sent to the meeting's participants."))
        else:
            messages.warning(
                request,
                _(
                    "The documents were sent %(lead)s working days before the meeting, fewer "
                    "than the %(required)s days the rules require."
                )
                % {
                    "lead": circulation.lead_working_days,
                    "required": circulation.required_working_days,
                },
            )
    return redirect("reviews:period_unit", pk=period.pk, unit_pk=unit.pk)


@login_required
@require_POST
def period_schedule_edit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    unit = _unit_in_period(request.user, period, unit_pk)
    if not permissions.can_edit_schedule(request.user, unit):
        raise PermissionDenied
    form = ScheduleOverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("reviews:period_unit", pk=period.pk, unit_pk=unit.pk)
    try:
        period_services.set_schedule_override(
            period=period,
            unit=unit,
            milestone=form.cleaned_data["milestone"],
            day=form.cleaned_data["day"],
            reason=form.cleaned_data["reason"],
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(milestone)s now falls on %(day)s.")
            % {
                "milestone": Milestone(form.cleaned_data["milestone"]).label,
                "day": form.cleaned_data["day"].strftime("%d/%m/%Y"),
            },
        )
    return redirect("reviews:period_unit", pk=period.pk, unit_pk=unit.pk)


# -- progress -----------------------------------------------------------------------------------


def _milestone_day(period: ReviewPeriod, unit: OrgUnit, milestone: str) -> dt.date:
    return next(
        day for code, _label, day, _o in selectors.unit_schedule(period, unit) if code == milestone
    )


def progress_context(
    user: AnyUser, period: ReviewPeriod, unit: OrgUnit, *, today: dt.date
) -> dict[str, object]:
    """The progress table of a unit: a row per visible child (subtree summed), the unit's own
    row, totals, and which rows are overdue on `today`."""
    rows = selectors.progress_by_unit(user, period, unit)
    due = _milestone_day(period, unit, Milestone.SELF_REPORT_DUE)
    past_due = today > due
    totals = dict.fromkeys(ReportStatus.values, 0)
    for row in rows:
        counts = row["counts"]
        for status, n in counts.items():  # type: ignore[union-attr]
            totals[status] += n
        row["unfinished"] = sum(counts[s] for s in UNFINISHED)  # type: ignore[index]
        row["overdue"] = past_due and row["unfinished"] > 0
    return {
        "rows": rows,
        "totals": totals,
        "total": sum(totals.values()),
        "due": due,
        "past_due": past_due,
        "finish": selectors.unit_finish_date(period, unit),
        "statuses": ReportStatus.choices,
    }


@login_required
def period_progress(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period = selectors.get_period_for_user(request.user, pk)
    unit = _unit_in_period(request.user, period, unit_pk)
    if not permissions.can_view_progress(request.user, unit):
        raise PermissionDenied
    context = progress_context(request.user, period, unit, today=timezone.localdate())
    context.update(
        period=period,
        unit=unit,
        ancestors=[
            a
            for a in unit_selectors.visible_ancestors(request.user, unit)
            if a.path.startswith(period.scope.path)
        ],
    )
    return render(request, "reviews/period_progress.html", context)

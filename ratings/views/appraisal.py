"""Appraisal (thẩm định), the quota, decisions and their publication, discipline records,
each subject's rating file, a member's own results and the multi-year history."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.second_factor_views import require_recent_second_factor
from orgunits import selectors as unit_selectors
from orgunits.models import OrgUnit
from orgunits.navigation import local_url
from reviews import selectors as review_selectors
from reviews.exceptions import ReviewError
from reviews.models import ReviewPeriod
from reviews.services import remediation as remediation_services

from .. import permissions, selectors
from ..appraisal_status import AppraisalState, appraisal_state
from ..exceptions import ChecksNotMet, LinkageViolated, QuotaExceeded, RatingError
from ..forms_appraisal import (
    CancelDecisionForm,
    ChangeLevelForm,
    DecideForm,
    DisciplineRecordForm,
    PublishForm,
    RemediationForm,
    RemediationStatusForm,
)
from ..models import CandidateResult, DecisionStatus, Rating, RatingStatus, RoundKind
from ..services import appraisal as appraisal_services
from ..services import decisions as decisions_services
from .panels import facts_context, rerating_panel

LEVELS = ["HTXS", "HTT", "HT", "KHT"]


# -- helpers ------------------------------------------------------------------------------------


def _unit_in_period(request: HttpRequest, period: ReviewPeriod, unit_pk: int) -> OrgUnit:
    unit = unit_selectors.get_unit_for_user(request.user, unit_pk)
    if not unit.path.startswith(period.scope.path):
        raise Http404
    return unit


def _show_error(request: HttpRequest, exc: RatingError) -> None:
    """The rule's message; the quota's computation and the linkage problems as a list."""
    items: list[str] = []
    if isinstance(exc, QuotaExceeded):
        items = list(exc.steps)
    elif isinstance(exc, ChecksNotMet):
        items = list(exc.items)
    elif isinstance(exc, LinkageViolated):
        items = [part for part in str(exc).split("; ") if part]
    if items:
        messages.error(
            request,
            format_html(
                '{}<ul class="mb-0 mt-2" data-testid="error-steps">{}</ul>',
                "" if isinstance(exc, LinkageViolated) else str(exc),
                format_html_join("", "<li>{}</li>", ((item,) for item in items)),
            ),
        )
    else:
        messages.error(request, str(exc))


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page the form was on (a local `next`), else to `fallback`."""
    target = local_url(request, request.POST.get("next"))
    return HttpResponseRedirect(target) if target else redirect(fallback)


def _level_names(period: ReviewPeriod, unit: OrgUnit) -> dict[str, str]:
    """Level names from the rule set, in the UI language (the rule sets hold both)."""
    ruleset = review_selectors.ruleset_for_unit(period, unit)
    vietnamese = (get_language() or "vi").startswith("vi")
    return {level.code: level.name if vietnamese else level.name_en for level in ruleset.levels}


def _share(value: Fraction | None) -> str:
    return f"{float(value) * 100:.1f}%" if value is not None else "—"


def _state(period: ReviewPeriod, rating: Rating | None) -> AppraisalState | None:
    """What the checks of an appraised rating add up to (None once decided or before checks)."""
    if rating is None or rating.status != RatingStatus.APPRAISED:
        return None
    ruleset = review_selectors.ruleset_for_unit(period, rating.subject.unit)
    return appraisal_state(rating.checks, rating.level, ruleset.level_rank)


# -- the appraisal page -------------------------------------------------------------------------


@dataclass
class AppraisalRow:
    subject: Any
    report: Any
    rating: Rating | None
    ballot: CandidateResult | None
    form: ChangeLevelForm | None
    state: AppraisalState | None = None

    @property
    def ballot_votes(self) -> str:
        if self.ballot is None or not self.ballot.proposed:
            return ""
        base = self.ballot.computation.get("base") or 0
        return f"{self.ballot.counts.get(self.ballot.proposed, 0)}/{base}"


@login_required
def appraisal_page(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period = review_selectors.get_period_for_user(request.user, pk)
    unit = _unit_in_period(request, period, unit_pk)
    can_appraise = permissions.can_appraise(request.user, unit)
    can_decide = permissions.can_decide(request.user, unit)
    if not (can_appraise or can_decide):
        raise PermissionDenied
    subjects = selectors.appraisal_subjects(period, unit)
    ballots = selectors.latest_ballot_results([s.pk for s in subjects])
    rows = []
    for subject in subjects:
        rating = subject.current_rating
        form = None
        if can_appraise and rating is not None and rating.status == RatingStatus.APPRAISED:
            form = ChangeLevelForm(
                initial={"level": rating.level or rating.proposed_level},
                auto_id=f"id_r{rating.pk}_%s",
            )
        rows.append(
            AppraisalRow(
                subject,
                subject.current_report,
                rating,
                ballots.get(subject.pk),
                form,
                _state(period, rating),
            )
        )
    context = {
        "period": period,
        "unit": unit,
        "ancestors": [
            a
            for a in unit_selectors.visible_ancestors(request.user, unit)
            if a.path.startswith(period.scope.path)
        ],
        "rows": rows,
        "level_names": _level_names(period, unit),
        "quota_groups": selectors.quota_groups_for(period, unit),
        "decisions": list(selectors.decisions_of(period, unit)),
        "can_appraise": can_appraise,
        "can_decide": can_decide,
        "authority_unit": unit_selectors.nearest_role_unit(unit, "decide"),
        "decide_form": DecideForm() if can_decide else None,
        "here": request.get_full_path(),
        **facts_context(request, subjects, can_appraise),
    }
    return render(request, "ratings/appraisal_page.html", context)


@login_required
@require_POST
def appraisal_run(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period = review_selectors.get_period_for_user(request.user, pk)
    unit = _unit_in_period(request, period, unit_pk)
    if not permissions.can_appraise(request.user, unit):
        raise PermissionDenied
    try:
        ratings = appraisal_services.appraise(period=period, unit=unit, user=request.user)
    except RatingError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("The checks ran for %(n)s subjects.") % {"n": len(ratings)})
    return redirect("ratings:appraisal_page", pk=period.pk, unit_pk=unit.pk)


@login_required
@require_POST
def rating_change_level(request: HttpRequest, pk: int) -> HttpResponse:
    rating = selectors.get_rating_for_user(request.user, pk)
    if not permissions.can_appraise(request.user, rating.subject.unit):
        raise PermissionDenied
    fallback = reverse("ratings:rating_file", args=[rating.pk])
    form = ChangeLevelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(request, fallback)
    try:
        appraisal_services.change_level(
            rating=rating,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except RatingError as exc:
        _show_error(request, exc)
    else:
        messages.success(
            request,
            _("The level of %(subject)s is now %(level)s.")
            % {"subject": rating.subject, "level": form.cleaned_data["level"]},
        )
    return _back(request, fallback)


# -- the rating file ----------------------------------------------------------------------------


@dataclass
class BallotLine:
    result: CandidateResult
    counts: list[tuple[str, int]]
    proposed: str
    computation: str


def _ballot_lines(results: list[CandidateResult]) -> list[BallotLine]:
    from ..documents import _computation_line  # the wording of the counting minutes

    lines = []
    for result in results:
        options = result.round.options or []
        labels = {o["code"]: o.get("label", o["code"]) for o in options}
        confidence = result.round.kind == RoundKind.CONFIDENCE
        try:
            computation = _computation_line(result.computation or {}, options, confidence)
        except (KeyError, TypeError, ValueError):
            computation = ""
        lines.append(
            BallotLine(
                result=result,
                counts=[(labels[o["code"]], int(result.counts.get(o["code"], 0))) for o in options],
                proposed=labels.get(result.proposed, result.proposed),
                computation=computation,
            )
        )
    return lines


@login_required
def rating_file(request: HttpRequest, pk: int) -> HttpResponse:
    rating = selectors.get_rating_for_user(request.user, pk)
    if not permissions.can_view_rating_file(request.user, rating):
        raise PermissionDenied
    subject = rating.subject
    data = selectors.rating_file(rating)
    can_appraise = permissions.can_appraise(request.user, subject.unit)
    context = {
        "rating": rating,
        "state": _state(subject.period, rating),
        "subject": subject,
        "period": subject.period,
        "level_names": _level_names(subject.period, subject.unit),
        "ballots": _ballot_lines(data.pop("results")),
        "counting_ids": appraisal_services.counting_record_ids(subject.period, data["discipline"]),
        "can_appraise": can_appraise,
        "level_form": ChangeLevelForm(initial={"level": rating.level or rating.proposed_level})
        if can_appraise and rating.status == RatingStatus.APPRAISED
        else None,
        "remediation_items": remediation_services.plan_of(subject),
        **rerating_panel(request.user, rating),
        "can_plan_remediation": permissions.can_plan_remediation(request.user, subject.unit),
        "remediation_form": RemediationForm(),
        "remediation_status_form": RemediationStatusForm(),
        "discipline_form": DisciplineRecordForm(
            units=unit_selectors.units_visible_to(request.user),
            initial={"unit_at_time": subject.unit_id},
        )
        if can_appraise
        else None,
        **data,
    }
    return render(request, "ratings/rating_file.html", context)


@login_required
@require_POST
def rating_discipline(request: HttpRequest, pk: int) -> HttpResponse:
    rating = selectors.get_rating_for_user(request.user, pk)
    subject = rating.subject
    if not permissions.can_appraise(request.user, subject.unit):
        raise PermissionDenied
    form = DisciplineRecordForm(request.POST, units=unit_selectors.units_visible_to(request.user))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("ratings:rating_file", pk=rating.pk)
    data = form.cleaned_data
    try:
        _record, reopened = appraisal_services.record_discipline(
            user=request.user,
            unit_at_time=data["unit_at_time"],
            violation_date=data["violation_date"],
            decision_date=data["decision_date"],
            form=data["form"],
            person=subject.person if subject.person_id else None,
            unit=None if subject.person_id else subject.unit,
            is_corruption=data["is_corruption"],
            self_detected_remedied=data["self_detected_remedied"],
            duty_related=not data["not_duty_related"],
            description=data["description"],
        )
    except RatingError as exc:
        _show_error(request, exc)
        return redirect("ratings:rating_file", pk=rating.pk)
    messages.success(request, _("The disciplinary decision was recorded."))
    if not appraisal_services.discipline_rule(subject.period).reopen_decided:
        messages.info(
            request,
            _(
                "It counts in the period in which it was decided; decided ratings are not "
                "re-opened. A rating found wrong is cancelled by the competent level and re-rated "
                "with a Mẫu 03 decision."
            ),
        )
    if reopened:
        names = ", ".join(
            f"{r.subject} ({r.subject.period.year})"
            for r in Rating.objects.filter(pk__in=[r.pk for r in reopened]).select_related(
                "subject__person", "subject__unit", "subject__period"
            )
        )
        messages.warning(
            request,
            _(
                "Decided ratings re-opened for re-rating (a violation disciplined later counts "
                "in the year it happened): %(names)s."
            )
            % {"names": names},
        )
    return redirect("ratings:rating_file", pk=rating.pk)


@login_required
@require_POST
def rating_remediation(request: HttpRequest, pk: int) -> HttpResponse:
    rating = selectors.get_rating_for_user(request.user, pk)
    if not permissions.can_plan_remediation(request.user, rating.subject.unit):
        raise PermissionDenied
    form = RemediationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("ratings:rating_file", pk=rating.pk)
    try:
        remediation_services.add_remediation_item(
            subject=rating.subject,
            text=form.cleaned_data["text"],
            due_on=form.cleaned_data["due_on"],
        )
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The item was added to the remediation plan."))
    return redirect("ratings:rating_file", pk=rating.pk)


@login_required
@require_POST
def remediation_status(request: HttpRequest, pk: int) -> HttpResponse:
    item, ratings = selectors.get_remediation_item_for_user(request.user, pk)
    allowed = [r for r in ratings if permissions.can_plan_remediation(request.user, r.subject.unit)]
    if not allowed:
        raise PermissionDenied
    rating = allowed[0]
    form = RemediationStatusForm(request.POST)
    if form.is_valid():
        remediation_services.set_remediation_status(item=item, status=form.cleaned_data["status"])
        messages.success(request, _("The status was recorded."))
    else:
        messages.error(request, _form_errors(form))
    return redirect("ratings:rating_file", pk=rating.pk)


# -- decisions ----------------------------------------------------------------------------------


@login_required
@require_POST
@require_recent_second_factor
def decide(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    period = review_selectors.get_period_for_user(request.user, pk)
    unit = _unit_in_period(request, period, unit_pk)
    if not permissions.can_decide(request.user, unit):
        raise PermissionDenied
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("ratings:appraisal_page", pk=period.pk, unit_pk=unit.pk)
    try:
        decision = appraisal_services.decide(
            period=period,
            unit=unit,
            user=request.user,
            decided_on=form.cleaned_data["decided_on"],
            number=form.cleaned_data["number"],
            override_reason=form.cleaned_data["override_reason"],
        )
    except RatingError as exc:
        _show_error(request, exc)
        return redirect("ratings:appraisal_page", pk=period.pk, unit_pk=unit.pk)
    messages.success(request, _("The decision was recorded. Publish it to make it visible."))
    return redirect("ratings:decision_detail", pk=decision.pk)


@login_required
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.get_decision_for_user(request.user, pk)
    ratings = selectors.decision_ratings(decision)
    names = _level_names(decision.period, decision.unit)
    by_level = [
        (code, names.get(code, code), [r for r in ratings if r.level == code]) for code in LEVELS
    ]
    can_publish = (
        permissions.can_decide(request.user, decision.unit)
        and decision.status == DecisionStatus.DECIDED
    )
    can_cancel = (
        permissions.can_cancel_decision(request.user, decision)
        and decision.status != DecisionStatus.CANCELLED
    )
    context = {
        "decision": decision,
        "issuer": decision.issued_by
        or decisions_services.deciding_body(decision.decided_by, decision.unit),
        "period": decision.period,
        "by_level": [row for row in by_level if row[2]],
        "count": len(ratings),
        "overridden": decisions_services.unmet_checks(decision.period, ratings)
        if decision.override_reason
        else [],
        "can_publish": can_publish,
        "can_cancel": can_cancel,
        "cancel_form": CancelDecisionForm() if can_cancel else None,
    }
    return render(request, "ratings/decision_detail.html", context)


@login_required
@require_POST
@require_recent_second_factor
def decision_publish(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.get_decision_for_user(request.user, pk)
    if not permissions.can_decide(request.user, decision.unit):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("ratings:decision_detail", pk=decision.pk)
    try:
        appraisal_services.publish(decision=decision, user=request.user)
    except RatingError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("The results were published to those concerned."))
    return redirect("ratings:decision_detail", pk=decision.pk)


@login_required
@require_POST
@require_recent_second_factor
def decision_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.get_decision_for_user(request.user, pk)
    if not permissions.can_cancel_decision(request.user, decision):
        raise PermissionDenied
    form = CancelDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("ratings:decision_detail", pk=decision.pk)
    try:
        appraisal_services.cancel_decision(
            decision=decision, reason=form.cleaned_data["reason"], user=request.user
        )
    except RatingError as exc:
        _show_error(request, exc)
    else:
        messages.success(
            request, _("The decision was cancelled; its ratings are open for re-rating.")
        )
    return redirect("ratings:decision_detail", pk=decision.pk)


# -- a member's results and the history ---------------------------------------------------------


@login_required
def my_results(request: HttpRequest) -> HttpResponse:
    ratings = list(selectors.my_published_ratings(request.user))
    names: dict[int, dict[str, str]] = {}
    for rating in ratings:
        period = rating.subject.period
        if period.pk not in names:
            names[period.pk] = _level_names(period, period.scope)
        rating.level_name = names[period.pk].get(rating.level, rating.level)
    return render(request, "ratings/my_results.html", {"ratings": ratings})


@login_required
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    person = unit_selectors.get_person_for_user(request.user, pk)
    own = person.user_id == request.user.pk
    within = selectors.record_scope(request.user, person)
    history = selectors.person_history(
        person, published_only=own and not request.user.is_superuser, within=within
    )
    return render(
        request,
        "ratings/history.html",
        {
            "history": history,
            "person": person,
            "title": person.full_name,
            "scoped": within is not None,
        },
    )


@login_required
def unit_history(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_selectors.get_unit_for_user(request.user, pk)
    if not permissions.can_view_history(request.user, unit):
        raise PermissionDenied
    history = selectors.unit_history(unit)
    return render(
        request, "ratings/history.html", {"history": history, "unit": unit, "title": unit.name}
    )

"""Ballot rounds: the chair's console, the voting booth, the results, the paper count and the
counting minutes.

Secrecy: while a round is open the only figure any page shows is how many have voted; the
choices of a ballot appear once, on the voter's own confirmation page, and nowhere else (not in
messages, logs or error reports).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from .. import permissions, selectors
from ..exceptions import AlreadyVoted, RatingError, VotersMissing
from ..forms import BallotForm, PaperCountForm, choice_field_name
from ..models import BallotRound, RoundKind, RoundMode, RoundStatus
from ..services import ballots as ballot_services
from ..services import follow_up as follow_up_services
from ..tally import BASE_LABELS, fraction_text

WAITING_FOR_SECOND_ENTRY = gettext_lazy(
    "Recorded; waiting for a second committee member to enter the count on their own."
)


def _candidates(ballot_round: BallotRound) -> list:
    return list(
        ballot_round.candidates.select_related("subject__person", "subject__unit").order_by(
            "position"
        )
    )


def _chaired_round(request: HttpRequest, pk: int) -> BallotRound:
    """The round if the user may see it (else 404) and chairs its meeting (else 403)."""
    ballot_round = selectors.get_round_for_user(request.user, pk)
    if not permissions.can_chair(request.user, ballot_round.meeting):
        raise PermissionDenied
    return ballot_round


# -- the chair's console ------------------------------------------------------------------------


def _status_context(ballot_round: BallotRound) -> dict[str, Any]:
    voted = (
        ballot_services.participation_count(ballot_round)
        if ballot_round.status != RoundStatus.PREPARED
        else 0
    )
    issued = (
        ballot_services.issued_count(ballot_round)
        if ballot_round.status == RoundStatus.OPEN
        else ballot_round.present_count
    )
    return {"round": ballot_round, "voted": voted, "present": issued}


@login_required
def round_console(request: HttpRequest, pk: int) -> HttpResponse:
    ballot_round = _chaired_round(request, pk)
    context = _status_context(ballot_round)
    context.update(
        meeting=ballot_round.meeting,
        candidates=_candidates(ballot_round),
        left_off=(
            ballot_services.left_off_ballot(ballot_round.meeting, ballot_round.kind)
            if ballot_round.status == RoundStatus.PREPARED
            else []
        ),
        can_download_minutes=permissions.can_download_minutes(request.user, ballot_round.meeting),
        no_ballot=(
            ballot_services.present_without_ballot(ballot_round)
            if ballot_round.status != RoundStatus.CLOSED
            else []
        ),
    )
    return render(request, "ratings/round_console.html", context)


@login_required
def round_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The participation count alone, polled by the console while the round is open."""
    ballot_round = _chaired_round(request, pk)
    return render(request, "ratings/_round_status.html", _status_context(ballot_round))


@login_required
@require_POST
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    ballot_round = _chaired_round(request, pk)
    try:
        ballot_services.open_round(ballot_round=ballot_round)
    except RatingError as exc:
        messages.error(request, str(exc))
    return redirect("ratings:round_console", pk=ballot_round.pk)


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the round; with voters missing and no `confirm` field, ask first (server-side)."""
    ballot_round = _chaired_round(request, pk)
    try:
        ballot_services.close_round(
            ballot_round=ballot_round, missing_confirmed=bool(request.POST.get("confirm"))
        )
    except VotersMissing as exc:
        context = {"round": ballot_round, "meeting": ballot_round.meeting, "missing": exc}
        return render(request, "ratings/round_close_confirm.html", context)
    except RatingError as exc:
        messages.error(request, str(exc))
    return redirect("ratings:round_console", pk=ballot_round.pk)


@login_required
@require_POST
def round_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Prepare a follow-up round on exactly those who reached no level in this one."""
    ballot_round = _chaired_round(request, pk)
    try:
        follow_up = follow_up_services.prepare_follow_up_round(ballot_round=ballot_round)
    except RatingError as exc:
        messages.error(request, str(exc))
        return redirect("ratings:round_results", pk=ballot_round.pk)
    messages.success(request, _("Round %(number)s is ready.") % {"number": follow_up.number})
    return redirect("ratings:round_console", pk=follow_up.pk)


# -- the voting booth ---------------------------------------------------------------------------


def _booth(request: HttpRequest, ballot_round: BallotRound, state: str, **extra) -> HttpResponse:
    context = {"round": ballot_round, "meeting": ballot_round.meeting, "state": state, **extra}
    return render(request, "ratings/round_vote.html", context)


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def round_vote(request: HttpRequest, pk: int) -> HttpResponse:
    ballot_round = selectors.get_round_for_user(request.user, pk)
    attendance = selectors.attendance_of(request.user, ballot_round.meeting)
    if attendance is None or attendance.present is not True:
        raise PermissionDenied
    step = request.POST.get("step", "") if request.method == "POST" else ""
    receipt = request.POST.get("receipt", "") if request.method == "POST" else ""
    revoting = bool(receipt) and bool(ballot_round.rule.get("allow_revote"))
    if not revoting and selectors.has_voted(request.user, ballot_round):
        return _booth(request, ballot_round, "already_voted")
    if not permissions.can_vote(request.user, ballot_round):
        return _booth(request, ballot_round, "not_open")
    candidates = _candidates(ballot_round)
    options = ballot_round.options
    if step in ("review", "confirm"):
        form = BallotForm(request.POST, candidates=candidates, options=options)
    else:
        # A fresh paper, or the voter's own choices back on it after "Change my choices".
        form = BallotForm(
            initial=request.POST.dict() if step == "edit" else None,
            candidates=candidates,
            options=options,
        )
    paper = {"form": form, "rows": [(c, form[choice_field_name(c)]) for c in candidates]}
    if step not in ("review", "confirm") or not form.is_valid():
        return _booth(request, ballot_round, "paper", options=options, **paper)
    if step == "review":
        labels = {o["code"]: o["label"] for o in options}
        chosen = [(c, form.cleaned_data[choice_field_name(c)]) for c in candidates]
        review = [(c, choice_field_name(c), code, labels[code]) for c, code in chosen]
        return _booth(request, ballot_round, "review", review=review, receipt=receipt)
    try:
        new_receipt = ballot_services.cast_ballot(
            ballot_round=ballot_round,
            voter=attendance.person,
            choices=form.choices(),
            receipt=receipt,
        )
    except AlreadyVoted:
        return _booth(request, ballot_round, "already_voted")
    except RatingError as exc:
        messages.error(request, str(exc))
        return redirect("ratings:round_vote", pk=ballot_round.pk)
    return _booth(request, ballot_round, "done", receipt=new_receipt)


# -- results ------------------------------------------------------------------------------------


def _number(value: str | int) -> str:
    return fraction_text(Fraction(str(value)))


def _result_rows(ballot_round: BallotRound, show_counts: bool) -> list[dict[str, Any]]:
    labels = {o["code"]: o["label"] for o in ballot_round.options}
    rows = []
    for result in ballot_services.results_of(ballot_round):
        computation = result.computation or {}
        row: dict[str, Any] = {
            "candidate": result.candidate,
            "proposed": result.proposed,
            "proposed_label": labels.get(result.proposed, ""),
            "may_resign": bool(computation.get("may_resign")),
            "dismissal": bool(computation.get("dismissal")),
        }
        if show_counts:
            row.update(
                counts=[int(result.counts.get(o["code"], 0)) for o in ballot_round.options],
                steps=computation.get("steps", []),
                rule=computation.get("rule", ""),
                base=computation.get("base"),
                base_label=BASE_LABELS.get(str(computation.get("base_name")), ""),
                needed=_number(computation.get("needed", 0)),
                strict=computation.get("strict", True),
                low_share=computation.get("low_share"),
            )
        rows.append(row)
    return rows


@login_required
def round_results(request: HttpRequest, pk: int) -> HttpResponse:
    ballot_round = selectors.get_round_for_user(request.user, pk)
    meeting = ballot_round.meeting
    context: dict[str, Any] = {
        "round": ballot_round,
        "meeting": meeting,
        "closed": ballot_round.status == RoundStatus.CLOSED,
        "is_confidence": ballot_round.kind == RoundKind.CONFIDENCE,
        "can_download_minutes": permissions.can_download_minutes(request.user, meeting),
    }
    if context["closed"]:
        show_counts = permissions.can_see_counts(request.user, ballot_round)
        context.update(
            show_counts=show_counts,
            rows=_result_rows(ballot_round, show_counts),
            tally=getattr(ballot_round, "tally", None),
            can_chair=permissions.can_chair(request.user, meeting),
            no_level=follow_up_services.no_level_reached(ballot_round),
        )
    return render(request, "ratings/round_results.html", context)


# -- paper ballots ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_paper_entry(request: HttpRequest, pk: int) -> HttpResponse:
    ballot_round = selectors.get_round_for_user(request.user, pk)
    if ballot_round.mode == RoundMode.PAPER and ballot_round.status == RoundStatus.CLOSED:
        return redirect("ratings:round_results", pk=ballot_round.pk)
    if not permissions.can_enter_paper_count(request.user, ballot_round):
        raise PermissionDenied
    attendance = selectors.attendance_of(request.user, ballot_round.meeting)
    candidates = _candidates(ballot_round)
    form = PaperCountForm(request.POST or None, candidates=candidates, options=ballot_round.options)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ballot_round = ballot_services.enter_paper_count(
                ballot_round=ballot_round,
                entered_by=attendance.person,  # type: ignore[union-attr]
                issued=data["issued"],
                returned=data["returned"],
                valid=data["valid"],
                invalid=data["invalid"],
                counts=form.counts(),
            )
        except RatingError as exc:
            form.add_error(None, str(exc))
        else:
            if ballot_round.status == RoundStatus.CLOSED:
                messages.success(request, _("Both entries match: the round is closed and counted."))
                return redirect("ratings:round_results", pk=ballot_round.pk)
            messages.info(request, WAITING_FOR_SECOND_ENTRY)
            return redirect("ratings:round_paper_entry", pk=ballot_round.pk)
    context = {
        "round": ballot_round,
        "meeting": ballot_round.meeting,
        "form": form,
        "options": ballot_round.options,
    }
    return render(request, "ratings/round_paper_entry.html", context)

"""The rating's to-do cards for the dashboard (registered in RatingsConfig.ready): vote while
a round is open for you, read your published result; the chair's meetings and open rounds; the
officer's units waiting for appraisal; the authority's levels waiting for a decision.

Each reader is scoped to the user and runs a fixed number of queries whatever the rows.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orgunits.selectors import AnyUser, role_paths
from orgunits.todos import Todo, register
from reviews.models import PeriodStatus, ReportStatus, Subject

from . import selectors
from .models import BallotRound, Meeting, MeetingStatus, Participation, RatingStatus, RoundStatus

OPEN_PERIOD = {"period__status": PeriodStatus.OPEN}
CARDS_PER_KIND = 5


def rounds_to_vote(user: AnyUser) -> list[BallotRound]:
    """Open electronic rounds where the user is present and has not voted yet."""
    voted = Participation.objects.filter(round=OuterRef("pk"), voter__user=user)
    return list(selectors.open_rounds_for(user).exclude(Exists(voted)).order_by("opened_at"))


def has_published_result(user: AnyUser) -> bool:
    """The user has a published level in a period still open."""
    return (
        selectors.my_published_ratings(user)
        .filter(subject__period__status=PeriodStatus.OPEN)
        .exists()
    )


def chaired_meetings(user: AnyUser) -> list[Meeting]:
    """Meetings the user chairs that have not been closed."""
    return list(
        Meeting.objects.filter(chair=user, **OPEN_PERIOD)
        .exclude(status=MeetingStatus.CLOSED)
        .select_related("unit")
        .order_by("starts_on", "pk")
    )


def chaired_open_rounds(user: AnyUser) -> list[BallotRound]:
    """Rounds open at the meetings the user chairs (their console)."""
    return list(
        BallotRound.objects.filter(meeting__chair=user, status=RoundStatus.OPEN)
        .select_related("meeting")
        .order_by("opened_at")
    )


def _units_q(user: AnyUser, codename: str) -> Q | None:
    paths = role_paths(user).get(codename, [])
    if not paths:
        return None
    q = Q()
    for path in paths:
        q |= Q(unit__path__startswith=path)
    return q


def units_waiting_for_appraisal(user: AnyUser) -> list[dict]:
    """Per (period, unit) the user appraises: submitted reports with no proposal yet, or
    reopened for re-rating."""
    scope = _units_q(user, "appraise")
    if scope is None:
        return []
    unrated = Q(rating__isnull=True) | Q(rating__status=RatingStatus.REOPENED)
    return list(
        Subject.objects.filter(scope, unrated, report__status=ReportStatus.SUBMITTED, **OPEN_PERIOD)
        .values("period_id", "unit_id", "unit__name", "unit__path")
        .annotate(n=Count("pk"))
        .order_by("unit__path")
    )


def levels_to_decide(user: AnyUser) -> list[dict]:
    """Per (period, unit) the user decides for: appraised levels waiting for the decision."""
    scope = _units_q(user, "decide")
    if scope is None:
        return []
    return list(
        Subject.objects.filter(scope, rating__status=RatingStatus.APPRAISED, **OPEN_PERIOD)
        .values("period_id", "unit_id", "unit__name", "unit__path")
        .annotate(n=Count("pk"))
        .order_by("unit__path")
    )


def _unit_cards(rows: list[dict], *, kind: str, title, action: str, order: int) -> list[Todo]:
    return [
        Todo(
            kind=kind,
            title=title(row["n"]),
            detail=row["unit__name"],
            url=reverse(
                "ratings:appraisal_page", kwargs={"pk": row["period_id"], "unit_pk": row["unit_id"]}
            ),
            action=action,
            order=order,
        )
        for row in rows[:CARDS_PER_KIND]
    ]


def rating_todos(user: AnyUser, today: dt.date) -> list[Todo]:
    """The rating's cards for the user's dashboard."""
    cards = [
        Todo(
            kind="vote",
            title=_("Vote now"),
            detail=_("Round %(number)d · %(meeting)s")
            % {"number": r.number, "meeting": r.meeting.title},
            url=reverse("ratings:round_vote", args=[r.pk]),
            action=_("Vote"),
            order=0,
        )
        for r in rounds_to_vote(user)
    ]
    if has_published_result(user):
        cards.append(
            Todo(
                kind="my_result",
                title=_("My result"),
                detail=_("Your rating has been published."),
                url=reverse("ratings:my_results"),
                action=_("See the result"),
                order=30,
            )
        )
    cards += [
        Todo(
            kind="chair_round",
            title=_("Round %(number)d is open") % {"number": r.number},
            detail=r.meeting.title,
            url=reverse("ratings:round_console", args=[r.pk]),
            action=_("Open the console"),
            order=5,
        )
        for r in chaired_open_rounds(user)
    ]
    cards += [
        Todo(
            kind="chair_meeting",
            title=_("Chair the meeting: %(title)s") % {"title": m.title},
            detail=m.unit.name,
            url=reverse("ratings:meeting_detail", args=[m.pk]),
            action=_("Prepare the meeting"),
            due=m.starts_on,
            order=35,
        )
        for m in chaired_meetings(user)[:CARDS_PER_KIND]
    ]
    cards += _unit_cards(
        units_waiting_for_appraisal(user),
        kind="appraise",
        title=lambda n: (
            ngettext(
                "Appraise %(count)d submitted report", "Appraise %(count)d submitted reports", n
            )
            % {"count": n}
        ),
        action=_("Appraise"),
        order=45,
    )
    cards += _unit_cards(
        levels_to_decide(user),
        kind="decide",
        title=lambda n: (
            ngettext("Decide %(count)d appraised level", "Decide %(count)d appraised levels", n)
            % {"count": n}
        ),
        action=_("Decide"),
        order=50,
    )
    return cards


def register_todos() -> None:
    register("ratings", rating_todos)

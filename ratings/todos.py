"""The rating's to-do cards for the dashboard (registered in RatingsConfig.ready): vote while
a round is open for you, read your published result; the chair's meetings and open rounds; the
officer's units waiting for appraisal; the authority's levels waiting for a decision.

Each reader is scoped to the user and runs a fixed number of queries whatever the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orgunits.models import OrgUnit
from orgunits.selectors import AnyUser, role_paths
from orgunits.todos import Todo, register
from reviews.models import PeriodStatus, ReportStatus, Subject

from . import selectors
from .models import BallotRound, Meeting, MeetingStatus, Participation, RatingStatus, RoundStatus

CARDS_PER_KIND = 5
UNITS_NAMED = 3


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
        Meeting.objects.filter(chair=user, period__status=PeriodStatus.OPEN)
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


@dataclass(frozen=True)
class Waiting:
    """Work waiting in one period under one unit where the user holds the role: the unit
    whose appraisal page does it, how many subjects, and the units they belong to."""

    period_id: int
    unit: OrgUnit
    count: int
    unit_names: list[str]


def _waiting(user: AnyUser, codename: str, condition: Q) -> list[Waiting]:
    """Subjects matching `condition` in open periods under the user's `codename` roles,
    summed per (period, outermost role unit) — or per period scope when the role sits above
    it — in three queries whatever the rows."""
    paths = role_paths(user).get(codename, [])
    if not paths:
        return []
    roots = list(OrgUnit.objects.filter(path__in=paths).order_by("path"))
    roots = [r for r in roots if not any(r.path.startswith(o.path) and r != o for o in roots)]
    scope = Q()
    for root in roots:
        scope |= Q(unit__path__startswith=root.path)
    rows = list(
        Subject.objects.filter(scope, condition, period__status=PeriodStatus.OPEN)
        .values("period_id", "period__scope_id", "unit__name", "unit__path")
        .annotate(n=Count("pk"))
        .order_by("period_id", "unit__path")
    )
    scopes = {u.pk: u for u in OrgUnit.objects.filter(pk__in={r["period__scope_id"] for r in rows})}
    found: dict[tuple[int, int], Waiting] = {}
    for row in rows:
        root = next(r for r in roots if row["unit__path"].startswith(r.path))
        period_scope = scopes[row["period__scope_id"]]
        unit = root if root.path.startswith(period_scope.path) else period_scope
        key = (row["period_id"], unit.pk)
        if key not in found:
            found[key] = Waiting(row["period_id"], unit, 0, [])
        entry = found[key]
        found[key] = Waiting(
            entry.period_id, unit, entry.count + row["n"], [*entry.unit_names, row["unit__name"]]
        )
    return list(found.values())


def units_waiting_for_appraisal(user: AnyUser) -> list[Waiting]:
    """Submitted reports with no proposal yet (or reopened for re-rating) under the units the
    user appraises."""
    unrated = Q(rating__isnull=True) | Q(rating__status=RatingStatus.REOPENED)
    return _waiting(user, "appraise", unrated & Q(report__status=ReportStatus.SUBMITTED))


def levels_to_decide(user: AnyUser) -> list[Waiting]:
    """Appraised levels waiting for the decision under the units the user decides for."""
    return _waiting(user, "decide", Q(rating__status=RatingStatus.APPRAISED))


def _unit_cards(rows: list[Waiting], *, kind: str, title, action: str, order: int) -> list[Todo]:
    cards = []
    for row in rows[:CARDS_PER_KIND]:
        names = ", ".join(row.unit_names[:UNITS_NAMED])
        if len(row.unit_names) > UNITS_NAMED:
            names += " …"
        cards.append(
            Todo(
                kind=kind,
                title=title(row.count),
                detail=f"{row.unit.name}: {names}",
                url=reverse(
                    "ratings:appraisal_page",
                    kwargs={"pk": row.period_id, "unit_pk": row.unit.pk},
                ),
                action=action,
                order=order,
            )
        )
    return cards


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
            due_label=_("Meeting date"),
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

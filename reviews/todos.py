"""The review's to-do cards for the dashboard (registered in ReviewsConfig.ready): write your
self-review before its deadline, comment on the circulated drafts, and — for an organisation
officer — the units late with their self-reviews.

Each reader is scoped to the user and runs a fixed number of queries per open period, never
per report or unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orgunits.models import Membership, OrgUnit
from orgunits.selectors import AnyUser, role_paths
from orgunits.todos import Todo, register

from . import reminders, selectors
from .models import Circulation, Comment, PeriodStatus, Report

OFFICER_PERMISSION = "appraise"
UNITS_NAMED = 3


def reports_to_write(user: AnyUser) -> list[tuple[Report, dt.date | None]]:
    """The user's own reports not yet handed in, in open periods, with their deadline."""
    reports = list(
        selectors.my_reports(user).filter(
            subject__period__status=PeriodStatus.OPEN, status__in=reminders.OPEN_STATUSES
        )
    )
    by_period: dict[int, list[Report]] = defaultdict(list)
    for report in reports:
        by_period[report.subject.period_id].append(report)
    due: dict[tuple[int, int], dt.date] = {}
    for group in by_period.values():
        period = group[0].subject.period
        for unit_id, day in reminders.self_report_due(
            period, {r.subject.unit_id for r in group}
        ).items():
            due[(period.pk, unit_id)] = day
    return [(r, due.get((r.subject.period_id, r.subject.unit_id))) for r in reports]


def drafts_to_comment(user: AnyUser, today: dt.date) -> int:
    """Colleagues' circulated drafts whose meeting is still ahead and which the user has not
    commented on under their name (an anonymous comment cannot be told apart: it stays)."""
    if not user.is_authenticated:
        return 0
    # The circulations ahead at the user's own units first (a few rows, usually none): one
    # query over every circulated report with its subqueries cost ~9 ms of PostgreSQL planning
    # on each dashboard view, most of them for members with nothing to comment on.
    ahead = list(
        Circulation.objects.filter(
            unit__in=Membership.objects.filter(person__user=user).values("unit_id"),
            meeting_on__gte=today,
            period__status=PeriodStatus.OPEN,
        ).values_list("period_id", "unit_id")
    )
    if not ahead:
        return 0
    sites = Q()
    for period_id, unit_id in ahead:
        sites |= Q(subject__period_id=period_id, subject__unit_id=unit_id)
    commented = Comment.objects.filter(report=OuterRef("pk"), author__user=user)
    return (
        Report.objects.filter(sites, circulated_on__isnull=False)
        .exclude(subject__person__user=user)
        .exclude(Exists(commented))
        .count()
    )


def late_units_for_officer(user: AnyUser, today: dt.date) -> list[tuple[object, OrgUnit, list]]:
    """For each open period and each unit the user appraises, the units below it late with
    their self-reviews (as the deadline reminders count them)."""
    paths = role_paths(user).get(OFFICER_PERMISSION, [])
    if not paths:
        return []
    roots = list(OrgUnit.objects.filter(path__in=paths).order_by("path"))
    calendar = selectors.work_calendar()
    found = []
    for period in reminders.open_periods():
        for root in roots:
            if not (
                root.path.startswith(period.scope.path) or period.scope.path.startswith(root.path)
            ):
                continue
            units = reminders.late_units(period, today, calendar, root.path)
            if units:
                found.append((period, root, units))
    return found


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def review_todos(user: AnyUser, today: dt.date) -> list[Todo]:
    """The review's cards for the user's dashboard."""
    cards = [
        Todo(
            kind="write_report",
            title=_("Write your self-review"),
            detail=f"{report.subject.unit.name} · {report.subject.period.name}",
            url=reverse("reviews:report_edit", args=[report.pk]),
            action=_("Open the report"),
            due=due,
            order=10,
        )
        for report, due in reports_to_write(user)
    ]
    count = drafts_to_comment(user, today)
    if count:
        cards.append(
            Todo(
                kind="comment_drafts",
                title=ngettext("Comment on %(count)d draft", "Comment on %(count)d drafts", count)
                % {"count": count},
                detail=_("Your colleagues' self-reviews sent before the meeting."),
                url=reverse("reviews:my_reports"),
                action=_("Give your comments"),
                order=20,
            )
        )
    for period, root, units in late_units_for_officer(user, today):
        names = ", ".join(u.name for u in units[:UNITS_NAMED])
        if len(units) > UNITS_NAMED:
            names += " …"
        cards.append(
            Todo(
                kind="late_units",
                title=ngettext(
                    "%(count)d unit late with its self-reviews",
                    "%(count)d units late with their self-reviews",
                    len(units),
                )
                % {"count": len(units)},
                detail=f"{names} · {period.name}",
                url=reverse(
                    "reviews:period_progress", kwargs={"pk": period.pk, "unit_pk": root.pk}
                ),
                action=_("See the progress"),
                due=min(u.due for u in units),
                order=40,
            )
        )
    return cards


def register_todos() -> None:
    register("reviews", review_todos)

"""Deadline reminders: what each person, secretary and organisation officer is told today.

For every open period, each unit's self-report deadline comes from the period's calendar in
Vietnamese working days — the same arithmetic as `selectors.unit_schedule`, a unit's own
override first. Only reports not yet handed in count (not started, drafting, returned):

- due within the next `DUE_SOON_WORKING_DAYS` working days (or today) → the author is
  reminded, once per report per day (`due_soon`);
- past the deadline → the secretaries (`run_review` on the unit or an ancestor) get one
  notification per unit they hold the role on, counting the late reports beneath it
  (`overdue_unit`);
- more than `OFFICER_AFTER_WORKING_DAYS` working days late → the same, to the organisation
  officers (`appraise` on the unit or an ancestor) (`overdue_escalated`).

Nothing is sent on a non-working day. The day is always passed in: no clock is read here.

**Batches are made of recipients, not of units.** The digest e-mail must list all of a
person's notifications of the day, and a person can be reached from many units (a leader at
two review sites, a district secretary above fifty cells, a province officer above all) and
from several open periods. So `recipients_for_day` lists everyone who may be told something
today, the daily task cuts that list into batches of `BATCH_SIZE` users, and each batch builds
*every* notification of its users (all periods, all units) before it sends their digests: a
batch owns its recipients, so each digest is complete without waiting for other batches.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from guardian.models import GroupObjectPermission, UserObjectPermission

from notifications import services as notification_services
from notifications.services import NotificationDraft
from orgunits.models import OrgUnit

from . import selectors
from .models import Milestone, PeriodStatus, Report, ReportStatus, ReviewPeriod, ScheduleOverride
from .workdays import WorkCalendar

OPEN_STATUSES = (ReportStatus.NOT_STARTED, ReportStatus.DRAFTING, ReportStatus.RETURNED)
DUE_SOON_WORKING_DAYS = 2
OFFICER_AFTER_WORKING_DAYS = 2
# ≈ 500 recipients per task: a few seconds of work, small messages, many tasks to share.
BATCH_SIZE = 500
SECRETARY_PERMISSION = "run_review"
OFFICER_PERMISSION = "appraise"
# Notifications are stored in the official language; the e-mail is Vietnamese too.
LANGUAGE = "vi"
UNITS_LISTED = 10


class ReminderKind:
    """The `kind` of the notifications made here."""

    DUE_SOON = "due_soon"  # to the author, before the deadline
    OVERDUE_UNIT = "overdue_unit"  # to the secretaries, once late
    OVERDUE_ESCALATED = "overdue_escalated"  # to the organisation officers, when later still


@dataclass(frozen=True)
class LateUnit:
    unit_id: int
    name: str
    path: str
    due: dt.date
    working_days_late: int
    open_reports: int


@dataclass(frozen=True)
class Grant:
    user_id: int
    unit_id: int
    path: str
    name: str


# -- the calendar ----------------------------------------------------------------------------


def open_periods(period_ids: Sequence[int] | None = None) -> list[ReviewPeriod]:
    """Open periods, optionally only some of them."""
    periods = ReviewPeriod.objects.filter(status=PeriodStatus.OPEN).select_related("scope")
    if period_ids is not None:
        periods = periods.filter(pk__in=list(period_ids))
    return list(periods.order_by("pk"))


def self_report_due(period: ReviewPeriod, unit_ids: Iterable[int]) -> dict[int, dt.date]:
    """Each unit's self-report deadline as `selectors.unit_schedule` computes it, for many
    units in two queries. Units whose kind has no calendar tier are left out."""
    unit_ids = list(unit_ids)
    overrides = dict(
        ScheduleOverride.objects.filter(
            period=period, unit_id__in=unit_ids, milestone=Milestone.SELF_REPORT_DUE
        ).values_list("unit_id", "day")
    )
    calendar = selectors.work_calendar()
    computed: dict[tuple[str, str, bool], dt.date | None] = {}
    result: dict[int, dt.date] = {}
    units = OrgUnit.objects.filter(pk__in=unit_ids).only(
        "pk", "path", "kind", "has_special_calendar"
    )
    for unit in units:
        if unit.pk in overrides:
            result[unit.pk] = overrides[unit.pk]
            continue
        ruleset = selectors.ruleset_for_unit(period, unit)
        key = (ruleset.digest, unit.kind, unit.has_special_calendar)
        if key not in computed and period.is_quarterly and ruleset.quarterly:
            computed[key] = selectors.quarter_last_day(period, ruleset)
        if key not in computed:
            try:
                offset = ruleset.tier_for_kind(unit.kind).self_report_due
            except KeyError:
                computed[key] = None
            else:
                due = calendar.add_working_days(period.opens_on, offset)
                # Never after the season's fixed end, as selectors.unit_schedule.
                finish = selectors.unit_finish_date(period, unit)
                computed[key] = min(due, finish) if finish else due
        if computed[key] is not None:
            result[unit.pk] = computed[key]
    return result


def _is_due_soon(calendar: WorkCalendar, day: dt.date, due: dt.date) -> bool:
    return due >= day and calendar.working_days_between(day, due) <= DUE_SOON_WORKING_DAYS


def _open_reports_by_unit(period: ReviewPeriod, path: str | None = None) -> dict[int, int]:
    reports = Report.objects.filter(subject__period=period, status__in=OPEN_STATUSES)
    if path is not None:
        reports = reports.filter(subject__unit__path__startswith=path)
    return dict(
        reports.values("subject__unit_id")
        .annotate(n=Count("pk"))
        .values_list("subject__unit_id", "n")
    )


def late_units(
    period: ReviewPeriod, day: dt.date, calendar: WorkCalendar, path: str | None = None
) -> list[LateUnit]:
    """Units (in the subtree at `path`, or all) with reports still open after the deadline."""
    counts = _open_reports_by_unit(period, path)
    due = self_report_due(period, counts)
    units = {
        pk: (name, unit_path)
        for pk, name, unit_path in OrgUnit.objects.filter(pk__in=list(due)).values_list(
            "pk", "name", "path"
        )
    }
    late = [
        LateUnit(
            unit_id=unit_id,
            name=units[unit_id][0],
            path=units[unit_id][1],
            due=day_due,
            working_days_late=calendar.working_days_between(day_due, day),
            open_reports=counts[unit_id],
        )
        for unit_id, day_due in due.items()
        if day_due < day
    ]
    return sorted(late, key=lambda u: u.path)


# -- who holds a role where ------------------------------------------------------------------


def _grants(
    codename: str, *, user_ids: Sequence[int] | None = None, unit_ids: Iterable[int] | None = None
) -> list[Grant]:
    """Direct and group grants of a role permission on units (guardian rows)."""
    content_type = ContentType.objects.get_for_model(OrgUnit)
    direct = UserObjectPermission.objects.filter(
        content_type=content_type, permission__codename=codename
    )
    via_group = GroupObjectPermission.objects.filter(
        content_type=content_type, permission__codename=codename
    )
    if unit_ids is not None:
        keys = [str(pk) for pk in unit_ids]
        direct = direct.filter(object_pk__in=keys)
        via_group = via_group.filter(object_pk__in=keys)
    if user_ids is not None:
        direct = direct.filter(user_id__in=list(user_ids))
    pairs = set(direct.values_list("user_id", "object_pk"))
    group_units: dict[int, set[str]] = defaultdict(set)
    for group_id, object_pk in via_group.values_list("group_id", "object_pk"):
        group_units[group_id].add(object_pk)
    if group_units:
        members = get_user_model().groups.through.objects.filter(group_id__in=list(group_units))
        if user_ids is not None:
            members = members.filter(user_id__in=list(user_ids))
        for user_id, group_id in members.values_list("user_id", "group_id"):
            pairs.update((user_id, object_pk) for object_pk in group_units[group_id])
    units = {
        u.pk: u
        for u in OrgUnit.objects.filter(pk__in={int(pk) for _, pk in pairs}).only(
            "pk", "path", "name"
        )
    }
    return [
        Grant(user_id=user_id, unit_id=unit.pk, path=unit.path, name=unit.name)
        for user_id, object_pk in sorted(pairs)
        if (unit := units.get(int(object_pk))) is not None
    ]


def _outermost_per_user(grants: Iterable[Grant]) -> dict[int, list[Grant]]:
    # A role on a unit covers its subtree: a grant inside another one adds nothing.
    by_user: dict[int, list[Grant]] = defaultdict(list)
    for grant in sorted(grants, key=lambda g: (g.user_id, g.path)):
        kept = by_user[grant.user_id]
        if not any(grant.path.startswith(other.path) for other in kept):
            kept.append(grant)
    return by_user


def _ancestor_paths(paths: Iterable[str]) -> set[str]:
    step = OrgUnit.steplen
    return {p[:i] for p in paths for i in range(step, len(p) + 1, step)}


# -- the coordinator's list ------------------------------------------------------------------


def recipients_for_day(*, day: dt.date, period_ids: Sequence[int] | None = None) -> list[int]:
    """Every user who may be notified on `day` (ascending ids); empty on a non-working day."""
    calendar = selectors.work_calendar()
    if not calendar.is_working_day(day):
        return []
    users: set[int] = set()
    for period in open_periods(period_ids):
        counts = _open_reports_by_unit(period)
        due = self_report_due(period, counts)
        soon = [unit_id for unit_id, d in due.items() if _is_due_soon(calendar, day, d)]
        if soon:
            users.update(
                Report.objects.filter(
                    subject__period=period,
                    status__in=OPEN_STATUSES,
                    subject__unit_id__in=soon,
                    subject__person__user__isnull=False,
                ).values_list("subject__person__user_id", flat=True)
            )
        late = {unit_id: d for unit_id, d in due.items() if d < day}
        if not late:
            continue
        paths = dict(OrgUnit.objects.filter(pk__in=list(late)).values_list("pk", "path"))
        escalated = [
            paths[unit_id]
            for unit_id, d in late.items()
            if calendar.working_days_between(d, day) > OFFICER_AFTER_WORKING_DAYS
        ]
        for codename, unit_paths in (
            (SECRETARY_PERMISSION, list(paths.values())),
            (OFFICER_PERMISSION, escalated),
        ):
            if not unit_paths:
                continue
            holders_on = OrgUnit.objects.filter(path__in=_ancestor_paths(unit_paths))
            unit_ids = list(holders_on.values_list("pk", flat=True))
            users.update(g.user_id for g in _grants(codename, unit_ids=unit_ids))
    return sorted(users)


# -- one batch: every notification of its users ----------------------------------------------


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _due_soon_draft(
    calendar: WorkCalendar, day: dt.date, period: ReviewPeriod, row: dict, due: dt.date
) -> NotificationDraft:
    left = calendar.working_days_between(day, due)
    if due == day:
        title = _("Your self-review is due today (%(date)s)") % {"date": _fmt(due)}
    else:
        title = ngettext(
            "Your self-review is due on %(date)s, in %(days)d working day",
            "Your self-review is due on %(date)s, in %(days)d working days",
            left,
        ) % {"date": _fmt(due), "days": left}
    body = _("%(form)s at %(unit)s, %(period)s. Status: %(status)s.") % {
        "form": row["form_code"],
        "unit": row["subject__unit__name"],
        "period": period.name,
        "status": ReportStatus(row["status"]).label,
    }
    return NotificationDraft(
        recipient_id=row["subject__person__user_id"],
        kind=ReminderKind.DUE_SOON,
        item_key=f"report:{row['pk']}:{Milestone.SELF_REPORT_DUE}",
        title=title,
        body=body,
        url=reverse("reviews:report_edit", args=[row["pk"]]),
    )


def _late_lines(units: list[LateUnit]) -> str:
    lines = [
        ngettext(
            "– %(unit)s: %(count)d report, due %(date)s, %(late)d working days late",
            "– %(unit)s: %(count)d reports, due %(date)s, %(late)d working days late",
            u.open_reports,
        )
        % {
            "unit": u.name,
            "count": u.open_reports,
            "date": _fmt(u.due),
            "late": u.working_days_late,
        }
        for u in units[:UNITS_LISTED]
    ]
    if len(units) > UNITS_LISTED:
        lines.append(
            _("… and %(more)d more units.") % {"more": len(units) - UNITS_LISTED},
        )
    return "\n".join(lines)


def _escalation_draft(
    kind: str, grant: Grant, period: ReviewPeriod, units: list[LateUnit]
) -> NotificationDraft:
    # A role held above the period's scope links to the scope (the progress page is per period).
    if grant.path.startswith(period.scope.path):
        unit_id, unit_name = grant.unit_id, grant.name
    else:
        unit_id, unit_name = period.scope_id, period.scope.name
    total = sum(u.open_reports for u in units)
    if kind == ReminderKind.OVERDUE_UNIT:
        title = _("Overdue self-reviews in %(unit)s") % {"unit": unit_name}
    else:
        title = _(
            "Escalation: self-reviews more than %(days)d working days overdue in %(unit)s"
        ) % {"days": OFFICER_AFTER_WORKING_DAYS, "unit": unit_name}
    intro = ngettext(
        "%(count)d report of %(period)s is past its self-review deadline:",
        "%(count)d reports of %(period)s are past their self-review deadline:",
        total,
    ) % {"count": total, "period": period.name}
    return NotificationDraft(
        recipient_id=grant.user_id,
        kind=kind,
        item_key=f"period:{period.pk}:unit:{unit_id}:{Milestone.SELF_REPORT_DUE}",
        title=title,
        body=f"{intro}\n{_late_lines(units)}",
        url=reverse("reviews:period_progress", kwargs={"pk": period.pk, "unit_pk": unit_id}),
    )


def build_reminders(
    *, day: dt.date, user_ids: Sequence[int], period_ids: Sequence[int] | None = None
) -> list[NotificationDraft]:
    """All of the day's notifications for these users, across the open periods."""
    calendar = selectors.work_calendar()
    if not calendar.is_working_day(day) or not user_ids:
        return []
    user_ids = list(user_ids)
    secretaries = _outermost_per_user(_grants(SECRETARY_PERMISSION, user_ids=user_ids))
    officers = _outermost_per_user(_grants(OFFICER_PERMISSION, user_ids=user_ids))
    drafts: list[NotificationDraft] = []
    with translation.override(LANGUAGE):
        for period in open_periods(period_ids):
            rows = list(
                Report.objects.filter(
                    subject__period=period,
                    status__in=OPEN_STATUSES,
                    subject__person__user_id__in=user_ids,
                ).values(
                    "pk",
                    "form_code",
                    "status",
                    "subject__unit_id",
                    "subject__unit__name",
                    "subject__person__user_id",
                )
            )
            due = self_report_due(period, {r["subject__unit_id"] for r in rows})
            for row in rows:
                unit_due = due.get(row["subject__unit_id"])
                if unit_due is not None and _is_due_soon(calendar, day, unit_due):
                    drafts.append(_due_soon_draft(calendar, day, period, row, unit_due))

            late_by_path: dict[str, list[LateUnit]] = {}
            for kind, holders, minimum in (
                (ReminderKind.OVERDUE_UNIT, secretaries, 0),
                (ReminderKind.OVERDUE_ESCALATED, officers, OFFICER_AFTER_WORKING_DAYS),
            ):
                for grants in holders.values():
                    for grant in grants:
                        if grant.path not in late_by_path:
                            late_by_path[grant.path] = late_units(period, day, calendar, grant.path)
                        units = [
                            u for u in late_by_path[grant.path] if u.working_days_late > minimum
                        ]
                        if units:
                            drafts.append(_escalation_draft(kind, grant, period, units))
    return drafts


def remind_users(
    *, day: dt.date, user_ids: Sequence[int], period_ids: Sequence[int] | None = None
) -> int:
    """Record the day's notifications of these users; returns how many were new (0 on a
    rerun)."""
    return notification_services.notify_many(
        day=day, drafts=build_reminders(day=day, user_ids=user_ids, period_ids=period_ids)
    )


def batches(user_ids: Sequence[int], size: int = BATCH_SIZE) -> list[list[int]]:
    """The recipients cut into task-sized lists."""
    return [list(user_ids[i : i + size]) for i in range(0, len(user_ids), size)]

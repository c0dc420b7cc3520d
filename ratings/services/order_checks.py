"""Appraisal check of the order in which subjects were reviewed (Art. 12(2) QĐ 366, R-L3).

Where a subject was reviewed is read from the meetings of the period: the meeting's first day
and the subject's place on its agenda. Two subjects reviewed at the same meeting are ordered by
their agenda positions; at different meetings by the meetings' days (two meetings on the same
day cannot be ordered and are not flagged). The rules:

- a unit's own collective against its individuals: before them or after them as the rule set's
  `[meeting]` order says (leadership collective before its members and head; under QĐ 366 the
  party organisation after its members);
- collectives: every collective below a unit (sub-organisations, the state bodies and leadership
  collectives under a party organisation, lower levels) before that unit's collective.

The check never caps a level: it is a warning the officer reads, carried by the subject that
was reviewed too early.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from orgunits.models import OrgUnit
from reviews import selectors as review_selectors
from reviews.models import ReviewPeriod, Subject

from ..models import AgendaItem
from .checks import Check
from .meetings import COLLECTIVE_FIRST, agenda_band

CODE = "order"


@dataclass(frozen=True)
class Reviewed:
    """When and where a subject was reviewed: its meeting, the day, its place on the agenda."""

    meeting_id: int
    day: dt.date
    position: int

    def before(self, other: Reviewed) -> bool | None:
        """True / False when the order is known, None for two meetings on the same day."""
        if self.meeting_id == other.meeting_id:
            return self.position < other.position
        if self.day == other.day:
            return None
        return self.day < other.day


def reviewed_at(period: ReviewPeriod, subject_ids: Iterable[int]) -> dict[int, Reviewed]:
    """The latest meeting of the period at which each subject was on the agenda."""
    found: dict[int, Reviewed] = {}
    items = (
        AgendaItem.objects.filter(meeting__period=period, subject_id__in=list(subject_ids))
        .order_by("meeting__starts_on", "meeting_id")
        .values_list("subject_id", "meeting_id", "meeting__starts_on", "position")
    )
    for subject_id, meeting_id, day, position in items:
        found[subject_id] = Reviewed(meeting_id, day, position)
    return found


def _label(subject: Subject) -> str:
    if subject.person_id is None:
        return f"tập thể {subject.unit.name}"
    return f"đồng chí {subject.person.full_name} ({subject.unit.name})"


def _pairs(period: ReviewPeriod, subjects: list[Subject]) -> Iterable[tuple[Subject, Subject]]:
    """(earlier, later): every pair the rules order, the first to be reviewed before the other."""
    collectives = {s.unit_id: s for s in subjects if s.person_id is None}
    for subject in subjects:
        collective = collectives.get(subject.unit_id)
        if subject.person_id is None or collective is None:
            continue
        rule = review_selectors.ruleset_for_unit(period, subject.unit).meeting
        band = agenda_band(unit_kind=subject.unit.kind, is_collective=True, role_rank=0, rule=rule)
        yield (collective, subject) if band == COLLECTIVE_FIRST else (subject, collective)
    by_path = {s.unit.path: s for s in collectives.values()}
    for lower in by_path.values():
        path = lower.unit.path[: -OrgUnit.steplen]
        while path:
            upper = by_path.get(path)
            if upper is not None:
                yield lower, upper
            path = path[: -OrgUnit.steplen]


def order_checks(period: ReviewPeriod, subjects: list[Subject]) -> dict[int, list[Check]]:
    """One check per subject whose review can be placed: reviewed too early, or in order."""
    when = reviewed_at(period, [s.pk for s in subjects])
    too_early: dict[int, list[Subject]] = defaultdict(list)
    compared: set[int] = set()
    for earlier, later in _pairs(period, subjects):
        if earlier.pk not in when or later.pk not in when:
            continue
        in_order = when[earlier.pk].before(when[later.pk])
        if in_order is None:
            continue
        compared.add(later.pk)
        if not in_order:
            too_early[later.pk].append(earlier)
    checks: dict[int, list[Check]] = {}
    for subject in subjects:
        if too_early.get(subject.pk):
            names = ", ".join(_label(s) for s in too_early[subject.pk])
            checks[subject.pk] = [
                Check(
                    CODE,
                    False,
                    f"Thứ tự đánh giá chưa đúng: được kiểm điểm trước {names}, trong khi theo "
                    "quy định phải kiểm điểm sau.",
                )
            ]
        elif subject.pk in compared:
            checks[subject.pk] = [Check(CODE, True, "Thứ tự đánh giá đúng quy định.")]
    return checks

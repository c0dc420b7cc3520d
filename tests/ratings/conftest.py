"""A meeting of chi bộ A with N convened people, enrolled in the period and ready to vote.

`make_meeting(n)` tops chi bộ A up to n current members (the personas already there — the
secretary, and the member when a test asks for it — count towards n and come first), enrols the
period, creates the meeting chaired by the secretary and marks attendance through the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from orgunits.models import Person
from ratings.models import BallotRound, Candidate, Meeting, RoundKind, RoundMode
from ratings.services import ballots, meetings
from reviews.models import ReviewPeriod
from reviews.services import enrolment

from ..factories import MembershipFactory, PersonFactory

MEETING_DAY = dt.date(2026, 12, 8)
ABSENCE_REASON = "Đi công tác"


@dataclass
class ConvenedMeeting:
    meeting: Meeting
    period: ReviewPeriod
    people: list[Person]  # every convened person, by id: personas first
    present: list[Person]

    def prepare(
        self,
        kind: str = RoundKind.RATING,
        mode: str = RoundMode.ELECTRONIC,
        candidates: int | None = None,
    ) -> BallotRound:
        """Prepare a round; `candidates` keeps only the first individuals of the agenda."""
        subject_ids = None
        if candidates is not None:
            subject_ids = list(
                self.meeting.agenda.filter(subject__person__isnull=False)
                .order_by("position")
                .values_list("subject_id", flat=True)[:candidates]
            )
        return ballots.prepare_round(
            meeting=self.meeting, kind=kind, mode=mode, subject_ids=subject_ids
        )

    def open(self, **kwargs) -> BallotRound:
        return ballots.open_round(ballot_round=self.prepare(**kwargs))

    @staticmethod
    def candidates(ballot_round: BallotRound) -> list[Candidate]:
        return list(ballot_round.candidates.select_related("subject__person").order_by("position"))

    def cast_all(
        self,
        ballot_round: BallotRound,
        choose: Callable[[int, list[Candidate]], dict[str, str]],
        voters: Iterable[Person] | None = None,
    ) -> None:
        """Every present person (or `voters`) votes `choose(index, candidates)`."""
        candidates = self.candidates(ballot_round)
        for index, voter in enumerate(self.present if voters is None else voters):
            ballots.cast_ballot(
                ballot_round=ballot_round, voter=voter, choices=choose(index, candidates)
            )


def everyone(code: str) -> Callable[[int, list[Candidate]], dict[str, str]]:
    """A choice function: every candidate gets `code`."""
    return lambda _index, candidates: {str(c.pk): code for c in candidates}


@pytest.fixture
def make_meeting(tree, period, secretary) -> Callable[..., ConvenedMeeting]:
    def make(
        n: int,
        *,
        present: int | None = None,
        leaders: int = 0,
        kind: str | None = None,
        duration_days: Decimal = Decimal("1.0"),
    ) -> ConvenedMeeting:
        unit = tree.cell_a
        existing = Person.objects.filter(memberships__unit=unit).distinct().count()
        if existing > n:
            raise ValueError(f"chi bộ A already has {existing} members")
        for index in range(n - existing):
            person = PersonFactory(has_leadership_post=index < leaders)
            MembershipFactory(person=person, unit=unit)
        enrolment.enrol_period(period=period)
        meeting = meetings.create_meeting(
            period=period,
            unit=unit,
            chair=secretary,
            starts_on=MEETING_DAY,
            ends_on=MEETING_DAY,
            duration_days=duration_days,
            kind=kind,
        )
        people = [
            a.person for a in meeting.attendance.select_related("person").order_by("person_id")
        ]
        assert len(people) == n
        n_present = n if present is None else present
        for index, person in enumerate(people):
            if index < n_present:
                meetings.set_attendance(meeting=meeting, person=person, present=True)
            else:
                meetings.set_attendance(
                    meeting=meeting, person=person, present=False, absence_reason=ABSENCE_REASON
                )
        return ConvenedMeeting(meeting, period, people, people[:n_present])

    return make

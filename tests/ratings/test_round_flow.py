"""What the chair does next: the follow-up round for those who reached no level, the close
confirmation when voters are missing, the meeting's status and secretary, and members
suspended from party activities, who receive no ballot."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from orgunits.models import PartyStatus
from ratings.exceptions import (
    MeetingHasOpenRound,
    NoFollowUpNeeded,
    SecretaryNotPresent,
    SuspendedFromVoting,
    VotersMissing,
)
from ratings.models import MeetingStatus, RoundStatus
from ratings.services import ballots, follow_up, meetings
from reviews.services import enrolment

from .conftest import everyone

LEVELS = ["HTXS", "HTT", "HT", "KHT"]


def _split_for_first(index: int, candidates) -> dict[str, str]:
    """The first candidate's votes are split over the four levels (no majority); the others
    get HTT from everyone."""
    choices = {str(c.pk): "HTT" for c in candidates}
    choices[str(candidates[0].pk)] = LEVELS[index % len(LEVELS)]
    return choices


def _suspend(convened, person) -> None:
    person.party_status = PartyStatus.SUSPENDED
    person.save()
    enrolment.enrol_period(period=convened.period)


# -- the follow-up round -------------------------------------------------------------------------


def test_prepare_follow_up_round_does_list_exactly_those_who_reached_no_level(make_meeting):
    convened = make_meeting(4)
    first = convened.open(candidates=3)
    convened.cast_all(first, _split_for_first)
    first = ballots.close_round(ballot_round=first)
    stuck = convened.candidates(first)[0].subject

    assert follow_up.no_level_reached(first) == [stuck]
    second = follow_up.prepare_follow_up_round(ballot_round=first)
    assert second.number == 2
    assert second.kind == first.kind and second.mode == first.mode
    assert [c.subject for c in convened.candidates(second)] == [stuck]
    # A second click returns the round already prepared for them.
    assert follow_up.prepare_follow_up_round(ballot_round=first) == second


def test_prepare_follow_up_round_rejects_when_everyone_reached_a_level(make_meeting):
    convened = make_meeting(3)
    ballot_round = convened.open(candidates=2)
    convened.cast_all(ballot_round, everyone("HTT"))
    ballot_round = ballots.close_round(ballot_round=ballot_round)
    with pytest.raises(NoFollowUpNeeded):
        follow_up.prepare_follow_up_round(ballot_round=ballot_round)


def test_round_results_does_guide_the_chair_to_a_follow_up_round_when_some_reached_no_level(
    make_meeting, client, secretary
):
    convened = make_meeting(4)
    first = convened.open(candidates=3)
    convened.cast_all(first, _split_for_first)
    first = ballots.close_round(ballot_round=first)
    client.force_login(secretary)

    page = client.get(reverse("ratings:round_results", args=[first.pk])).content.decode()
    assert "1 người không đạt mức nào ở vòng này." in page
    assert "tổ chức bỏ phiếu lại chỉ cho 1 người này" in page
    response = client.post(reverse("ratings:round_follow_up", args=[first.pk]))
    second = convened.meeting.rounds.get(number=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("ratings:round_console", args=[second.pk])
    assert second.candidates.count() == 1


# -- closing with voters missing -----------------------------------------------------------------


def test_close_round_rejects_close_when_voters_missing_and_not_confirmed(make_meeting):
    convened = make_meeting(4)
    ballot_round = convened.open(candidates=2)
    convened.cast_all(ballot_round, everyone("HTT"), voters=convened.present[:3])
    with pytest.raises(VotersMissing, match=re.escape("3/4 người đã bỏ phiếu — đóng phiếu?")):
        ballots.close_round(ballot_round=ballot_round, missing_confirmed=False)
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.OPEN


def test_round_close_view_does_ask_for_confirmation_when_voters_are_missing(
    make_meeting, client, secretary
):
    convened = make_meeting(4)
    ballot_round = convened.open(candidates=2)
    convened.cast_all(ballot_round, everyone("HTT"), voters=convened.present[:3])
    client.force_login(secretary)
    url = reverse("ratings:round_close", args=[ballot_round.pk])

    asked = client.post(url)
    assert asked.status_code == 200
    assert "3/4 người đã bỏ phiếu — đóng phiếu?" in asked.content.decode()
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.OPEN

    assert client.post(url, {"confirm": "1"}).status_code == 302
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.CLOSED
    assert (ballot_round.tally.issued, ballot_round.tally.returned) == (4, 3)


def test_round_close_view_does_close_without_asking_when_everyone_voted(
    make_meeting, client, secretary
):
    convened = make_meeting(3)
    ballot_round = convened.open(candidates=2)
    convened.cast_all(ballot_round, everyone("HTT"))
    client.force_login(secretary)
    assert client.post(reverse("ratings:round_close", args=[ballot_round.pk])).status_code == 302
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.CLOSED


# -- members suspended from party activities -----------------------------------------------------


def test_cast_ballot_rejects_vote_when_voter_is_suspended_from_party_activities(make_meeting):
    convened = make_meeting(4)
    suspended = convened.present[3]
    _suspend(convened, suspended)
    ballot_round = convened.open(candidates=2)
    with pytest.raises(SuspendedFromVoting, match="đình chỉ sinh hoạt đảng"):
        convened.cast_all(ballot_round, everyone("HTT"), voters=[suspended])
    assert ballots.participation_count(ballot_round) == 0


def test_open_round_does_leave_suspended_members_out_of_the_quorum_when_rule_set_says_so(
    make_meeting,
):
    # vote.suspended_in_quorum is false in every shipped rule set.
    convened = make_meeting(4)
    suspended = convened.present[3]
    _suspend(convened, suspended)
    ballot_round = convened.open(candidates=2)
    assert (ballot_round.convened_count, ballot_round.present_count) == (3, 3)
    assert ballots.present_without_ballot(ballot_round) == [suspended]
    convened.cast_all(ballot_round, everyone("HTT"), voters=convened.present[:3])
    ballot_round = ballots.close_round(ballot_round=ballot_round, missing_confirmed=False)
    assert ballot_round.tally.issued == 3


def test_round_console_does_tell_the_chair_who_receives_no_ballot_and_why(
    make_meeting, client, secretary
):
    convened = make_meeting(4)
    suspended = convened.present[3]
    _suspend(convened, suspended)
    ballot_round = convened.open(candidates=2)
    client.force_login(secretary)
    page = client.get(reverse("ratings:round_console", args=[ballot_round.pk])).content.decode()
    assert f"{suspended.full_name}: đang bị đình chỉ sinh hoạt đảng, không được bỏ phiếu" in page
    assert "0/3" in page


# -- the meeting's status and secretary ----------------------------------------------------------


def test_set_attendance_does_move_the_meeting_in_progress_when_the_roll_is_taken(make_meeting):
    convened = make_meeting(2)
    convened.meeting.refresh_from_db()
    assert convened.meeting.status == MeetingStatus.IN_PROGRESS


def test_close_meeting_rejects_close_when_a_round_is_open(make_meeting):
    convened = make_meeting(3)
    ballot_round = convened.open(candidates=1)
    with pytest.raises(MeetingHasOpenRound):
        meetings.close_meeting(meeting=convened.meeting)
    convened.cast_all(ballot_round, everyone("HTT"))
    ballot_round = ballots.close_round(ballot_round=ballot_round)
    assert meetings.close_meeting(meeting=convened.meeting).status == MeetingStatus.CLOSED


def test_set_secretary_does_record_a_person_present(make_meeting):
    convened = make_meeting(3)
    person = convened.present[1]
    meeting = meetings.set_secretary(meeting=convened.meeting, person=person)
    meeting.refresh_from_db()
    assert (meeting.secretary, meeting.secretary_name) == (person, person.full_name)


def test_set_secretary_rejects_person_when_absent(make_meeting):
    convened = make_meeting(3, present=2)
    absent = convened.people[2]
    with pytest.raises(SecretaryNotPresent):
        meetings.set_secretary(meeting=convened.meeting, person=absent)

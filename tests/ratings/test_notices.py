"""What the rating's events tell whom: the convened, those present at an open round, the
competent authority after an appraisal, the subjects of a published decision — once each."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Notification
from ratings.models import RatingStatus
from ratings.notices import NoticeKind
from ratings.services import appraisal, ballots, meetings

from .conftest import MEETING_DAY
from .test_appraisal import HTT, enrol, make_period, propose_all

pytestmark = pytest.mark.django_db


def _count(user, kind: str) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_create_meeting_does_notify_the_convened_but_not_the_chair(
    member, make_meeting, secretary, org_officer, outsider
):
    convened = make_meeting(3)

    assert _count(member, NoticeKind.MEETING_CONVENED) == 1
    note = Notification.objects.get(recipient=member, kind=NoticeKind.MEETING_CONVENED)
    assert note.url == f"/meetings/{convened.meeting.pk}/"
    assert MEETING_DAY.strftime("%d/%m/%Y") in note.title
    for not_told in (secretary, org_officer, outsider):
        assert _count(not_told, NoticeKind.MEETING_CONVENED) == 0


def test_open_round_does_notify_those_present_once_and_not_the_absent(
    member, make_meeting, secretary
):
    convened = make_meeting(3)
    member_attendance = convened.meeting.attendance.get(person=member.person)
    meetings.set_attendance(
        meeting=convened.meeting, person=member.person, present=False, absence_reason="Ốm"
    )
    assert member_attendance.pk
    ballot_round = convened.open()
    ballots.close_round(ballot_round=ballot_round)

    assert _count(member, NoticeKind.ROUND_OPEN) == 0
    assert _count(secretary, NoticeKind.ROUND_OPEN) == 1
    note = Notification.objects.get(recipient=secretary, kind=NoticeKind.ROUND_OPEN)
    assert note.url == f"/rounds/{ballot_round.pk}/vote/"


def test_appraise_does_notify_the_deciding_authority_once_when_run_twice(
    tree, member, org_officer, authority, secretary, outsider
):
    period = make_period(tree, org_officer, 2026)
    enrol(period)
    propose_all(period, HTT)

    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)

    assert _count(authority, NoticeKind.AWAITING_DECISION) == 1
    note = Notification.objects.get(recipient=authority, kind=NoticeKind.AWAITING_DECISION)
    assert note.url == f"/periods/{period.pk}/units/{tree.district.pk}/appraisal/"
    for not_told in (org_officer, member, secretary, outsider):
        assert _count(not_told, NoticeKind.AWAITING_DECISION) == 0


def test_publish_does_notify_each_subject_of_the_decision_once(
    tree, member, org_officer, authority, secretary
):
    period = make_period(tree, org_officer, 2026)
    enrol(period)
    propose_all(period, HTT)
    appraisal.appraise(period=period, unit=tree.cell_a, user=org_officer)
    decision = appraisal.decide(
        period=period, unit=tree.cell_a, user=authority, decided_on=dt.date(2026, 12, 20)
    )
    assert _count(member, NoticeKind.RESULT_PUBLISHED) == 0

    appraisal.publish(decision=decision, user=authority)

    assert decision.ratings.filter(status=RatingStatus.PUBLISHED).exists()
    assert _count(member, NoticeKind.RESULT_PUBLISHED) == 1
    assert _count(secretary, NoticeKind.RESULT_PUBLISHED) == 1
    assert _count(authority, NoticeKind.RESULT_PUBLISHED) == 0
    assert Notification.objects.get(recipient=member, kind=NoticeKind.RESULT_PUBLISHED).url == (
        "/my-results/"
    )

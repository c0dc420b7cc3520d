"""The dashboard's to-do cards per persona: each appears at its step and disappears once the
work is done; the page's query count does not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgunits.models import UnitKind
from ratings.models import Rating
from ratings.services import appraisal, ballots, meetings
from ratings.todos import rating_todos
from reviews.models import Report, ReportStatus
from reviews.services import circulation, enrolment
from reviews.todos import review_todos

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory
from .conftest import everyone

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 4)


def kinds(user, today: dt.date = TODAY) -> list[str]:
    return [card.kind for card in (*review_todos(user, today), *rating_todos(user, today))]


def test_dashboard_does_show_write_report_with_deadline_until_submitted(
    client, member_report, member
):
    client.force_login(member)
    cards = client.get("/").context["todos"]
    writing = [c for c in cards if c.kind == "write_report"]
    assert writing and all(c.due is not None for c in writing)
    assert f"/reports/{member_report.pk}/edit/" in {c.url for c in writing}

    Report.objects.filter(subject__person=member.person).update(status=ReportStatus.SUBMITTED)
    assert "write_report" not in kinds(member)


def test_dashboard_does_show_drafts_to_comment_until_commented(
    member_report, member, secretary, enrolled, tree
):
    Report.objects.filter(subject__unit=tree.cell_a).update(status=ReportStatus.DRAFTING)
    circulation.circulate_drafts(
        period=enrolled, unit=tree.cell_a, meeting_on=dt.date(2026, 12, 15), user=secretary
    )
    [card] = [c for c in review_todos(member, TODAY) if c.kind == "comment_drafts"]
    assert card.title == "Góp ý 2 bản dự thảo"

    for report in Report.objects.filter(subject__unit=tree.cell_a).exclude(
        subject__person=member.person
    ):
        circulation.add_comment(report=report, author=member.person, text="Đồng ý")
    assert "comment_drafts" not in kinds(member)
    # After the meeting day the drafts are no longer asked for.
    assert "comment_drafts" not in kinds(secretary, dt.date(2026, 12, 16))


def test_drafts_to_comment_does_not_read_reports_when_no_meeting_is_ahead(
    member_report, member, secretary, enrolled, tree
):
    """Most members have nothing to comment on: the count over the circulated reports (and
    its ~9 ms of PostgreSQL planning) is skipped unless a circulation at their units awaits."""
    from reviews.todos import drafts_to_comment

    with CaptureQueriesContext(connection) as ctx:
        assert drafts_to_comment(member, TODAY) == 0
    assert not [q for q in ctx.captured_queries if '"reviews_report"' in q["sql"]]
    Report.objects.filter(subject__unit=tree.cell_a).update(status=ReportStatus.DRAFTING)
    circulation.circulate_drafts(
        period=enrolled, unit=tree.cell_a, meeting_on=dt.date(2026, 12, 15), user=secretary
    )
    assert drafts_to_comment(member, TODAY) == 2
    assert drafts_to_comment(member, dt.date(2026, 12, 16)) == 0


def test_dashboard_does_show_officer_late_units_after_the_deadline(
    member_report, org_officer, member
):
    assert "late_units" not in kinds(org_officer, dt.date(2026, 12, 2))
    assert "late_units" in kinds(org_officer, dt.date(2027, 2, 1))
    assert "late_units" not in kinds(member, dt.date(2027, 2, 1))


def test_dashboard_does_show_vote_and_chair_cards_while_open(member, make_meeting, secretary):
    convened = make_meeting(3)
    assert "chair_meeting" in kinds(secretary)
    ballot_round = convened.open()
    assert "vote" in kinds(member)
    assert "chair_round" in kinds(secretary)

    convened.cast_all(ballot_round, everyone("HTT"), voters=[member.person])
    assert "vote" not in kinds(member)
    ballots.close_round(ballot_round=ballot_round)
    assert "chair_round" not in kinds(secretary)
    meetings.close_meeting(meeting=convened.meeting)
    assert "chair_meeting" not in kinds(secretary)


def test_dashboard_does_walk_appraise_decide_and_publish(
    member_report, member, org_officer, authority, enrolled, tree
):
    Report.objects.filter(subject__period=enrolled).update(
        status=ReportStatus.SUBMITTED, self_level="HTT", total_points=80
    )
    assert "appraise" in kinds(org_officer)
    assert "decide" not in kinds(authority)

    appraisal.appraise(period=enrolled, unit=tree.district, user=org_officer)
    assert "appraise" not in kinds(org_officer)
    assert "decide" in kinds(authority)
    assert "my_result" not in kinds(member)

    decision = appraisal.decide(
        period=enrolled,
        unit=tree.district,
        user=authority,
        decided_on=dt.date(2026, 12, 20),
        override_reason="Đủ điều kiện theo hồ sơ",
    )
    assert "decide" not in kinds(authority)
    appraisal.publish(decision=decision, user=authority)
    assert "my_result" in kinds(member)
    assert Rating.objects.filter(subject__person=member.person).exists()


def _grow(tree, period, secretary, cells: int) -> None:
    """More cells with submitted reports and more meetings chaired by the secretary."""
    added = []
    for index in range(cells):
        cell = OrgUnitFactory(
            name=f"Chi bộ thêm {index}", kind=UnitKind.PARTY_CELL, parent=tree.district
        )
        for _ in range(2):
            MembershipFactory(person=PersonFactory(), unit=cell)
        added.append(cell)
    enrolment.enrol_period(period=period)
    Report.objects.filter(subject__period=period).exclude(subject__unit=tree.cell_a).update(
        status=ReportStatus.SUBMITTED
    )
    for cell in added:
        meetings.create_meeting(
            period=period,
            unit=cell,
            chair=secretary,
            starts_on=dt.date(2026, 12, 9),
            ends_on=dt.date(2026, 12, 9),
            duration_days=1,
        )


def test_dashboard_query_count_does_not_grow_with_rows(
    client, member_report, member, secretary, org_officer, authority, enrolled, tree
):
    def counts() -> list[int]:
        found = []
        for user in (member, secretary, org_officer, authority):
            client.force_login(user)
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/").status_code == 200
            found.append(len(queries))
        return found

    _grow(tree, enrolled, secretary, 1)
    before = counts()
    _grow(tree, enrolled, secretary, 4)
    assert counts() == before

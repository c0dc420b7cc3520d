"""Pages of meetings and ballot rounds, driven through the test client as the personas."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgunits.models import PartyStatus
from ratings.models import (
    Ballot,
    Meeting,
    Participation,
    RoundMode,
    RoundStatus,
)
from ratings.services import ballots, meetings
from reviews.services import enrolment

from .conftest import ABSENCE_REASON, MEETING_DAY, everyone

LEVEL_LABELS = ["Hoàn thành xuất sắc", "Hoàn thành tốt", "Hoàn thành nhiệm vụ", "Không hoàn thành"]
LEVEL_CODES = ["HTXS", "HTT", "KHT"]


def _choices(ballot_round, code: str) -> dict[str, str]:
    return {f"c-{c.pk}": code for c in ballot_round.candidates.all()}


def _testids(response, testid: str) -> int:
    return response.content.decode().count(f'data-testid="{testid}"')


# -- meetings ---------------------------------------------------------------------------------


def test_meeting_create_does_prefill_the_suggested_kind_and_convene_the_unit(
    client, secretary, period, member, tree
):
    client.force_login(secretary)
    url = reverse("ratings:meeting_create", args=[period.pk, tree.cell_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="party_cell" selected' in page.content.decode()

    response = client.post(
        url,
        {
            "kind": "party_cell",
            "title": "",
            "starts_on": MEETING_DAY.isoformat(),
            "ends_on": MEETING_DAY.isoformat(),
            "duration_days": "1.5",
            "location": "Hội trường thôn",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ratings:meeting_detail", args=[meeting.pk])
    assert meeting.chair == secretary
    assert meeting.attendance.count() == 2
    detail = client.get(response.url)
    assert _testids(detail, "attendance-row") == 2
    assert _testids(detail, "mark-present") == 2


def test_meeting_create_rejects_a_member_without_the_secretary_role(client, member, enrolled, tree):
    client.force_login(member)
    url = reverse("ratings:meeting_create", args=[enrolled.pk, tree.cell_a.pk])
    assert client.get(url).status_code == 403


def test_meeting_attendance_does_return_the_row_and_the_checks_when_htmx(
    client, secretary, member, make_meeting
):
    convened = make_meeting(3, present=0)
    client.force_login(secretary)
    url = reverse("ratings:meeting_attendance", args=[convened.meeting.pk])
    response = client.post(
        url, {"person": member.person.pk, "present": "1"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith("<tr")
    assert 'data-present="yes"' in body
    assert 'hx-swap-oob="true"' in body
    assert "Có mặt 1/3" in body


def test_meeting_attendance_rejects_an_absence_without_reason(
    client, secretary, member, make_meeting
):
    convened = make_meeting(3)
    client.force_login(secretary)
    url = reverse("ratings:meeting_attendance", args=[convened.meeting.pk])
    response = client.post(
        url, {"person": member.person.pk, "present": "0", "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Cần ghi lý do vắng mặt" in response.content.decode()
    assert convened.meeting.attendance.get(person=member.person).present is True


def test_meeting_list_does_not_grow_its_queries_with_the_meetings(
    client, secretary, member, make_meeting, period, tree
):
    convened = make_meeting(3)
    convened.open()
    client.force_login(member)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("ratings:meeting_list")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for _ in range(3):
        meetings.create_meeting(
            period=period,
            unit=tree.cell_a,
            chair=secretary,
            starts_on=MEETING_DAY,
            ends_on=MEETING_DAY,
            duration_days=convened.meeting.duration_days,
        )
    assert count() == before
    page = client.get(reverse("ratings:meeting_list"))
    assert _testids(page, "meeting-row") == 4
    assert _testids(page, "vote-button") == 1


# -- the chair's console ------------------------------------------------------------------------


def test_round_status_does_show_only_the_participation_count_while_open(
    client, secretary, make_meeting
):
    convened = make_meeting(5)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, everyone("HTT"), voters=convened.present[:2])
    client.force_login(secretary)

    fragment = client.get(reverse("ratings:round_status", args=[ballot_round.pk]))
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert re.search(r'data-testid="participation-count">\s*2/5', body)
    assert 'hx-trigger="every 2s"' in body
    # The fragment carries the count and nothing else: no option, no other figure.
    for text in LEVEL_LABELS + LEVEL_CODES:
        assert text not in body
    assert set(re.findall(r"\d+", re.sub(r"<[^>]+>", "", body))) == {"2", "5"}

    console = client.get(reverse("ratings:round_console", args=[ballot_round.pk]))
    assert console.status_code == 200
    for text in LEVEL_LABELS + LEVEL_CODES:
        assert text not in console.content.decode()
    assert _testids(console, "round-close") == 1


def test_round_console_rejects_a_member_who_is_not_the_chair(client, member, make_meeting):
    ballot_round = make_meeting(3).open()
    client.force_login(member)
    assert client.get(reverse("ratings:round_console", args=[ballot_round.pk])).status_code == 403
    assert client.get(reverse("ratings:round_status", args=[ballot_round.pk])).status_code == 403
    response = client.post(reverse("ratings:round_close", args=[ballot_round.pk]))
    assert response.status_code == 403


def test_round_open_and_close_do_move_the_round_and_show_the_links(client, secretary, make_meeting):
    convened = make_meeting(3)
    ballot_round = convened.prepare()
    client.force_login(secretary)
    client.post(reverse("ratings:round_open", args=[ballot_round.pk]))
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.OPEN
    convened.cast_all(ballot_round, everyone("HT"))
    client.post(reverse("ratings:round_close", args=[ballot_round.pk]))
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.CLOSED
    console = client.get(reverse("ratings:round_console", args=[ballot_round.pk]))
    assert _testids(console, "results-link") == 1
    assert _testids(console, "counting-minutes-pdf") == 1


def test_meeting_detail_and_console_do_name_who_was_left_out_and_why(
    client, secretary, make_meeting
):
    convened = make_meeting(4)
    suspended = convened.people[2]
    suspended.party_status = PartyStatus.SUSPENDED
    suspended.save()
    enrolment.enrol_period(period=convened.period)
    ballot_round = convened.prepare()  # the agenda still lists them: the ballot does not
    client.force_login(secretary)
    console = client.get(reverse("ratings:round_console", args=[ballot_round.pk]))
    assert _testids(console, "ballot-left-off-item") == 1
    assert "Không có tên trong phiếu này:" in console.content.decode()
    meetings.build_agenda(meeting=convened.meeting)
    page = client.get(reverse("ratings:meeting_detail", args=[convened.meeting.pk]))
    html = page.content.decode()
    assert _testids(page, "agenda-left-out-item") == 1
    assert suspended.full_name in html and "đảng viên được miễn công tác" in html
    assert "R-E1" not in html


def test_agenda_move_does_refuse_with_the_reason_when_it_breaks_the_order(
    client, secretary, make_meeting
):
    convened = make_meeting(3)
    collective = convened.meeting.agenda.last()
    client.force_login(secretary)
    url = reverse("ratings:agenda_move", args=[collective.pk])
    page = client.post(url, {"direction": "up"}, follow=True)
    assert "được kiểm điểm sau các cá nhân" in page.content.decode()
    assert convened.meeting.agenda.last() == collective
    second = convened.meeting.agenda.get(position=2)
    client.post(reverse("ratings:agenda_move", args=[second.pk]), {"direction": "down"})
    assert convened.meeting.agenda.get(position=3) == second


def test_round_open_rejects_when_the_quorum_is_not_met(client, secretary, make_meeting):
    convened = make_meeting(4, present=1)
    ballot_round = convened.prepare()
    client.force_login(secretary)
    response = client.post(reverse("ratings:round_open", args=[ballot_round.pk]), follow=True)
    assert "Chưa đủ số lượng" in response.content.decode()
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.PREPARED


# -- the voting booth ---------------------------------------------------------------------------


def test_round_vote_does_record_one_participation_after_review_and_confirm(
    client, member, make_meeting
):
    convened = make_meeting(3)
    ballot_round = convened.open()
    url = reverse("ratings:round_vote", args=[ballot_round.pk])
    client.force_login(member)

    paper = client.get(url)
    assert paper.status_code == 200
    assert _testids(paper, "ballot-row") == ballot_round.candidates.count()

    review = client.post(url, {"step": "review", **_choices(ballot_round, "HTT")})
    assert review.status_code == 200
    assert _testids(review, "confirm-button") == 1
    assert "Hoàn thành tốt nhiệm vụ" in review.content.decode()
    assert Participation.objects.count() == 0

    done = client.post(url, {"step": "confirm", **_choices(ballot_round, "HTT")})
    assert done.status_code == 200
    assert _testids(done, "vote-done") == 1
    assert "Hoàn thành tốt nhiệm vụ" not in done.content.decode()
    assert Participation.objects.filter(round=ballot_round, voter=member.person).count() == 1
    assert Ballot.objects.filter(round=ballot_round).count() == 1


def test_round_vote_does_show_already_voted_when_confirmed_twice(client, member, make_meeting):
    ballot_round = make_meeting(3).open()
    url = reverse("ratings:round_vote", args=[ballot_round.pk])
    client.force_login(member)
    data = {"step": "confirm", **_choices(ballot_round, "HT")}
    client.post(url, data)

    again = client.post(url, data)
    assert again.status_code == 200
    assert _testids(again, "already-voted") == 1
    assert Ballot.objects.filter(round=ballot_round).count() == 1
    assert Participation.objects.filter(round=ballot_round).count() == 1
    assert _testids(client.get(url), "already-voted") == 1


def test_round_vote_rejects_when_the_voter_is_absent(
    client, member, secretary, org_officer, make_meeting
):
    convened = make_meeting(3)
    meetings.set_attendance(
        meeting=convened.meeting,
        person=member.person,
        present=False,
        absence_reason=ABSENCE_REASON,
    )
    ballot_round = convened.open()
    url = reverse("ratings:round_vote", args=[ballot_round.pk])
    client.force_login(member)
    assert client.get(url).status_code == 403
    assert client.post(url, {"step": "confirm", **_choices(ballot_round, "HT")}).status_code == 403
    assert Participation.objects.count() == 0
    client.force_login(org_officer)  # sees the meeting, is not convened
    assert client.get(url).status_code == 403


def test_round_vote_rejects_an_incomplete_ballot(client, member, make_meeting):
    ballot_round = make_meeting(3).open()
    client.force_login(member)
    first = ballot_round.candidates.first()
    response = client.post(
        reverse("ratings:round_vote", args=[ballot_round.pk]),
        {"step": "confirm", f"c-{first.pk}": "HTT"},
    )
    assert response.status_code == 200
    assert _testids(response, "ballot-errors") == 1
    assert Participation.objects.count() == 0


def test_round_vote_does_replace_the_ballot_with_the_receipt_when_revote_allowed(
    client, member, make_meeting
):
    ballot_round = make_meeting(3).open()
    ballot_round.rule = {**ballot_round.rule, "allow_revote": True}
    ballot_round.save(update_fields=["rule"])
    url = reverse("ratings:round_vote", args=[ballot_round.pk])
    client.force_login(member)
    done = client.post(url, {"step": "confirm", **_choices(ballot_round, "HTT")})
    receipt = re.search(r'name="receipt" value="([^"]+)"', done.content.decode()).group(1)

    paper = client.post(url, {"step": "edit", "receipt": receipt})
    assert _testids(paper, "ballot-row") == ballot_round.candidates.count()
    again = client.post(
        url, {"step": "confirm", "receipt": receipt, **_choices(ballot_round, "HT")}
    )
    assert _testids(again, "vote-done") == 1
    assert [b.choices for b in Ballot.objects.filter(round=ballot_round)] == [
        {k.removeprefix("c-"): "HT" for k in _choices(ballot_round, "HT")}
    ]
    assert Participation.objects.filter(round=ballot_round).count() == 1


# -- results -----------------------------------------------------------------------------------


def test_round_results_does_write_shares_with_a_decimal_comma(client, secretary, make_meeting):
    convened = make_meeting(7)
    ballot_round = convened.open(candidates=1)
    convened.cast_all(ballot_round, everyone("HTT"))
    ballots.close_round(ballot_round=ballot_round)
    client.force_login(secretary)
    html = client.get(reverse("ratings:round_results", args=[ballot_round.pk])).content.decode()
    assert "3,5" in html and "0,5 × 7 = 3,5" in html
    assert "3.5" not in html and "0.5" not in html


def test_round_results_does_show_no_figure_before_close(client, secretary, make_meeting):
    convened = make_meeting(5)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, everyone("HTT"))
    client.force_login(secretary)
    response = client.get(reverse("ratings:round_results", args=[ballot_round.pk]))
    assert response.status_code == 200
    assert _testids(response, "no-results") == 1
    assert _testids(response, "result-row") == 0
    assert "Hoàn thành tốt nhiệm vụ" not in response.content.decode()


def test_round_results_does_hide_counts_from_members_when_fewer_than_k_voters(
    client, member, secretary, make_meeting
):
    convened = make_meeting(3)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, everyone("HTT"))
    ballots.close_round(ballot_round=ballot_round)
    url = reverse("ratings:round_results", args=[ballot_round.pk])

    client.force_login(member)
    as_member = client.get(url)
    assert _testids(as_member, "result-row") == ballot_round.candidates.count()
    assert 'data-proposed="HTT"' in as_member.content.decode()
    assert _testids(as_member, "counts-withheld") == 1
    assert _testids(as_member, "result-count") == 0
    assert _testids(as_member, "result-computation") == 0

    client.force_login(secretary)
    as_chair = client.get(url)
    assert _testids(as_chair, "counts-withheld") == 0
    assert _testids(as_chair, "result-computation") == ballot_round.candidates.count()
    body = as_chair.content.decode()
    assert re.search(r'data-testid="result-count">3<', body)
    assert re.search(r'data-testid="tally-valid">3<', body)


def test_counting_minutes_request_rejects_a_member(client, member, make_meeting):
    convened = make_meeting(3)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, everyone("HT"))
    ballots.close_round(ballot_round=ballot_round)
    client.force_login(member)
    url = reverse("documents:request", args=["counting_minutes", ballot_round.pk])
    assert client.post(url).status_code == 404


# -- paper ballots ----------------------------------------------------------------------------


@pytest.fixture
def paper_round(make_meeting, member, secretary):
    convened = make_meeting(3)
    meetings.set_counting_committee(
        meeting=convened.meeting, people=[member.person, secretary.person]
    )
    return convened.open(mode=RoundMode.PAPER)


def _paper_data(ballot_round, valid: int, htt: int) -> dict[str, int]:
    data = {"issued": 3, "returned": 3, "valid": valid, "invalid": 3 - valid}
    for candidate in ballot_round.candidates.all():
        for option in ballot_round.options:
            data[f"n-{candidate.pk}-{option['code']}"] = htt if option["code"] == "HTT" else 0
    return data


def test_round_paper_entry_rejects_a_second_entry_that_differs(
    client, member, secretary, paper_round
):
    url = reverse("ratings:round_paper_entry", args=[paper_round.pk])
    client.force_login(member)
    first = client.post(url, _paper_data(paper_round, valid=3, htt=3))
    assert first.status_code == 302
    assert first.url == url

    client.force_login(secretary)
    second = client.post(url, _paper_data(paper_round, valid=3, htt=2))
    body = second.content.decode()
    assert second.status_code == 200
    assert _testids(second, "paper-error") == 1
    assert "Hai lần nhập của tổ kiểm phiếu không khớp" in body
    # The values entered stay in the form.
    candidate = paper_round.candidates.first()
    assert re.search(rf'name="n-{candidate.pk}-HTT"[^>]*value="2"', body)
    paper_round.refresh_from_db()
    assert paper_round.status == RoundStatus.OPEN

    third = client.post(url, _paper_data(paper_round, valid=3, htt=3))
    assert third.status_code == 302
    assert third.url == reverse("ratings:round_results", args=[paper_round.pk])
    paper_round.refresh_from_db()
    assert paper_round.status == RoundStatus.CLOSED


def test_round_paper_entry_rejects_figures_that_do_not_add_up(client, member, paper_round):
    client.force_login(member)
    response = client.post(
        reverse("ratings:round_paper_entry", args=[paper_round.pk]),
        {**_paper_data(paper_round, valid=3, htt=3), "invalid": 1},
    )
    assert response.status_code == 200
    assert "Số liệu nhập chưa hợp lệ" in response.content.decode()


def test_round_paper_entry_rejects_a_member_outside_the_committee(
    client, make_meeting, secretary, member
):
    convened = make_meeting(3)
    meetings.set_counting_committee(meeting=convened.meeting, people=[secretary.person])
    ballot_round = convened.open(mode=RoundMode.PAPER)
    client.force_login(member)
    url = reverse("ratings:round_paper_entry", args=[ballot_round.pk])
    assert client.get(url).status_code == 403


def test_round_console_does_show_no_participation_count_for_a_paper_round(
    client, secretary, paper_round
):
    client.force_login(secretary)
    console = client.get(reverse("ratings:round_console", args=[paper_round.pk]))
    assert _testids(console, "participation-count") == 0
    assert _testids(console, "round-close") == 0
    assert _testids(console, "paper-note") == 1

"""Every persona knows what to do next: the member, the secretary (chair), the organisation
officer and the competent authority each find on their home page the card of their next task
and under the bell the notice of what reached them; each card disappears once done.

The steps that are not the point (submitting, appraising, deciding) go through the services;
the pages are looked at as each person sees them, on a desktop and on a 390×844 phone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ratings.services import appraisal, ballots, meetings
from reviews.models import Report, ReportStatus
from reviews.services import circulation

from .conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

MEETING_DAY = dt.date(2026, 12, 15)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def personas(browser, live_server):
    """One logged-in browser page per persona (desktop), opened on demand."""
    pages = {}
    contexts = []
    errors: list[str] = []

    def open_as(username: str, viewport=DESKTOP, key: str | None = None):
        key = key or username
        if key not in pages:
            context = browser.new_context(locale="vi-VN", viewport=viewport)
            contexts.append(context)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            page.on(
                "response",
                lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
            )
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "matkhau-123")
            page.click("[data-testid=login-submit]")
            page.wait_for_url(f"{live_server.url}/")
            pages[key] = page
        page = pages[key]
        page.goto(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert not errors, "\n".join(errors)


def shoot_home(personas, username: str, name: str) -> None:
    """The persona's home page at desktop and phone size, under the test artifacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = personas(username, viewport, key=f"{username}-{size}")
        page.screenshot(path=str(ARTIFACTS / f"home-{name}-{size}.png"), full_page=True)


def card(page, kind: str):
    return page.locator(f"[data-testid=todo-card][data-todo={kind}]")


def bell_titles(page) -> str:
    page.get_by_test_id("notification-bell").click()
    text = page.get_by_test_id("notification-list").inner_text()
    page.goto(page.url.rsplit("/notifications/", 1)[0] + "/")
    return text


def test_each_persona_finds_the_next_task_and_the_notices(
    personas, live_server, enrolled, member, secretary, org_officer, authority, tree
):
    period = enrolled
    # -- The member: write the self-review before its deadline.
    home = personas("member")
    expect(card(home, "write_report").first).to_contain_text("Viết bản kiểm điểm")
    expect(card(home, "write_report").first).to_contain_text("Hạn")
    shoot_home(personas, "member", "member-writing")

    # Drafts are circulated (service): the member is told and asked to comment.
    Report.objects.filter(subject__unit=tree.cell_a).update(status=ReportStatus.DRAFTING)
    circulation.circulate_drafts(
        period=period, unit=tree.cell_a, meeting_on=MEETING_DAY, user=secretary
    )
    home = personas("member")
    assert "bản dự thảo kiểm điểm được gửi xin ý kiến của bạn" in bell_titles(home)
    comment_card = card(home, "comment_drafts")
    expect(comment_card).to_contain_text("Góp ý 2 bản dự thảo")
    comment_card.get_by_test_id("todo-link").click()
    home.get_by_test_id("comment-report-link").first.click()
    home.get_by_test_id("comment-form").locator("textarea").fill("Đề nghị nêu rõ kết quả.")
    home.get_by_test_id("comment-submit").click()
    expect(home.get_by_test_id("comment")).to_contain_text("nêu rõ kết quả")
    for report in Report.objects.filter(subject__unit=tree.cell_a).exclude(
        subject__person=member.person
    ):
        if not report.comments.filter(author=member.person).exists():
            circulation.add_comment(report=report, author=member.person, text="Đồng ý.")
    home = personas("member")
    expect(card(home, "comment_drafts")).to_have_count(0)

    # The member hands in their reports (service): the writing card goes.
    Report.objects.filter(subject__person=member.person).update(status=ReportStatus.SUBMITTED)
    home = personas("member")
    expect(card(home, "write_report")).to_have_count(0)

    # -- The secretary: the comment reached their report; they chair the meeting.
    chair = personas("secretary")
    assert "Có góp ý mới cho bản kiểm điểm của bạn" in bell_titles(chair)
    meeting = meetings.create_meeting(
        period=period,
        unit=tree.cell_a,
        chair=secretary,
        starts_on=MEETING_DAY,
        ends_on=MEETING_DAY,
        duration_days=Decimal("1.0"),
    )
    chair = personas("secretary")
    expect(card(chair, "chair_meeting")).to_contain_text("Chủ trì")
    expect(card(chair, "chair_meeting")).to_contain_text("Ngày hội nghị: 15/12/2026")
    shoot_home(personas, "secretary", "secretary-chairing")
    assert "Bạn được triệu tập dự" in bell_titles(personas("member"))

    for attendance in meeting.attendance.select_related("person"):
        meetings.set_attendance(meeting=meeting, person=attendance.person, present=True)
    ballot_round = ballots.open_round(ballot_round=ballots.prepare_round(meeting=meeting))
    home = personas("member")
    expect(card(home, "vote")).to_contain_text("Bỏ phiếu ngay")
    shoot_home(personas, "member", "member-voting")
    card(home, "vote").get_by_test_id("todo-link").click()
    expect(home.get_by_test_id("ballot-row").first).to_be_visible()
    candidates = ballot_round.candidates.all()
    ballots.cast_ballot(
        ballot_round=ballot_round,
        voter=member.person,
        choices={str(c.pk): "HTT" for c in candidates},
    )
    expect(card(personas("member"), "vote")).to_have_count(0)
    expect(card(personas("secretary"), "chair_round")).to_have_count(1)
    ballots.close_round(ballot_round=ballot_round)
    meetings.close_meeting(meeting=meeting)
    chair = personas("secretary")
    expect(card(chair, "chair_round")).to_have_count(0)
    expect(card(chair, "chair_meeting")).to_have_count(0)

    # -- The organisation officer: submitted reports wait for the appraisal.
    Report.objects.filter(subject__period=period).update(
        status=ReportStatus.SUBMITTED, self_level="HTT", total_points=80
    )
    officer = personas("org_officer")
    expect(card(officer, "appraise").first).to_contain_text("Thẩm định")
    shoot_home(personas, "org_officer", "officer-appraising")
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    expect(card(personas("org_officer"), "appraise")).to_have_count(0)

    # -- The competent authority: told, and the levels to decide are on the home page.
    deciding = personas("authority")
    assert "chờ đồng chí quyết định" in bell_titles(deciding)
    expect(card(deciding, "decide").first).to_contain_text("Quyết định")
    shoot_home(personas, "authority", "authority-deciding")
    decision = appraisal.decide(
        period=period,
        unit=tree.district,
        user=authority,
        decided_on=dt.date(2026, 12, 20),
        override_reason="Đủ điều kiện theo hồ sơ",
    )
    expect(card(personas("authority"), "decide")).to_have_count(0)

    # -- Published: the member is told and finds the result on the home page.
    appraisal.publish(decision=decision, user=authority)
    home = personas("member")
    assert "Kết quả xếp loại của bạn đã được công bố" in bell_titles(home)
    result = card(home, "my_result")
    expect(result).to_contain_text("Kết quả của tôi")
    shoot_home(personas, "member", "member-result")
    result.get_by_test_id("todo-link").click()
    expect(home).to_have_url(f"{live_server.url}/my-results/")
    home.get_by_test_id("notification-bell").click()
    home.screenshot(path=str(ARTIFACTS / "notifications-member.png"), full_page=True)

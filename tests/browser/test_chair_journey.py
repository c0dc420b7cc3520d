"""The chair's journey: the chair creates the meeting, marks attendance, names the meeting's
secretary, prepares and opens a round; five voters vote from five browsers; the chair's console
counts 0 → 5 and shows nothing else; the chair closes, confirming that one present has not
voted; the proposed levels appear with their computation, and the one who reached no level gets
a follow-up round prepared from the results page; the counting minutes download and carry the
figures and the secretary."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orgunits.models import MembershipRole
from ratings.models import Meeting, Participation
from reviews.services import enrolment

from ..factories import MembershipFactory, PersonFactory, UserFactory
from .conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 5
# Four voters choose HTT for everyone, one chooses HTXS: with 6 present and "more than half of
# those present", HTT (4 > 3) is proposed for every candidate.
VOTES = ["HTT", "HTT", "HTT", "HTT", "HTXS"]
# On the first candidate (the head) one voter chooses HT instead: HTT has 3 votes, not more than
# half of 6, and no level is reached; a follow-up round is held for the head alone.
FIRST_ROW = ["HTT", "HTT", "HTT", "HT", "HTXS"]
LEVEL_TEXT = ["Hoàn thành xuất sắc", "Hoàn thành tốt", "Không hoàn thành", "HTXS", "HTT", "KHT"]


@pytest.fixture
def voters(tree, period, secretary):
    users = []
    for index in range(1, VOTERS + 1):
        user = UserFactory(username=f"voter{index}")
        person = PersonFactory(user=user)
        MembershipFactory(person=person, unit=tree.cell_a, role=MembershipRole.PARTY_MEMBER)
        users.append(user)
    enrolment.enrol_period(period=period)
    return users


def _vote(
    browser,
    live_server,
    username: str,
    code: str,
    screenshot: Path | None = None,
    first: str | None = None,
) -> None:
    # Voters use their phones.
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    booth = context.new_page()
    booth.goto(f"{live_server.url}/accounts/login/")
    booth.fill("input[name=username]", username)
    booth.fill("input[name=password]", "matkhau-123")
    booth.click("[data-testid=login-submit]")
    booth.wait_for_url(f"{live_server.url}/")
    booth.goto(f"{live_server.url}/meetings/")
    booth.get_by_test_id("vote-button").click()
    rows = booth.get_by_test_id("ballot-row")
    expect(rows.first).to_be_visible()
    for index in range(rows.count()):
        choice = first if index == 0 and first else code
        rows.nth(index).get_by_test_id(f"choice-{choice}").check()
    if screenshot is not None:
        booth.screenshot(path=str(screenshot), full_page=True)
    booth.get_by_test_id("review-button").click()
    expect(booth.get_by_test_id("review-row").first).to_be_visible()
    booth.get_by_test_id("confirm-button").click()
    expect(booth.get_by_test_id("vote-done")).to_be_visible()
    context.close()


def test_chair_runs_a_secret_ballot_and_downloads_the_counting_minutes(
    page,
    browser,
    live_server,
    tree,
    period,
    secretary,
    voters,
    console_errors,
    login,
    screenshot,
    tmp_path,
):
    # The chair creates the meeting from the unit's page.
    login("secretary")
    page.goto(f"{live_server.url}/periods/{period.pk}/units/{tree.cell_a.pk}/")
    page.get_by_test_id("new-meeting-link").click()
    page.get_by_test_id("meeting-starts_on").fill("2026-12-15")
    page.get_by_test_id("meeting-ends_on").fill("2026-12-15")
    page.get_by_test_id("meeting-location").fill("Hội trường thôn Đông")
    page.get_by_test_id("meeting-submit").click()
    expect(page.get_by_test_id("meeting-title")).to_be_visible()
    meeting = Meeting.objects.get()

    # Everyone convened is marked present, row by row.
    rows = page.get_by_test_id("attendance-row")
    expect(rows).to_have_count(VOTERS + 1)
    expect(page.get_by_test_id("check-quorum")).to_have_attribute("data-ok", "false")
    for index in range(VOTERS + 1):
        rows.nth(index).get_by_test_id("mark-present").click()
        expect(rows.nth(index).get_by_test_id("attendance-status")).to_have_attribute(
            "data-present", "yes"
        )
    expect(page.get_by_test_id("check-quorum")).to_have_attribute("data-ok", "true")
    expect(page.get_by_test_id("check-quorum")).to_contain_text(f"{VOTERS + 1}/{VOTERS + 1}")
    # The chi bộ comes after its members (QĐ 366 Art. 12(2)); moving it up is refused.
    agenda = page.get_by_test_id("agenda-item")
    expect(agenda.last).to_contain_text("Chi bộ thôn Đông")
    agenda.last.get_by_test_id("agenda-move-up").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "tập thể Chi bộ thôn Đông được kiểm điểm sau các cá nhân"
    )
    expect(page.get_by_test_id("agenda-item").last).to_contain_text("Chi bộ thôn Đông")
    # The roll is taken: the meeting is under way. The chair names the meeting's secretary.
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "in_progress")
    expect(page.get_by_test_id("meeting-status")).to_have_text("Đang diễn ra")
    minutes_taker = voters[0].person.full_name
    page.get_by_test_id("secretary-select").select_option(label=minutes_taker)
    page.get_by_test_id("secretary-submit").click()
    expect(page.get_by_test_id("meeting-secretary")).to_have_text(minutes_taker)
    screenshot("chair-meeting")

    # A secret ballot on the levels is prepared and opened.
    page.get_by_test_id("round-kind").select_option("rating")
    page.get_by_test_id("round-mode").select_option("electronic")
    page.get_by_test_id("round-prepare").click()
    page.get_by_test_id("round-open").click()
    count = page.get_by_test_id("participation-count")
    expect(count).to_contain_text(f"0/{VOTERS + 1}")

    # Five voters, five browsers.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for index, (user, code, first) in enumerate(zip(voters, VOTES, FIRST_ROW, strict=True)):
        shot = ARTIFACTS / "voter-ballot-paper.png" if index == 0 else None
        _vote(browser, live_server, user.username, code, shot, first=first)
    assert Participation.objects.filter(round__meeting=meeting).count() == VOTERS

    # The console, polling, reaches 5 — and shows no level and no per-level figure.
    expect(count).to_contain_text(f"{VOTERS}/{VOTERS + 1}", timeout=15_000)
    console_text = page.get_by_test_id("round-console").inner_text()
    for text in LEVEL_TEXT:
        assert text not in console_text
    assert set(re.findall(r"\d+", count.inner_text())) == {str(VOTERS), str(VOTERS + 1)}
    screenshot("chair-console-open")

    # While the round is open the attendance is frozen: the ballots went to those present.
    console_url = page.url
    page.get_by_test_id("console-meeting-link").click()
    first = page.get_by_test_id("attendance-row").first
    first.get_by_test_id("absence-reason").fill("Về sớm")
    first.get_by_test_id("mark-absent").click()
    expect(page.get_by_test_id("attendance-error")).to_contain_text(
        f"đang có vòng bỏ phiếu mở (vòng 1: đã phát phiếu cho {VOTERS + 1} người có mặt"
    )
    expect(
        page.get_by_test_id("attendance-row").first.get_by_test_id("attendance-status")
    ).to_have_attribute("data-present", "yes")
    screenshot("chair-attendance-locked")
    page.goto(console_url)

    # The chair (present) has not voted: closing asks first, on the server.
    page.get_by_test_id("round-close").click()
    expect(page.get_by_test_id("close-question")).to_have_text(
        f"{VOTERS}/{VOTERS + 1} người đã bỏ phiếu — đóng phiếu?"
    )
    screenshot("chair-close-confirm")
    page.get_by_test_id("round-close-confirm-button").click()
    # Closed: the proposed levels appear with their computation.
    page.get_by_test_id("results-link").click()
    results = page.get_by_test_id("result-row")
    expect(results).to_have_count(VOTERS + 1)
    head = results.nth(0)
    expect(head).to_have_attribute("data-proposed", "")
    expect(head.get_by_test_id("result-proposed")).to_have_text("Không đạt mức nào")
    expect(head.get_by_test_id("result-count")).to_have_text(["1", "3", "1", "0"])
    for index in range(1, VOTERS + 1):
        row = results.nth(index)
        expect(row).to_have_attribute("data-proposed", "HTT")
        expect(row.get_by_test_id("result-proposed")).to_contain_text("Hoàn thành tốt nhiệm vụ")
        expect(row.get_by_test_id("result-count")).to_have_text(["1", "4", "0", "0"])
        expect(row.get_by_test_id("result-computation")).to_contain_text("HTT: 4 phiếu")
    expect(page.get_by_test_id("tally-valid")).to_have_text(str(VOTERS))
    expect(page.get_by_test_id("tally-issued")).to_have_text(str(VOTERS + 1))
    guidance = page.get_by_test_id("follow-up-guidance")
    expect(guidance).to_contain_text("1 người không đạt mức nào ở vòng này.")
    expect(guidance.get_by_test_id("follow-up-person")).to_have_text([secretary.person.full_name])
    screenshot("chair-results")
    results_url = page.url

    # The counting minutes are rendered by a worker; the job page offers the download, and
    # the figures are in them.
    page.get_by_test_id("counting-minutes-pdf").click()
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    download = download_info.value
    assert download.suggested_filename.startswith("bien-ban-kiem-phieu-")
    pdf = tmp_path / "counting-minutes.pdf"
    download.save_as(pdf)
    text = subprocess.run(  # noqa: S603 - a fixed local tool on a file we wrote
        ["/usr/bin/pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(rf"Số có mặt:\s+{VOTERS + 1}", text)
    assert re.search(rf"Số phiếu hợp lệ:\s+{VOTERS}", text)
    assert re.search(rf"Số phiếu thu vào:\s+{VOTERS}", text)
    head_name = re.escape(secretary.person.full_name)
    assert re.search(rf"{head_name}\s+1\s+3\s+1\s+0\s+Không đạt mức nào", text)
    for user in voters:
        name = re.escape(user.person.full_name)
        assert re.search(rf"{name}\s+1\s+4\s+0\s+0\s+Hoàn thành tốt nhiệm vụ", text), name
    assert text.count("HTT: 4 phiếu → đạt") == VOTERS
    assert re.search(r"THƯ KÝ HỘI NGHỊ\s+CHỦ TRÌ HỘI NGHỊ", text)
    assert re.search(rf"{re.escape(minutes_taker)}\s+{head_name}", text)

    # The follow-up round, prepared from the results page with exactly the head on it.
    page.goto(results_url)
    page.get_by_test_id("follow-up-prepare").click()
    expect(page.get_by_test_id("round-title")).to_contain_text("Vòng 2")
    expect(page.get_by_test_id("candidate-list").locator("li")).to_have_text(
        [secretary.person.full_name]
    )
    page.get_by_test_id("round-open").click()
    for user in voters:
        _vote(browser, live_server, user.username, "HTT")
    expect(page.get_by_test_id("participation-count")).to_contain_text(
        f"{VOTERS}/{VOTERS + 1}", timeout=15_000
    )
    page.get_by_test_id("round-close").click()
    page.get_by_test_id("round-close-confirm-button").click()
    page.get_by_test_id("results-link").click()
    expect(page.get_by_test_id("result-row")).to_have_count(1)
    expect(page.get_by_test_id("result-row")).to_have_attribute("data-proposed", "HTT")
    expect(page.get_by_test_id("follow-up-guidance")).to_have_count(0)
    screenshot("chair-follow-up-results")

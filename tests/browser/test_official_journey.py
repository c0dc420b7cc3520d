"""The official's journey: a leader's 2A report written over two visits, commented, answered,
submitted, and the secretary's progress table showing it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reviews.models import Report, ReportStatus
from reviews.services import reports

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def leader_report(period, member, secretary, org_officer, tree) -> Report:
    """The member holds a leadership post, so their chi bộ review uses form 2A (HD 43)."""
    from reviews.services import enrolment

    member.person.has_leadership_post = True
    member.person.save()
    enrolment.enrol_period(period=period)
    report = Report.objects.get(subject__person=member.person, subject__unit=tree.cell_a)
    reports.issue_suggestion(
        subject=report.subject,
        issuing_unit=tree.district,
        user=org_officer,
        text="Làm rõ trách nhiệm về việc chậm triển khai chuyển đổi số ở thôn.",
    )
    return report


def test_official_writes_2a_report_colleague_comments_secretary_sees_progress(
    page, browser, live_server, leader_report, tree, console_errors, login, screenshot
):
    assert leader_report.form_code == "2A"
    ruleset = reports.report_ruleset(leader_report)
    form = ruleset.form_for_class(leader_report.subject.subject_class)
    text_sections = [s for s in form.sections if s.kind == "text"]
    criteria = ruleset.criteria_for_class(leader_report.subject.subject_class)

    # First visit: the official starts the strengths section; leaving the field saves it.
    login("member")
    page.get_by_role("link", name="Bản kiểm điểm của tôi").click()
    page.get_by_test_id("my-reports").get_by_role("row").filter(
        has_text=tree.cell_a.name
    ).get_by_test_id("edit-report-link").click()
    first = page.get_by_test_id(f"text-{text_sections[0].key}")
    first.fill("Luôn giữ vững lập trường chính trị; hoàn thành 12/12 chỉ tiêu được giao.")
    first.blur()
    expect(page.get_by_test_id("save-status")).to_contain_text("Đã lưu")
    editor_url = page.url

    # Second visit: the text is back; the rest of the report is filled in.
    page.get_by_role("link", name="Bảng điều khiển").click()
    page.goto(editor_url)
    expect(first).to_have_value(
        "Luôn giữ vững lập trường chính trị; hoàn thành 12/12 chỉ tiêu được giao."
    )
    for section in text_sections[1:]:
        page.get_by_test_id(f"text-{section.key}").fill(f"Nội dung mục {section.title}.")
    for criterion in criteria:
        page.get_by_test_id(f"score-{criterion.code}").fill(str(float(criterion.max_points) * 0.85))
    expect(page.get_by_test_id("score-total")).to_have_text("85,00")
    expect(page.get_by_test_id("score-band")).to_have_text("Hoàn thành tốt nhiệm vụ")
    page.get_by_test_id("checklist-all-none").click()
    page.get_by_test_id("answer-1").fill("Đã chỉ đạo hoàn thành chuyển đổi số trong quý IV.")
    page.get_by_label("Hoàn thành tốt nhiệm vụ (HTT)").check()
    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("Đã lưu")
    expect(page.get_by_test_id("submit-problems")).to_be_empty()
    screenshot("official-report-editor")

    # The secretary circulates the drafts and comments as a colleague.
    secretary_context = browser.new_context(locale="vi-VN")
    chair = secretary_context.new_page()
    chair.goto(f"{live_server.url}/accounts/login/")
    chair.fill("input[name=username]", "secretary")
    chair.fill("input[name=password]", "matkhau-123")
    chair.click("[data-testid=login-submit]")
    period = leader_report.subject.period
    chair.goto(f"{live_server.url}/periods/{period.pk}/units/{tree.cell_a.pk}/")
    chair.get_by_test_id("circulation-form").locator("input[name=meeting_on]").fill("2026-12-21")
    chair.get_by_test_id("circulate-button").click()
    expect(chair.get_by_test_id("circulation-current")).to_be_visible()
    chair.goto(f"{live_server.url}/reports/")
    chair.get_by_test_id("comment-report-link").first.click()
    chair.get_by_test_id("comment-form").locator("textarea").fill(
        "Đề nghị nêu rõ hơn kết quả khắc phục hạn chế năm trước."
    )
    chair.get_by_test_id("comment-submit").click()
    expect(chair.get_by_test_id("comment")).to_contain_text("khắc phục hạn chế")

    # The official answers the comment, then submits.
    page.goto(f"{live_server.url}/reports/{leader_report.pk}/")
    page.get_by_test_id("respond-submit").click()
    expect(page.get_by_test_id("comment-response")).to_contain_text("Tiếp thu")
    page.goto(editor_url)
    page.get_by_test_id("submit-confirm").check()
    page.get_by_test_id("submit-button").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Đã nộp")
    screenshot("official-report-submitted")
    leader_report.refresh_from_db()
    assert leader_report.status == ReportStatus.SUBMITTED

    # The secretary's progress table counts the submitted report.
    chair.goto(f"{live_server.url}/periods/{period.pk}/units/{tree.cell_a.pk}/progress/")
    parent_row = chair.get_by_test_id("progress-row").first
    expect(parent_row.locator("[data-status=submitted]")).to_have_text("1")
    chair.screenshot(path="test-artifacts/secretary-progress.png", full_page=True)
    secretary_context.close()

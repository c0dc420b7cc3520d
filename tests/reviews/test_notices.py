"""What the review's events tell whom: one notice per event per person, none for the
unconcerned, nothing twice on a retry, and an anonymous comment that names nobody."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Notification
from reviews import selectors
from reviews.models import Report, ReportStatus
from reviews.notices import NoticeKind
from reviews.services import circulation, reports
from reviews.services.reports import report_ruleset

pytestmark = pytest.mark.django_db

CIRCULATED_ON = dt.date(2026, 12, 7)


def _notes(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind))


@pytest.fixture
def circulated(enrolled, member_report, secretary, tree):
    Report.objects.filter(subject__period=enrolled, subject__unit=tree.cell_a).update(
        status=ReportStatus.DRAFTING
    )

    def send():
        return circulation.circulate_drafts(
            period=enrolled,
            unit=tree.cell_a,
            meeting_on=dt.date(2026, 12, 15),
            user=secretary,
            today=CIRCULATED_ON,
        )

    send()
    member_report.refresh_from_db()
    return send


def test_circulate_drafts_does_notify_each_participant_once_when_retried(
    circulated, member, secretary, org_officer, outsider, authority
):
    circulated()  # a double click, or a retried request

    assert len(_notes(member, NoticeKind.DRAFTS_CIRCULATED)) == 1
    assert len(_notes(secretary, NoticeKind.DRAFTS_CIRCULATED)) == 1
    note = _notes(member, NoticeKind.DRAFTS_CIRCULATED)[0]
    # The colleague's draft and the chi bộ's collective one; never the member's own.
    assert note.title == "2 bản dự thảo kiểm điểm được gửi xin ý kiến của bạn"
    assert note.url == "/reports/"
    assert note.day == CIRCULATED_ON
    for unconcerned in (org_officer, outsider, authority):
        assert not Notification.objects.filter(recipient=unconcerned).exists()


def test_add_comment_does_notify_the_author_with_the_name_when_signed(
    circulated, member_report, member, secretary, org_officer
):
    circulation.add_comment(report=member_report, author=secretary.person, text="Cần rõ hơn")

    [note] = _notes(member, NoticeKind.COMMENT_RECEIVED)
    assert secretary.person.full_name in note.body
    assert note.url == f"/reports/{member_report.pk}/"
    assert not _notes(secretary, NoticeKind.COMMENT_RECEIVED)
    assert not _notes(org_officer, NoticeKind.COMMENT_RECEIVED)


def test_add_comment_does_not_reveal_the_commenter_when_anonymous(
    circulated, member_report, member, secretary, monkeypatch
):
    rules = report_ruleset(member_report)
    allowing = dataclasses.replace(
        rules, circulation=dataclasses.replace(rules.circulation, allow_anonymous_comments=True)
    )
    monkeypatch.setattr(selectors, "ruleset_for_unit", lambda period, unit: allowing)

    circulation.add_comment(
        report=member_report, author=secretary.person, text="Cần gương mẫu", anonymous=True
    )

    [note] = _notes(member, NoticeKind.COMMENT_RECEIVED)
    row = Notification.objects.filter(pk=note.pk).values().get()
    for revealing in (secretary.person.full_name, secretary.username, str(secretary.pk)):
        assert revealing not in f"{row['title']} {row['body']} {row['url']} {row['item_key']}"
    assert "ẩn danh" in note.body
    # No timing hint beyond the day: the row is stamped with the start of the day.
    local = timezone.localtime(note.created_at)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)


def test_issue_suggestion_does_notify_only_the_subject(
    member_report, member, secretary, org_officer, tree
):
    reports.issue_suggestion(
        subject=member_report.subject, issuing_unit=tree.district, user=org_officer, text="Làm rõ"
    )

    [note] = _notes(member, NoticeKind.SUGGESTION_RECEIVED)
    assert note.url == f"/reports/{member_report.pk}/edit/"
    assert Notification.objects.filter(kind=NoticeKind.SUGGESTION_RECEIVED).count() == 1

"""An anonymous comment leaves nothing in the application that names its author."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client
from django.urls import reverse
from pghistory.models import Context

from reviews import selectors
from reviews.models import Comment
from reviews.services import circulation, reports

pytestmark = pytest.mark.django_db


def test_anonymous_comment_does_leave_no_log_row_naming_its_author(
    member_report, member, secretary, enrolled, tree, monkeypatch
):
    rules = selectors.ruleset_for_unit(enrolled, tree.cell_a)
    allowing = dataclasses.replace(
        rules, circulation=dataclasses.replace(rules.circulation, allow_anonymous_comments=True)
    )
    monkeypatch.setattr(selectors, "ruleset_for_unit", lambda period, unit: allowing)
    reports.save_report_draft(
        report_id=member_report.pk,
        user=member,
        base_version=member_report.version,
        changes={"sections": {"a": "Dự thảo"}},
    )
    circulation.circulate_drafts(
        period=enrolled,
        unit=tree.cell_a,
        meeting_on=dt.date(2026, 12, 15),
        user=secretary,
        today=dt.date(2026, 12, 7),
    )
    client = Client()
    client.force_login(secretary)
    before = (Context.objects.count(), AccessLog.objects.count(), AccessAttempt.objects.count())

    response = client.post(
        reverse("reviews:report_comment", args=[member_report.pk]),
        {"text": "Cần gương mẫu hơn", "anonymous": "on"},
    )

    assert response.status_code == 302
    comment = Comment.objects.get(report=member_report)
    assert comment.is_anonymous and comment.author_id is None
    after = (Context.objects.count(), AccessLog.objects.count(), AccessAttempt.objects.count())
    assert after == before  # no audit context, no access-log row for the comment request
    assert (
        not Context.objects.filter(metadata__user=secretary.pk)
        .filter(metadata__url__contains="comment")
        .exists()
    )

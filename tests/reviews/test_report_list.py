"""'My reports' offers to write a draft and only to view a submitted report."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


def test_my_reports_does_offer_view_not_write_once_submitted(client, member, member_report):
    client.force_login(member)
    page = client.get(reverse("reviews:my_reports")).content.decode()
    assert 'data-testid="edit-report-link"' in page

    Report.objects.filter(subject__person=member.person).update(status=ReportStatus.SUBMITTED)
    page = client.get(reverse("reviews:my_reports")).content.decode()

    assert 'data-testid="edit-report-link"' not in page
    assert 'data-testid="view-report-link"' in page

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


def test_my_reports_does_list_the_collective_report_of_the_secretarys_unit(
    client, secretary, org_officer, enrolled, tree
):
    collective = Report.objects.get(subject__unit=tree.cell_a, subject__person=None)
    assert collective.form_code == "01"
    client.force_login(secretary)
    page = client.get(reverse("reviews:my_reports")).content.decode()
    assert page.count('data-testid="collective-report-row"') == 1
    assert "Chi bộ thôn Đông" in page and "Chi bộ thôn Tây" not in page
    assert f'href="/reports/{collective.pk}/edit/"' in page
    assert collective.get_status_display() in page

    Report.objects.filter(pk=collective.pk).update(status=ReportStatus.SUBMITTED)
    page = client.get(reverse("reviews:my_reports")).content.decode()
    assert 'data-testid="view-collective-report-link"' in page
    assert f'href="/reports/{collective.pk}/edit/"' not in page

    # The officer above appraises these units but writes none of their collective reports.
    client.force_login(org_officer)
    page = client.get(reverse("reviews:my_reports")).content.decode()
    assert 'data-testid="collective-report-row"' not in page

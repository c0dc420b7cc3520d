"""The report counts the progress table reads (ReportCount): kept by database triggers in the
statement that changes reports or subjects, so they always equal a count of the rows."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews import selectors
from reviews.models import Report, ReportCount, ReportStatus, Subject
from reviews.services.enrolment import enrol_period

from ..factories import MembershipFactory
from .test_progress import _period, _spread_statuses

pytestmark = pytest.mark.django_db


def _raw(period) -> Counter:
    return Counter(
        (unit_id, status)
        for unit_id, status in Report.objects.filter(
            subject__period=period, subject__person__isnull=False
        ).values_list("subject__unit_id", "status")
    )


def _kept(period) -> Counter:
    counts: Counter = Counter()
    for unit_id, status, n in ReportCount.objects.filter(period=period).values_list(
        "unit_id", "status", "n"
    ):
        if n:
            counts[(unit_id, status)] += n
    return counts


@pytest.fixture
def period(tree, org_officer, member, secretary):
    for unit, n in ((tree.cell_a, 4), (tree.cell_b, 9), (tree.district, 2)):
        for _ in range(n):
            MembershipFactory(unit=unit)
    period = _period(tree.district, org_officer)
    enrol_period(period=period)
    return period


def test_report_counts_do_follow_enrolment_updates_and_deletes(tree, period):
    assert _kept(period) == _raw(period) and sum(_raw(period).values()) == 17
    _spread_statuses(period)  # one bulk UPDATE of many statuses
    assert _kept(period) == _raw(period)
    report = Report.objects.filter(subject__period=period, subject__person__isnull=False).first()
    report.status = ReportStatus.SUBMITTED
    report.save()
    assert _kept(period) == _raw(period)
    Subject.objects.filter(period=period, unit=tree.cell_b).delete()  # cascades to reports
    assert _kept(period) == _raw(period)
    enrol_period(period=period)  # enrols chi bộ B again: bulk INSERT of its reports
    assert _kept(period) == _raw(period) and sum(_raw(period).values()) == 17


def test_report_counts_do_move_with_a_subject_moved_to_another_unit(tree, period):
    subject = Subject.objects.filter(period=period, unit=tree.cell_a, person__isnull=False)[0]
    Subject.objects.filter(pk=subject.pk).update(unit=tree.cell_b)
    assert _kept(period) == _raw(period)


def test_report_counts_do_leave_out_collective_reports(tree, period):
    collective = Report.objects.filter(subject__period=period, subject__person__isnull=True)
    assert collective.exists()
    collective.update(status=ReportStatus.SUBMITTED)
    assert _kept(period) == _raw(period)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=16), st.sampled_from(ReportStatus.values)),
        min_size=1,
        max_size=12,
    )
)
def test_report_counts_do_equal_the_rows_after_any_sequence_of_changes(period, steps):
    reports = list(Report.objects.filter(subject__period=period).order_by("pk"))
    for index, status in steps:
        report = reports[index % len(reports)]
        Report.objects.filter(pk=report.pk).update(status=status)
        assert _kept(period) == _raw(period)


def test_progress_by_unit_does_not_group_the_reports(tree, period, org_officer):
    """The progress table sums the kept counts; it never scans the subtree's reports."""
    with CaptureQueriesContext(connection) as ctx:
        selectors.progress_by_unit(org_officer, period, tree.district)
    assert not [q for q in ctx.captured_queries if '"reviews_report"' in q["sql"]]

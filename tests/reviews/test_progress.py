"""The progress table: counts per sub-unit, overdue rows, and a query count that stays flat."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgunits.models import UnitKind
from reviews import selectors
from reviews.models import Milestone, Report, ReportStatus
from reviews.services.enrolment import enrol_period
from reviews.services.periods import create_period
from reviews.views.periods import progress_context

from ..factories import MembershipFactory, OrgUnitFactory

OPENS_ON = dt.date(2025, 11, 17)
CYCLE = [
    ReportStatus.NOT_STARTED,
    ReportStatus.DRAFTING,
    ReportStatus.SUBMITTED,
    ReportStatus.DRAFTING,
    ReportStatus.RETURNED,
    ReportStatus.SUBMITTED,
    ReportStatus.SUBMITTED,
]


def _period(scope, user, name="Kiểm điểm năm 2025"):
    return create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name=name,
        kind="annual",
        year=2025,
        scope=scope,
        opens_on=OPENS_ON,
        created_by=user,
    )


def _populate(parent, cells: int, people: int, prefix: str):
    units = []
    for i in range(cells):
        cell = OrgUnitFactory(code=f"{prefix}-{i:02d}", name=f"Chi bộ {prefix} {i}", parent=parent)
        for _ in range(people):
            MembershipFactory(unit=cell)
        units.append(cell)
    return units


def _spread_statuses(period):
    """Give the reports a mix of statuses, deterministically."""
    reports = list(Report.objects.filter(subject__period=period).order_by("pk"))
    for i, report in enumerate(reports):
        report.status = CYCLE[i % len(CYCLE)]
    Report.objects.bulk_update(reports, ["status"])


def _counted(period, unit) -> Counter:
    """Counts made without the selector: walk the individual reports of the subtree."""
    counter: Counter = Counter()
    for report in Report.objects.filter(subject__period=period).select_related(
        "subject__unit", "subject__person"
    ):
        if report.subject.person is not None and report.subject.unit.path.startswith(unit.path):
            counter[report.status] += 1
    return counter


@pytest.fixture
def period(tree, org_officer, member, secretary):
    for unit, n in ((tree.cell_a, 4), (tree.cell_b, 9), (tree.district, 2)):
        for _ in range(n):
            MembershipFactory(unit=unit)
    period = _period(tree.district, org_officer)
    enrol_period(period=period)
    _spread_statuses(period)
    return period


def test_progress_by_unit_does_count_each_child_subtree(tree, period, org_officer):
    context = progress_context(org_officer, period, tree.district, today=OPENS_ON)
    rows = {row["unit"].pk: row for row in context["rows"]}
    assert set(rows) == {tree.district.pk, tree.cell_a.pk, tree.cell_b.pk}
    for child in (tree.cell_a, tree.cell_b):
        expected = _counted(period, child)
        assert rows[child.pk]["counts"] == {s: expected[s] for s in ReportStatus.values}
        assert rows[child.pk]["total"] == sum(expected.values())
    # The district's own row holds only the people reviewed directly at the district.
    own = Counter(
        Report.objects.filter(
            subject__period=period, subject__unit=tree.district, subject__person__isnull=False
        ).values_list("status", flat=True)
    )
    assert rows[tree.district.pk]["counts"] == {s: own[s] for s in ReportStatus.values}
    everything = _counted(period, tree.district)
    assert context["totals"] == {s: everything[s] for s in ReportStatus.values}
    assert context["total"] == sum(everything.values()) == 4 + 9 + 2 + 2  # + member, secretary


def test_progress_context_does_flag_overdue_rows_only_after_due_date(tree, period, org_officer):
    due = next(
        day
        for code, _l, day, _o in selectors.unit_schedule(period, tree.district)
        if code == Milestone.SELF_REPORT_DUE
    )
    on_time = progress_context(org_officer, period, tree.district, today=due)
    assert not on_time["past_due"]
    assert not any(row["overdue"] for row in on_time["rows"])
    # Everyone in chi bộ B has handed in: that row is not overdue even after the date.
    Report.objects.filter(subject__unit=tree.cell_b).update(status=ReportStatus.SUBMITTED)
    late = progress_context(org_officer, period, tree.district, today=due + dt.timedelta(days=1))
    overdue = {row["unit"].pk for row in late["rows"] if row["overdue"]}
    assert late["past_due"]
    assert tree.cell_a.pk in overdue
    assert tree.cell_b.pk not in overdue


def test_period_progress_does_render_counts_for_authority(client, tree, period, authority):
    client.force_login(authority)
    response = client.get(
        reverse("reviews:period_progress", kwargs={"pk": period.pk, "unit_pk": tree.district.pk})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="progress-table"' in html
    assert (
        reverse("reviews:period_progress", kwargs={"pk": period.pk, "unit_pk": tree.cell_b.pk})
        in html
    )


def test_period_progress_query_count_does_not_grow_with_units_or_people(client, tree, authority):
    small = OrgUnitFactory(
        code="T01-S",
        name="Đảng bộ xã Nhỏ",
        kind=UnitKind.GRASSROOTS_COMMITTEE,
        parent=tree.province,
    )
    big = OrgUnitFactory(
        code="T01-L",
        name="Đảng bộ phường Lớn",
        kind=UnitKind.GRASSROOTS_COMMITTEE,
        parent=tree.province,
    )
    _populate(small, 2, 3, "S")
    _populate(big, 12, 20, "L")
    period = _period(tree.province, authority, name="Kiểm điểm toàn tỉnh 2025")
    enrol_period(period=period)
    _spread_statuses(period)
    client.force_login(authority)

    def queries(unit) -> tuple[int, int]:
        url = reverse("reviews:period_progress", kwargs={"pk": period.pk, "unit_pk": unit.pk})
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.context["total"]

    queries(small)  # warm the per-process caches (content types, calendar)
    few, few_total = queries(small)
    many, many_total = queries(big)
    assert (few_total, many_total) == (6, 240)
    assert many == few

"""Assemble a unit's summary from the figures, the years, quota compliance and KHT."""

from __future__ import annotations

from django.db import connection, transaction

from orgunits.models import OrgUnit
from reviews.models import ReviewPeriod

from ..models import SummaryNarrative
from .compliance import kht_list, quota_compliance
from .queries import _all_groups, group_figures
from .stats import (
    ChildRow,
    UnitSummary,
)
from .years import ranges, year_figures


def children_of(unit: OrgUnit) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
    )


def summary(period: ReviewPeriod, unit: OrgUnit, *, kht_limit: int | None = 200) -> UnitSummary:
    """Everything the summary page and the exports show for the unit's subtree.

    A fixed number of statements whatever the size of the subtree (about eight)."""
    with transaction.atomic():
        # The aggregates hash tens of thousands of kept counts: keep them in memory, not on
        # disk, and do not spend longer JIT-compiling a statement than running it. The rows
        # these statements touch are in memory: price a lookup by index as such, or the
        # planner scans every subject to join a few thousand (the KHT list, the people with
        # several subjects).
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1"
            )
        figures = group_figures(period, unit)
        years = year_figures(period, unit, figures.totals)
        kht, kht_total = kht_list(period, unit, limit=kht_limit)
    rows = []
    if unit.path in figures.per_child:
        rows.append(ChildRow(None, figures.per_child[unit.path]))
    for child in children_of(unit):
        rows.append(ChildRow(child, figures.per_child.get(child.path) or _all_groups({})))
    return UnitSummary(
        period=period,
        unit=unit,
        totals=figures.totals,
        rows=rows,
        years=years,
        ranges=ranges(years),
        quota=quota_compliance(period, unit, figures.quota),
        kht=kht,
        kht_total=kht_total,
        narrative=SummaryNarrative.objects.filter(period=period, unit=unit).first(),
    )

"""Time the summary of a whole province and its Excel export, with peak memory.

    python manage.py generate_province --people 200000 --units 6000 --code BENCH
    python manage.py bench_summary --unit BENCH [--runs 3] [--people]

Targets (issue #7): the summary ≤ 2 s; the Excel export ≤ 60 s and ≤ 500 MB peak.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgunits.models import OrgUnit
from ratings import exports, summary
from reviews.models import ReviewPeriod, Subject


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Benchmark the summary and the Excel export for a unit's subtree."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", default="BENCH", help="Unit code (default BENCH).")
        parser.add_argument("--period", type=int, help="Period id (default: the unit's latest).")
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument(
            "--people",
            action="store_true",
            help="Also list every subject in the workbook (the largest export).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            unit = OrgUnit.objects.get(code=options["unit"])
        except OrgUnit.DoesNotExist as exc:
            raise CommandError(f"No unit {options['unit']}; run generate_province first.") from exc
        periods = ReviewPeriod.objects.filter(scope__path__in=self._ancestors(unit))
        if options["period"]:
            periods = periods.filter(pk=options["period"])
        period = periods.order_by("-year", "-pk").first()
        if period is None:
            raise CommandError(f"No review period covers {unit.name}.")
        subjects = Subject.objects.filter(period=period, unit__path__startswith=unit.path).count()
        units = OrgUnit.objects.filter(path__startswith=unit.path).count()
        self.stdout.write(
            f"{unit.name}: {units} units, {subjects} subjects, period «{period.name}»."
        )
        memory_before = _peak_mb()
        timings = []
        for _ in range(options["runs"]):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = summary.summary(period, unit)
                timings.append(time.perf_counter() - started)
        self.stdout.write(
            f"summary: median {statistics.median(timings):.2f} s, best {min(timings):.2f} s "
            f"over {len(timings)} runs ({len(queries.captured_queries)} queries); members "
            f"{result.totals['members'].total}, HTT or above "
            f"{result.totals['members'].htt_or_above_pct}%."
        )
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            started = time.perf_counter()
            full = summary.summary(period, unit, kht_limit=None)
            exports.write_xlsx(full, handle.name, people=options["people"])
            elapsed = time.perf_counter() - started
            size = handle.seek(0, 2)
        self.stdout.write(
            f"excel{' with every subject' if options['people'] else ''}: {elapsed:.1f} s, "
            f"{size / 1024 / 1024:.1f} MB file, peak memory of the process "
            f"{_peak_mb():.0f} MB (before the export {memory_before:.0f} MB)."
        )

    @staticmethod
    def _ancestors(unit: OrgUnit) -> list[str]:
        step = OrgUnit.steplen
        return [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]

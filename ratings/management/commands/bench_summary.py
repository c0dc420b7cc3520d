"""Time the summary of a whole province and its Excel export, with peak memory.

    python manage.py generate_province --people 200000 --units 6000 --code BENCH
    python manage.py bench_summary --unit BENCH [--runs 3] [--people] [--through-worker]

Targets (issue #7): the summary ≤ 2 s; the Excel export ≤ 60 s and ≤ 500 MB peak.
"""

from __future__ import annotations

import resource
import statistics
import time
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from documents import registry, services
from documents.models import DocumentJob, JobStatus
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
            "--through-worker",
            action="store_true",
            help="Also ask for the file as the web does and time a running worker writing it.",
        )
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
        kind = "summary_people_xlsx" if options["people"] else "summary_xlsx"
        narrative = exports.narrative_for(period=period, unit=unit)
        entry = registry.get(kind)
        # What the web process does when the officer asks (the fingerprint decides whether a
        # file of this content exists already), then what the worker does.
        started = time.perf_counter()
        services.job_fingerprint(entry, narrative.pk)
        asked = time.perf_counter() - started
        started = time.perf_counter()
        content = entry.render(narrative.pk)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{kind}: fingerprint in the request {asked:.1f} s; written by the worker in "
            f"{elapsed:.1f} s, {len(content) / 1024 / 1024:.1f} MB file, peak memory of the "
            f"process {_peak_mb():.0f} MB (before the export {memory_before:.0f} MB)."
        )
        if options["through_worker"]:
            self._through_worker(kind, narrative.pk)

    def _through_worker(self, kind: str, object_id: int) -> None:
        """Ask as the web does and wait for a running worker to finish the job."""
        # A finished job of the same content would answer at once: start from none.
        DocumentJob.objects.filter(kind=kind, object_id=object_id).delete()
        user = AnonymousUser()
        started = time.perf_counter()
        with transaction.atomic():
            job = services.request_document(kind=kind, object_id=object_id, user=user)
        deadline = started + 600
        while not job.is_finished and time.perf_counter() < deadline:
            time.sleep(0.2)
            job.refresh_from_db()
        if job.status != JobStatus.DONE:
            raise CommandError(f"The job ended {job.status}: {job.error or 'no worker?'}")
        self.stdout.write(
            f"{kind} through a worker: asked to ready in {time.perf_counter() - started:.1f} s."
        )

    @staticmethod
    def _ancestors(unit: OrgUnit) -> list[str]:
        step = OrgUnit.steplen
        return [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]

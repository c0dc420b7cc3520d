"""Time the summary of a whole province, a district, asking for an export, and the export,
each against a baseline measured in the same run.

    python manage.py generate_province --people 200000 --units 6000 --code BENCH
    python manage.py bench_summary --unit BENCH [--runs 5] [--people] [--through-worker]

Figures are min / median / max over the runs:

- the whole summary vs a hand-written GROUP BY of decided levels per child unit over the raw
  rows (target, issue #14: ≤ 1×), and the summary of the largest child (a district; ≤ 50 ms);
- asking for the export as the web does (`request_document`, rolled back; ≤ 100 ms);
- the workbook written by the worker vs a bare openpyxl write-only workbook of the same rows
  (with --people, every subject: ≤ 1.2×), with the process's peak memory (≤ 200 MB).
"""

from __future__ import annotations

import io
import resource
import statistics
import time
from typing import Any

import openpyxl
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from documents import registry, services
from documents.models import DocumentJob, JobStatus
from orgunits.models import OrgUnit
from ratings import exports, summary
from ratings.exports import spreadsheets
from reviews.models import ReviewPeriod, Subject


def _spread(seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"min {min(ms):.0f} / median {statistics.median(ms):.0f} / max {max(ms):.0f} ms "
        f"over {len(ms)} runs"
    )


def _raw_group_by(period: ReviewPeriod, unit: OrgUnit) -> list[tuple]:
    """The baseline: decided levels per child unit, straight from the raw rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT substr(u.path, 1, %(child_len)s), r.level, count(*)
            FROM ratings_rating r
            JOIN reviews_subject s ON s.id = r.subject_id
            JOIN orgunits_orgunit u ON u.id = s.unit_id
            WHERE s.period_id = %(period)s AND u.path LIKE %(prefix)s
                AND r.status IN ('decided', 'published')
            GROUP BY 1, 2
            """,
            {
                "period": period.pk,
                "prefix": unit.path + "%",
                "child_len": len(unit.path) + unit.steplen,
            },
        )
        return cursor.fetchall()


def _ask(kind: str, object_id: int) -> None:
    """What the web request does when an officer asks for the file, then undone."""
    with transaction.atomic():
        services.request_document(kind=kind, object_id=object_id, user=AnonymousUser())
        transaction.set_rollback(True)


def _bare_people_workbook(period: ReviewPeriod, unit: OrgUnit) -> int:
    """The baseline of the people sheet: the same rows, read the same way, appended as plain
    values to a bare write-only workbook (no styles, no text safety)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    count = 0
    for number, values in enumerate(spreadsheets._subject_rows(period, unit), start=1):
        sheet.append([number, *values])
        count = number
    workbook.save(io.BytesIO())
    return count


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
        runs = options["runs"]
        timings: list[float] = []
        raw: list[float] = []
        # Interleaved, so that both see the same load on the machine.
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = summary.summary(period, unit)
                timings.append(time.perf_counter() - started)
            raw += self._time(lambda: _raw_group_by(period, unit), 1)
        self.stdout.write(
            f"summary: {_spread(timings)} ({len(queries.captured_queries)} queries); raw GROUP "
            f"BY per child: {_spread(raw)}; ratio of medians "
            f"{statistics.median(timings) / statistics.median(raw):.2f}×; members "
            f"{result.totals['members'].total}, HTT or above "
            f"{result.totals['members'].htt_or_above_pct}%."
        )
        district = self._largest_child(period, unit)
        if district is not None:
            spread = self._time(lambda: summary.summary(period, district), runs)
            self.stdout.write(f"summary of {district.name} (largest child): {_spread(spread)}.")
        kind = "summary_people_xlsx" if options["people"] else "summary_xlsx"
        narrative = exports.narrative_for(period=period, unit=unit)
        entry = registry.get(kind)
        # What the web process does when the officer asks (the fingerprint decides whether a
        # file of this content exists already), rolled back so that each run asks afresh.
        asked = self._time(lambda: _ask(kind, narrative.pk), runs)
        self.stdout.write(f"{kind}: asking for it (the web request's work) {_spread(asked)}.")
        started = time.perf_counter()
        content = entry.render(narrative.pk)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{kind}: written by the worker in {elapsed:.1f} s, "
            f"{len(content) / 1024 / 1024:.1f} MB file, peak memory of the "
            f"process {_peak_mb():.0f} MB (before the export {memory_before:.0f} MB)."
        )
        if options["people"]:
            started = time.perf_counter()
            rows = _bare_people_workbook(period, unit)
            bare = time.perf_counter() - started
            self.stdout.write(
                f"bare openpyxl write-only of the same {rows} rows: {bare:.1f} s; ratio "
                f"{elapsed / bare:.2f}×."
            )
        if options["through_worker"]:
            self._through_worker(kind, narrative.pk)

    @staticmethod
    def _time(work: Any, runs: int) -> list[float]:
        found = []
        for _ in range(runs):
            started = time.perf_counter()
            work()
            found.append(time.perf_counter() - started)
        return found

    @staticmethod
    def _largest_child(period: ReviewPeriod, unit: OrgUnit) -> OrgUnit | None:
        children = summary.children_of(unit)
        if not children:
            return None
        sizes = {
            child.pk: Subject.objects.filter(
                period=period, unit__path__startswith=child.path
            ).count()
            for child in children[:50]
        }
        return max(children[:50], key=lambda c: sizes[c.pk])

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

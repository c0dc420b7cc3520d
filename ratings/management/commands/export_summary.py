"""Export the summary of a subtree for a period: Excel, CSV or the narrative PDF report.

python manage.py export_summary --period 3 --unit BENCH --format xlsx --output tong-hop.xlsx
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgunits.models import OrgUnit
from ratings import exports, summary
from reviews.models import ReviewPeriod


class Command(BaseCommand):
    help = "Write the summary report of a unit's subtree for a period to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", type=int, required=True, help="Review period id.")
        parser.add_argument("--unit", required=True, help="Unit code (the subtree's top).")
        parser.add_argument("--format", choices=["xlsx", "csv", "pdf"], required=True)
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument(
            "--people",
            action="store_true",
            help="Excel only: add a sheet listing every subject of the subtree.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = ReviewPeriod.objects.get(pk=options["period"])
        except ReviewPeriod.DoesNotExist as exc:
            raise CommandError(f"No review period {options['period']}.") from exc
        try:
            unit = OrgUnit.objects.get(code=options["unit"])
        except OrgUnit.DoesNotExist as exc:
            raise CommandError(f"No unit with code {options['unit']}.") from exc
        if not unit.path.startswith(period.scope.path):
            raise CommandError(f"{unit.name} is outside the period's scope ({period.scope.name}).")
        fmt, output = options["format"], options["output"]
        started = time.perf_counter()
        result = summary.summary(period, unit, kht_limit=None if fmt == "xlsx" else 50)
        if fmt == "xlsx":
            exports.write_xlsx(result, output, people=options["people"])
        elif fmt == "csv":
            exports.write_csv(result, output)
        else:
            with open(output, "wb") as handle:
                handle.write(exports.render_summary_pdf(result))
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {output} in {time.perf_counter() - started:.1f} s.")
        )

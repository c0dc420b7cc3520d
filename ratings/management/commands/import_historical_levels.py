"""Import the levels of earlier years from an Excel workbook (or CSV), all or nothing.

python manage.py import_historical_levels ket-qua-2023.xlsx [--unit CODE] [--dry-run]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgunits.models import OrgUnit
from ratings.history_import import HistoryImportError, import_historical_levels


class Command(BaseCommand):
    help = "Import historical levels (earlier years) from .xlsx or .csv; nothing on any problem."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--unit", help="Only accept people and units inside this unit.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        target = None
        if options["unit"]:
            try:
                target = OrgUnit.objects.get(code=options["unit"])
            except OrgUnit.DoesNotExist as exc:
                raise CommandError(f"No unit with code {options['unit']}.") from exc
        try:
            result = import_historical_levels(
                file_name=path.name,
                data=path.read_bytes(),
                target=target,
                dry_run=options["dry_run"],
            )
        except HistoryImportError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(error)) from error
        prefix = "Dry run: would create" if result.dry_run else "Created"
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix} {result.created}, updated {result.updated}, unchanged "
                f"{result.unchanged} (years {', '.join(map(str, result.years))})."
            )
        )

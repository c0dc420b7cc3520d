"""Recount the levels kept at write time from the raw rows and report any difference.

    python manage.py check_rollups

Exits with status 1 when a kept count differs from the raw rows (each difference printed).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ratings.rollups import differences

SHOWN = 50


class Command(BaseCommand):
    help = "Compare the level counts kept at write time with a recount of the raw rows."

    def handle(self, *args: Any, **options: Any) -> None:
        found = differences()
        if not found:
            self.stdout.write("The kept counts match the raw rows.")
            return
        for difference in found[:SHOWN]:
            self.stderr.write(str(difference))
        if len(found) > SHOWN:
            self.stderr.write(f"… and {len(found) - SHOWN} more.")
        raise CommandError(f"{len(found)} kept counts differ from the raw rows.")

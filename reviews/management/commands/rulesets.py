"""List and validate the rule-set files; exit 1 with every error when any file is invalid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.rulesets import RuleSet, check_all, describe


def _years(ruleset: RuleSet) -> str:
    first, last = ruleset.rating_years
    return f"{first}–" if last == 9999 else f"{first}–{last}"


class Command(BaseCommand):
    help = (
        "List the rule sets (code, version, rating years, parent, default) and validate every "
        "file; exits 1 with each invalid file's error."
    )
    # Runs in CI before anything else is set up: it needs neither the database nor the checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--show", metavar="CODE", help="print the rules of one rule set")
        parser.add_argument(
            "--dir", metavar="PATH", help="validate this directory instead of rulesets/"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"]) if options["dir"] else None
        rulesets, errors = check_all(directory)
        problems = [str(error) for error in errors]
        code = options["show"]
        if code and code in rulesets:
            self._show(rulesets[code])
        elif code:
            problems.append(f'không có bộ quy tắc hợp lệ "{code}" / no valid rule set "{code}"')
        else:
            self._list(rulesets)
        if problems:
            raise CommandError(
                f"{len(problems)} lỗi / error(s):\n" + "\n".join(f"  {p}" for p in problems)
            )

    def _list(self, rulesets: dict[str, RuleSet]) -> None:
        ordered = sorted(
            rulesets.values(), key=lambda rs: (rs.extends is not None, rs.rating_years)
        )
        rows = [("", "code", "ver", "years", "extends", "title")]
        rows += [
            (
                "*" if rs.is_default else "",
                rs.code,
                str(rs.version),
                _years(rs),
                rs.extends or "—",
                rs.title,
            )
            for rs in ordered
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:5])]
            self.stdout.write("  ".join([*cells, row[5]]).rstrip())
        self.stdout.write(f"{len(ordered)} bộ quy tắc hợp lệ / valid rule set(s); * = mặc định")

    def _show(self, ruleset: RuleSet) -> None:
        for title, rows in describe(ruleset):
            self.stdout.write(self.style.MIGRATE_HEADING(title))
            for label, value, note in rows:
                self.stdout.write(f"  {label}: {value}")
                if note:
                    self.stdout.write(f"      ({note})")

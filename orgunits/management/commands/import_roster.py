"""Import a roster file (.xlsx or .csv) under a unit: the same checks as the upload page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgunits.exceptions import RosterImportError
from orgunits.models import OrgUnit
from orgunits.services.roster import RosterImportResult, import_roster


class Command(BaseCommand):
    help = "Nhập danh sách đơn vị, nhân sự, sinh hoạt - công tác từ tệp .xlsx hoặc .csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Tệp .xlsx (ba trang) hoặc .csv (một bảng).")
        parser.add_argument(
            "--unit",
            help="Mã đơn vị nhận dữ liệu; bỏ trống nếu hệ thống chỉ có một đơn vị gốc.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Chỉ kiểm tra và đếm, không ghi gì.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp «{path}».")
        target = self._target(options["unit"])
        try:
            result = import_roster(
                file_name=path.name,
                data=path.read_bytes(),
                target=target,
                by=None,  # the server's operator
                dry_run=options["dry_run"],
            )
        except RosterImportError as error:
            for problem in error.problems:
                # Problems with the file as a whole have no row to point at.
                self.stderr.write(str(problem) if problem.row else problem.message)
            raise CommandError(str(error)) from None
        self._report(result, path, target)

    def _target(self, code: str | None) -> OrgUnit:
        if code:
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None:
                raise CommandError(f"Không có đơn vị mã «{code}».")
            return unit
        roots = list(OrgUnit.objects.get_root_nodes()[:2])
        if len(roots) != 1:
            raise CommandError("Hãy chỉ rõ đơn vị nhận dữ liệu bằng --unit MÃ_ĐƠN_VỊ.")
        return roots[0]

    def _report(self, result: RosterImportResult, path: Path, target: OrgUnit) -> None:
        if result.dry_run:
            self.stdout.write(f"Chạy thử (chưa ghi gì): tệp «{path.name}» vào «{target.name}».")
        else:
            self.stdout.write(f"Đã nhập tệp «{path.name}» vào «{target.name}».")
        for label, counts in (
            ("Đơn vị", result.units),
            ("Nhân sự", result.people),
            ("Sinh hoạt - công tác", result.memberships),
        ):
            self.stdout.write(
                f"  {label}: {counts.created} thêm mới, {counts.updated} cập nhật, "
                f"{counts.unchanged} không đổi"
            )
        if not result.changes:
            self.stdout.write("Không có thay đổi nào.")

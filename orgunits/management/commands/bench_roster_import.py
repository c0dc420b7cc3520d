"""Time a roster import of a generated file (default 2,000 people), then roll it all back."""

from __future__ import annotations

import io
import time
import uuid
from typing import Any

import openpyxl
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from orgunits.services import create_unit
from orgunits.services.roster import MEMBERSHIPS, PEOPLE, UNITS, import_roster

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Thu", "Quang", "Ngọc"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Đạt", "Giang", "Hà", "Hùng", "Lan", "Yến", "Ánh"]


def build_workbook(prefix: str, people: int, units: int) -> bytes:
    """A roster of `units` units (a committee per 20 cells), `people` people, one role each."""
    workbook = openpyxl.Workbook(write_only=True)
    unit_rows = []
    committee = ""
    for n in range(units):
        if n % 20 == 0:
            committee = f"{prefix}-DB{n // 20:02d}"
            unit_rows.append([committee, f"Đảng bộ cơ sở số {n // 20}", "Đảng bộ cơ sở", "", 0])
        else:
            code = f"{prefix}-CB{n:03d}"
            unit_rows.append([code, f"Chi bộ số {n}", "Chi bộ", committee, 15])
    cells = [row[0] for row in unit_rows if row[3]]
    sheets = {
        UNITS: unit_rows,
        PEOPLE: [
            [
                f"{prefix}-P{n:05d}",
                f"{FAMILY[n % 10]} {MIDDLE[n % 8]} {GIVEN[n % 11]}",
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1960 + n % 40}",
                "Nữ" if n % 2 else "Nam",
                f"cb{n}@example.gov.vn",
                "có",
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/{2000 + n % 20}",
                "Đang sinh hoạt",
                "có",
                "không",
            ]
            for n in range(people)
        ],
        MEMBERSHIPS: [
            [f"{prefix}-P{n:05d}", cells[n % len(cells)], "Đảng viên", "01/01/2020", ""]
            for n in range(people)
        ],
    }
    for table, rows in sheets.items():
        sheet = workbook.create_sheet(table.sheet)
        sheet.append([c.header for c in table.columns])
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Đo thời gian nhập một danh sách sinh ngẫu nhiên (mặc định 2.000 người), rồi hoàn tác."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=2000)
        parser.add_argument("--units", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = f"BENCH{uuid.uuid4().hex[:6].upper()}"
        data = build_workbook(prefix, options["people"], options["units"])
        self.stdout.write(f"Tệp thử: {len(data) / 1024:.0f} KiB")
        # Everything, the fresh root included, is rolled back: the database is left as it was.
        with transaction.atomic():
            root = create_unit(code=prefix, name="Đơn vị đo thời gian", kind="party_committee")
            for label in ("Lần đầu", "Nhập lại"):
                started = time.perf_counter()
                result = import_roster(file_name="bench.xlsx", data=data, target=root, by=None)
                elapsed = time.perf_counter() - started
                counts = ", ".join(
                    f"{name} {c.created} mới / {c.updated} sửa / {c.unchanged} giữ nguyên"
                    for name, c in (
                        ("đơn vị", result.units),
                        ("nhân sự", result.people),
                        ("sinh hoạt", result.memberships),
                    )
                )
                self.stdout.write(f"{label}: {elapsed:.2f} s ({counts})")
            transaction.set_rollback(True)

"""Open the demo province's 2026 review period and enrol it (idempotent; run after seed_demo)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orgunits.models import OrgUnit
from reviews.exceptions import PeriodAlreadyExists
from reviews.models import ReviewPeriod
from reviews.services import enrolment, periods

ROOT_CODE = "SH"
YEAR = 2026


class Command(BaseCommand):
    help = "Create the demo review period of 2026 (QĐ 366) for the demo province and enrol it."

    def handle(self, *args, **options):
        root = OrgUnit.objects.filter(code=ROOT_CODE).first()
        if root is None:
            raise CommandError("Chưa có dữ liệu demo: chạy `manage.py seed_demo` trước.")
        with transaction.atomic():
            try:
                period = periods.create_period(
                    placeholders_reason=periods.COMMAND_LINE_REASON,
                    name=f"Kiểm điểm, đánh giá, xếp loại chất lượng năm {YEAR}",
                    kind="annual",
                    year=YEAR,
                    scope=root,
                    opens_on=dt.date(YEAR, 12, 1),
                )
            except PeriodAlreadyExists:
                period = ReviewPeriod.objects.get(scope=root, kind="annual", year=YEAR)
            result = enrolment.enrol_period(period=period)
        self.stdout.write(
            f"Kỳ kiểm điểm / review period: {period.name} ({period.ruleset_code}); "
            f"đối tượng mới / new subjects: {result.created}, "
            f"cập nhật / updated: {result.updated}, không đổi / unchanged: {result.unchanged}."
        )

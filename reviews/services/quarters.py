"""Quarterly self-assessments (Mẫu 05): the competent level's result, and the annual report
started from the quarters (QĐ 366 Art. 15: "căn cứ đánh giá hằng năm")."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..exceptions import InvalidScore, NoQuarterResults, QuarterResultRefused
from ..models import QuarterResult, Report, ReportStatus, Subject
from .reports import report_ruleset, save_report_draft

CENT = Decimal("0.01")


@transaction.atomic
def record_quarter_result(
    *, subject: Subject, level: str, user: AbstractBaseUser, today: dt.date | None = None
) -> QuarterResult:
    """The competent level records the quarter's level of a submitted Mẫu 05."""
    subject = Subject.objects.select_for_update().select_related("period").get(pk=subject.pk)
    if not subject.period.is_quarterly:
        raise QuarterResultRefused("Chỉ ghi nhận kết quả quý cho kỳ đánh giá hằng quý.")
    report = Report.objects.filter(subject=subject).first()
    if report is None or report.status != ReportStatus.SUBMITTED:
        raise QuarterResultRefused("Bản tự đánh giá quý chưa được nộp.")
    if level not in [lvl.code for lvl in report_ruleset(report).levels]:
        raise InvalidScore("Mức xếp loại không hợp lệ.")
    result, _ = QuarterResult.objects.update_or_create(
        subject=subject,
        defaults={
            "level": level,
            "recorded_on": today or timezone.localdate(),
            "recorded_by": user,
        },
    )
    return result


def quarter_average_scores(report: Report) -> dict[str, float]:
    """Per criterion, the average of the submitted quarterly self-scores of the same year."""
    quarters = selectors.quarter_reports(report.subject.person_id, report.subject.period.year)
    sums: dict[str, list[Decimal]] = {}
    for quarterly in quarters:
        for code, value in quarterly.scores.items():
            if value not in (None, ""):
                sums.setdefault(code, []).append(Decimal(str(value)))
    return {
        code: float((sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_UP))
        for code, values in sums.items()
    }


@transaction.atomic
def start_from_quarters(*, report_id: int, user: AbstractBaseUser, base_version: int) -> Report:
    """Fill the annual self-scores with the quarters' averages, as a start the author edits."""
    report = Report.objects.select_related("subject__period", "subject__unit").get(pk=report_id)
    if report.subject.period.is_quarterly or report.subject.person_id is None:
        raise NoQuarterResults("Chỉ bản kiểm điểm cuối năm bắt đầu từ kết quả các quý.")
    criteria = {
        c.code for c in report_ruleset(report).criteria_for_class(report.subject.subject_class)
    }
    averages = {
        code: value for code, value in quarter_average_scores(report).items() if code in criteria
    }
    if not averages:
        raise NoQuarterResults("Chưa có bản tự đánh giá quý nào đã nộp trong năm.")
    return save_report_draft(
        report_id=report.pk, user=user, base_version=base_version, changes={"scores": averages}
    )

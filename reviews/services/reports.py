"""The self-review and collective report: drafts, autosave with versions, submit, return."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from orgunits import limits
from orgunits.models import OrgUnit
from orgunits.text import nfc, nfc_lines

from .. import notices, selectors
from ..exceptions import (
    AttachmentRejected,
    InvalidScore,
    ReportConflict,
    ReportIncomplete,
    ReportLocked,
    ReturnReasonRequired,
    TextTooLong,
)
from ..models import (
    Attachment,
    Eligibility,
    RemediationItem,
    RemediationStatus,
    Report,
    ReportStatus,
    Subject,
    Suggestion,
)
from . import report_changes

EDITABLE = {ReportStatus.NOT_STARTED, ReportStatus.DRAFTING, ReportStatus.RETURNED}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Extension -> the file's first bytes; the browser's content type is not trusted.
ATTACHMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
JSON_FIELDS = ("sections", "scores", "checklist", "remediation", "answers")


def report_ruleset(report: Report):
    return selectors.ruleset_for_unit(report.subject.period, report.subject.unit)


def report_form(report: Report):
    """The form the report fills: Mẫu 05 in a quarterly period, else its subject class's."""
    subject = report.subject
    return report_ruleset(report).form_for_period(
        subject.subject_class, quarterly=subject.period.is_quarterly
    )


def _clean_scores(report: Report, scores: dict[str, Any]) -> dict[str, Any]:
    ruleset = report_ruleset(report)
    criteria = {c.code: c for c in ruleset.criteria_for_class(report.subject.subject_class)}
    grades = {g.code for g in ruleset.scoring.grades}
    cleaned: dict[str, Any] = {}
    for code, raw in scores.items():
        criterion = criteria.get(code)
        if criterion is None:
            raise InvalidScore(f"Không có tiêu chí «{code}» trong mẫu này.")
        if raw in (None, ""):
            cleaned[code] = None
            continue
        if ruleset.scoring.model == "points":
            try:
                value = Decimal(str(raw).replace(",", "."))
            except InvalidOperation as exc:
                raise InvalidScore(f"Điểm tiêu chí «{criterion.title}» phải là số.") from exc
            if not Decimal(0) <= value <= Decimal(criterion.max_points):
                raise InvalidScore(
                    f"Điểm tiêu chí «{criterion.title}» phải từ 0 đến {criterion.max_points}."
                )
            cleaned[code] = float(value)
        else:
            if raw not in grades:
                raise InvalidScore(f"Mức đánh giá tiêu chí «{criterion.title}» không hợp lệ.")
            cleaned[code] = raw
    return cleaned


def total_points(report: Report) -> Decimal | None:
    """Sum of the self-scores under the 100-point model; None under the grades model."""
    if report_ruleset(report).scoring.model != "points":
        return None
    values = [Decimal(str(v)) for v in report.scores.values() if v not in (None, "")]
    return sum(values, Decimal(0)) if values else None


def _clean_text_map(values: dict[str, Any]) -> dict[str, Any]:
    return {str(k): nfc_lines(v) if isinstance(v, str) else v for k, v in values.items()}


@transaction.atomic
def save_report_draft(
    *,
    report_id: int,
    user: AbstractBaseUser,
    base_version: int,
    changes: dict[str, Any],
) -> Report:
    """Merge the changed fields into the draft if it is still at `base_version`.

    A save based on an older version raises ReportConflict and changes nothing.
    """
    report = (
        Report.objects.select_for_update()
        .select_related("subject__period", "subject__unit")
        .get(pk=report_id)
    )
    if report.status not in EDITABLE:
        raise ReportLocked("Bản kiểm điểm đã nộp; không thể sửa.")
    if base_version != report.version:
        raise ReportConflict(
            "Bản kiểm điểm đã được lưu từ một cửa sổ hoặc thiết bị khác. Hãy so sánh và hợp "
            "nhất trước khi lưu tiếp; nội dung bạn đang gõ vẫn được giữ.",
            current_version=report.version,
        )
    form = report_ruleset(report).form_for_class(report.subject.subject_class)
    report_changes.check_change_shape(changes, titles={s.key: s.title for s in form.sections})
    for field in JSON_FIELDS:
        if changes.get(field):
            incoming = changes[field]
            if field == "scores":
                incoming = _clean_scores(report, incoming)
            elif field in ("sections", "answers"):
                incoming = _clean_text_map(incoming)
            merged = dict(getattr(report, field))
            merged.update(incoming)
            setattr(report, field, merged)
    report_changes.check_report_total(report_changes.report_texts(report))
    if "self_level" in changes:
        level = changes["self_level"] or ""
        codes = [lvl.code for lvl in report_ruleset(report).levels]
        if level and level not in codes:
            raise InvalidScore("Mức tự xếp loại không hợp lệ.")
        report.self_level = level
    report.total_points = total_points(report)
    if report.status == ReportStatus.NOT_STARTED:
        report.status = ReportStatus.DRAFTING
    report.version += 1
    report.updated_by = user
    report.save()
    return report


def submission_problems(report: Report) -> list[str]:
    """What is still missing before the report can be submitted, in Vietnamese."""
    ruleset = report_ruleset(report)
    subject = report.subject
    form = report_form(report)
    problems = []
    for section in form.sections:
        if (
            section.kind == "text"
            and section.required
            and not (report.sections.get(section.key) or "").strip()
        ):
            problems.append(f"chưa viết mục «{section.title}»")
        elif section.kind == "criteria":
            criteria = ruleset.criteria_for_class(subject.subject_class)
            missing = [c for c in criteria if report.scores.get(c.code) in (None, "")]
            if missing:
                problems.append(f"còn {len(missing)} tiêu chí chưa tự chấm")
        elif section.kind == "checklist":
            items = [item.code for g in ruleset.manifestations for item in g.items]
            missing = [c for c in items if "present" not in (report.checklist.get(c) or {})]
            if missing:
                problems.append(f"còn {len(missing)} biểu hiện chưa tự đánh giá")
            unexplained = [
                c
                for c in items
                if (report.checklist.get(c) or {}).get("present")
                and not (report.checklist.get(c) or {}).get("note", "").strip()
            ]
            if unexplained:
                problems.append(f"{len(unexplained)} biểu hiện “có” chưa ghi rõ")
        elif section.kind == "suggestions":
            ids = [str(pk) for pk in subject.suggestions.values_list("pk", flat=True)]
            unanswered = [i for i in ids if not (report.answers.get(i) or "").strip()]
            if unanswered:
                problems.append(f"còn {len(unanswered)} nội dung gợi ý chưa trả lời")
        elif section.kind == "remediation":
            items = [str(i.pk) for i in carried_remediation(subject)]
            missing = [i for i in items if not (report.remediation.get(i) or {}).get("status")]
            if missing:
                problems.append(f"còn {len(missing)} hạn chế kỳ trước chưa báo cáo kết quả")
        elif (
            section.kind == "self_level"
            and subject.eligibility in (Eligibility.ELIGIBLE, Eligibility.CAPPED)
            and not report.self_level
        ):
            problems.append("chưa tự nhận mức xếp loại")
    return problems


def carried_remediation(subject: Subject):
    """Shortcomings from earlier periods of the same person (or unit) not yet remedied."""
    items = RemediationItem.objects.filter(origin_period__year__lt=subject.period.year).exclude(
        status=RemediationStatus.DONE
    )
    if subject.person_id:
        items = items.filter(person_id=subject.person_id)
    else:
        items = items.filter(unit_id=subject.unit_id)
    return items.order_by("origin_period__year", "pk")


@transaction.atomic
def submit_report(*, report_id: int, user: AbstractBaseUser, now: dt.datetime | None = None):
    """Lock the report for the meeting; refuses while anything required is missing."""
    report = (
        Report.objects.select_for_update()
        .select_related("subject__period", "subject__unit")
        .get(pk=report_id)
    )
    if report.status not in EDITABLE:
        raise ReportLocked("Bản kiểm điểm đã nộp.")
    problems = submission_problems(report)
    if problems:
        raise ReportIncomplete(problems)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = now or timezone.now()
    report.return_reason = ""
    report.version += 1
    report.updated_by = user
    report.save()
    return report


@transaction.atomic
def return_report(*, report_id: int, user: AbstractBaseUser, reason: str) -> Report:
    """The secretary sends a submitted report back for revision, with a reason."""
    reason = reason.strip()
    if not reason:
        raise ReturnReasonRequired("Cần ghi lý do trả lại bản kiểm điểm.")
    limits.check_text(reason, kind="reason", label="Lý do trả lại", error=TextTooLong)
    report = Report.objects.select_for_update().get(pk=report_id)
    if report.status != ReportStatus.SUBMITTED:
        raise ReportLocked("Chỉ trả lại được bản kiểm điểm đã nộp.")
    report.status = ReportStatus.RETURNED
    report.return_reason = reason
    report.version += 1
    report.updated_by = user
    report.save()
    return report


@transaction.atomic
def add_attachment(*, report: Report, upload: UploadedFile, user: AbstractBaseUser) -> Attachment:
    """Attach evidence within the size and type limits (the content is checked, not the name)."""
    if report.status not in EDITABLE:
        raise ReportLocked("Bản kiểm điểm đã nộp; không thể thêm tệp.")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in ATTACHMENT_SIGNATURES:
        raise AttachmentRejected("Chỉ nhận tệp PDF, ảnh PNG/JPG, Word (.docx) hoặc Excel (.xlsx).")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise AttachmentRejected("Tệp lớn hơn 10 MB.")
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in ATTACHMENT_SIGNATURES[suffix]):
        raise AttachmentRejected("Nội dung tệp không đúng với phần mở rộng của tên tệp.")
    return Attachment.objects.create(
        report=report,
        file=upload,
        original_name=nfc(Path(upload.name).name)[:255],
        content_type=ATTACHMENT_TYPES[suffix],
        size=upload.size,
        uploaded_by=user,
    )


@transaction.atomic
def remove_attachment(*, attachment: Attachment) -> None:
    """Delete an attachment of a report that can still be edited."""
    if attachment.report.status not in EDITABLE:
        raise ReportLocked("Bản kiểm điểm đã nộp; không thể xóa tệp.")
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def issue_suggestion(
    *, subject: Subject, issuing_unit: OrgUnit, user: AbstractBaseUser, text: str
) -> Suggestion:
    """A superior level names a point the subject's report must address."""
    text = nfc_lines(text)
    if not text:
        raise InvalidScore("Nội dung gợi ý không được để trống.")
    limits.check_text(text, kind="suggestion", label="Nội dung gợi ý", error=TextTooLong)
    suggestion = Suggestion.objects.create(
        subject=subject, issuing_unit=issuing_unit, issued_by=user, text=text
    )
    notices.suggestion_received(suggestion=suggestion, day=timezone.localdate())
    return suggestion

"""Circulating drafts before the meeting, comments (góp ý), answers, residence comments."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from orgunits import limits
from orgunits.models import OrgUnit, Person
from orgunits.text import nfc_lines

from .. import notices, selectors
from ..exceptions import (
    AnonymousCommentsNotAllowed,
    CommentAlreadyAnswered,
    ExplanationRequired,
    NotCirculated,
    TextTooLong,
)
from ..models import Circulation, Comment, Report, ReportStatus, ResponseKind, ReviewPeriod, Subject
from ..workdays import meeting_lead_days_ok
from .periods import check_period_date


@transaction.atomic
def circulate_drafts(
    *,
    period: ReviewPeriod,
    unit: OrgUnit,
    meeting_on: dt.date,
    user: AbstractBaseUser,
    today: dt.date | None = None,
) -> Circulation:
    """Send the unit's started drafts to the meeting's participants.

    Circulating late is allowed (the meeting date may be fixed) but recorded: the
    circulation keeps the working days it gave and the rule set's requirement.
    """
    check_period_date(period=period, day=meeting_on, label="Ngày họp")
    today = today or timezone.localdate()
    required = selectors.ruleset_for_unit(period, unit).circulation.lead_working_days
    _ok, lead = meeting_lead_days_ok(today, meeting_on, required, selectors.work_calendar())
    circulation, _ = Circulation.objects.update_or_create(
        period=period,
        unit=unit,
        defaults={
            "meeting_on": meeting_on,
            "circulated_on": today,
            "lead_working_days": lead,
            "required_working_days": required,
            "circulated_by": user,
        },
    )
    Report.objects.filter(
        subject__period=period, subject__unit=unit, circulated_on__isnull=True
    ).exclude(status=ReportStatus.NOT_STARTED).update(circulated_on=today)
    notices.drafts_circulated(circulation=circulation)
    return circulation


@transaction.atomic
def add_comment(
    *,
    report: Report,
    author: Person,
    text: str,
    anonymous: bool = False,
    today: dt.date | None = None,
) -> Comment:
    """A participant comments on a circulated report; anonymous only where the rules allow."""
    if report.circulated_on is None:
        raise NotCirculated("Bản kiểm điểm chưa được gửi xin ý kiến.")
    text = nfc_lines(text)
    if not text:
        raise ExplanationRequired("Nội dung góp ý không được để trống.")
    limits.check_text(text, kind="comment", label="Góp ý", error=TextTooLong)
    rules = selectors.ruleset_for_unit(report.subject.period, report.subject.unit)
    if anonymous and not rules.circulation.allow_anonymous_comments:
        raise AnonymousCommentsNotAllowed("Bộ quy tắc của kỳ này không cho phép góp ý ẩn danh.")
    comment = Comment.objects.create(
        report=report,
        author=None if anonymous else author,
        is_anonymous=anonymous,
        text=text,
        created_on=today or timezone.localdate(),
    )
    notices.comment_received(comment=comment)
    return comment


@transaction.atomic
def respond_to_comment(
    *, comment: Comment, kind: str, text: str = "", today: dt.date | None = None
) -> Comment:
    """The author accepts a comment (tiếp thu) or explains (giải trình, text required)."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.response_kind:
        raise CommentAlreadyAnswered("Góp ý này đã được trả lời.")
    text = nfc_lines(text)
    if kind not in ResponseKind.values:
        raise ExplanationRequired("Chọn tiếp thu hoặc giải trình.")
    if kind == ResponseKind.EXPLAINED and not text:
        raise ExplanationRequired("Cần ghi nội dung giải trình.")
    limits.check_text(text, kind="comment", label="Giải trình", error=TextTooLong)
    comment.response_kind = kind
    comment.response_text = text
    comment.responded_on = today or timezone.localdate()
    comment.save(update_fields=["response_kind", "response_text", "responded_on"])
    return comment


@transaction.atomic
def record_residence_comment(
    *, subject: Subject, text: str, commenting_cell: str, received_on: dt.date
) -> Subject:
    """Record the residence party cell's comment (phiếu nhận xét nơi cư trú)."""
    text = nfc_lines(text)
    if not text:
        raise ExplanationRequired("Nội dung nhận xét không được để trống.")
    limits.check_text(text, kind="residence_comment", label="Nhận xét", error=TextTooLong)
    commenting_cell = limits.check_text(
        commenting_cell.strip(), kind="short_text", label="Chi bộ nhận xét", error=TextTooLong
    )
    check_period_date(period=subject.period, day=received_on, label="Ngày nhận")
    subject.residence_comment = text
    subject.residence_comment_from = commenting_cell.strip()
    subject.residence_comment_on = received_on
    subject.needs_residence_comment = True
    subject.save(
        update_fields=[
            "residence_comment",
            "residence_comment_from",
            "residence_comment_on",
            "needs_residence_comment",
        ]
    )
    return subject

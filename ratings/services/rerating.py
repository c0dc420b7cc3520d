"""Re-rating (QĐ 366 Art. 15(3)): a decided rating found wrong is cancelled and redone by a
decision of the competent level, recorded with the old and the new level (Mẫu 03)."""

from __future__ import annotations

import datetime as dt

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from orgunits.text import nfc, nfc_lines
from reviews import selectors as review_selectors

from ..exceptions import (
    ChangeReasonRequired,
    NotDecidedYet,
    QuotaExceeded,
    ReratingNotProvided,
    SameLevel,
    UnknownLevel,
)
from ..models import Rating, RatingStatus, Rerating
from .checks import HTXS
from .decisions import deciding_body, group_status


@transaction.atomic
def rerate(
    *,
    rating: Rating,
    level: str,
    reason: str,
    user: AbstractBaseUser,
    decided_on: dt.date,
    number: str = "",
) -> Rerating:
    """Cancel a decided level and set the new one by a re-rating decision issued by the user's
    competent body over the deciding unit; the rating keeps its status, the change is audited
    with the reason, and the HTXS cap of its group still holds."""
    rating = (
        Rating.objects.select_for_update(of=("self",))
        .select_related("subject__period", "subject__unit", "subject__quota_group", "decision")
        .get(pk=rating.pk)
    )
    if rating.status not in (RatingStatus.DECIDED, RatingStatus.PUBLISHED) or not rating.decision:
        raise NotDecidedYet("Chỉ đánh giá, xếp loại lại kết quả đã có quyết định.")
    subject = rating.subject
    ruleset = review_selectors.ruleset_for_unit(subject.period, subject.unit)
    if not ruleset.discipline.rerate_by_decision:
        raise ReratingNotProvided(
            "Bộ quy tắc của kỳ này không quy định quyết định đánh giá, xếp loại lại; cấp trên "
            "hủy quyết định để xếp loại lại."
        )
    codes = [lvl.code for lvl in ruleset.levels]
    if level not in codes:
        raise UnknownLevel(f"Mức «{level}» không có trong bộ quy tắc ({', '.join(codes)}).")
    if level == rating.level:
        raise SameLevel(f"Mức mới phải khác mức đã quyết định ({rating.level}).")
    reason = nfc_lines(reason)
    if not reason:
        raise ChangeReasonRequired("Cần ghi rõ lý do đánh giá, xếp loại lại.")
    if level == HTXS and subject.quota_group_id:
        plan = group_status(subject.quota_group, extra_ratings={subject.pk: HTXS})
        if plan.exceeded:
            raise QuotaExceeded(
                "Xếp loại lại HTXS vượt tỷ lệ tối đa của nhóm.", steps=list(plan.steps)
            )
    record = Rerating.objects.create(
        rating=rating,
        issuer=deciding_body(user, rating.decision.unit),
        old_level=rating.level,
        new_level=level,
        reason=reason,
        number=nfc(number).strip(),
        decided_on=decided_on,
        decided_by=user,
    )
    rating.level = level
    rating.change_reason = reason
    rating.updated_by = user
    with pghistory.context(
        reason=f"Đánh giá, xếp loại lại: {record.old_level} → {level}. {reason}"
    ):
        rating.save()
    return record

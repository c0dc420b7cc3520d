"""Recording the appraisal facts of a subject (QĐ 366 Art. 11): what the system cannot know,
entered by the organisation officer with a reason, each change audited."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from orgunits.text import nfc, nfc_lines
from reviews.models import Subject

from ..exceptions import (
    ConfidenceSourceRequired,
    DecisionLocked,
    FactsReasonRequired,
    FactsShareOutOfRange,
)
from ..models import AppraisalFacts, Rating, RatingStatus
from ..models.facts import FINDING_FIELDS, PCT_FIELDS

FACT_FIELDS = (*PCT_FIELDS, "socio_economic_targets_met", *FINDING_FIELDS)


@transaction.atomic
def record_appraisal_facts(
    *,
    subject: Subject,
    user: AbstractBaseUser,
    reason: str,
    facts: Mapping[str, Any],
    low_confidence_source: str = "",
) -> AppraisalFacts:
    """Create or replace the subject's facts. A share is 0–100 or empty (not known); a hand-
    entered low-confidence share names its source; a decided rating's facts stay as they were."""
    unknown = set(facts) - set(FACT_FIELDS)
    if unknown:
        raise ValueError(f"unknown facts: {sorted(unknown)}")
    reason = nfc_lines(reason)
    if not reason:
        raise FactsReasonRequired("Cần ghi lý do, nguồn của số liệu thẩm định.")
    rating = Rating.objects.select_for_update().filter(subject=subject).first()
    if rating is not None and rating.status in (RatingStatus.DECIDED, RatingStatus.PUBLISHED):
        raise DecisionLocked(
            "Mức xếp loại đã được quyết định; cần hủy quyết định để sửa số liệu thẩm định."
        )
    for name in PCT_FIELDS:
        value = facts.get(name)
        if value is not None and not Decimal(0) <= Decimal(value) <= Decimal(100):
            label = AppraisalFacts._meta.get_field(name).verbose_name
            raise FactsShareOutOfRange(f"«{label}» phải từ 0 đến 100 (nhận {value}).")
    source = nfc(low_confidence_source or "").strip()
    if facts.get("low_confidence_pct") is not None and not source:
        raise ConfidenceSourceRequired(
            "Cần ghi nguồn của tỷ lệ phiếu tín nhiệm thấp (hội nghị, ngày lấy phiếu)."
        )
    values = {name: facts.get(name) for name in (*PCT_FIELDS, "socio_economic_targets_met")}
    values.update({name: bool(facts.get(name)) for name in FINDING_FIELDS})
    with pghistory.context(reason=reason):
        record, _created = AppraisalFacts.objects.update_or_create(
            subject=subject,
            defaults={
                **values,
                "low_confidence_source": source,
                "reason": reason,
                "entered_by": user,
            },
        )
    return record

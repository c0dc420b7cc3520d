"""Remediation plans: shortcomings to remedy after a decision, carried into the next review
(section III of the report) and counted by the HTXS condition "all shortcomings remedied"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from orgunits import limits
from orgunits.text import nfc_lines

from ..exceptions import ExplanationRequired, TextTooLong
from ..models import RemediationItem, RemediationStatus, Report, ReviewPeriod, Subject


@transaction.atomic
def add_remediation_item(
    *, subject: Subject, text: str, due_on: dt.date | None = None
) -> RemediationItem:
    """A shortcoming the subject (the person, or the unit for a collective) must remedy."""
    text = nfc_lines(text)
    if not text:
        raise ExplanationRequired("Nội dung hạn chế, khuyết điểm cần khắc phục không được trống.")
    limits.check_text(text, kind="remediation", label="Hạn chế, khuyết điểm", error=TextTooLong)
    return RemediationItem.objects.create(
        origin_period=subject.period,
        person=subject.person,
        unit=None if subject.person_id else subject.unit,
        text=text,
        due_on=due_on,
    )


@transaction.atomic
def set_remediation_status(*, item: RemediationItem, status: str) -> RemediationItem:
    """Record how far a shortcoming has been remedied."""
    if status not in RemediationStatus.values:
        raise ExplanationRequired("Trạng thái khắc phục không hợp lệ.")
    item.status = status
    item.save(update_fields=["status"])
    return item


def plan_of(subject: Subject) -> list[RemediationItem]:
    """The remediation plan written for the subject in its own period."""
    items = RemediationItem.objects.filter(origin_period=subject.period)
    if subject.person_id:
        return list(items.filter(person_id=subject.person_id).order_by("pk"))
    return list(items.filter(unit_id=subject.unit_id, person=None).order_by("pk"))


def unremedied_counts(period: ReviewPeriod, subjects: list[Subject]) -> dict[int, int]:
    """For each subject, the shortcomings from earlier periods still not remedied: neither
    closed by the officer nor reported done in this period's report. One query each."""
    people = {s.person_id for s in subjects if s.person_id}
    units = {s.unit_id for s in subjects if not s.person_id}
    items = (
        RemediationItem.objects.filter(origin_period__year__lt=period.year)
        .filter(Q(person_id__in=people) | Q(unit_id__in=units))
        .exclude(status=RemediationStatus.DONE)
    )
    by_owner: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pk, person_id, unit_id in items.values_list("pk", "person_id", "unit_id"):
        key = ("p", person_id) if person_id else ("u", unit_id)
        by_owner[key].append(pk)
    reported = dict(
        Report.objects.filter(subject__in=subjects).values_list("subject_id", "remediation")
    )
    counts = {}
    for subject in subjects:
        key = ("p", subject.person_id) if subject.person_id else ("u", subject.unit_id)
        said = reported.get(subject.pk) or {}
        counts[subject.pk] = sum(
            1
            for pk in by_owner.get(key, [])
            if (said.get(str(pk)) or {}).get("status") != RemediationStatus.DONE
        )
    return counts

"""Discipline (kỷ luật): which records count for a year, the discipline checks of appraisal
(R-K1 … R-K3 and the rule set's HTXS condition for collectives), and recording a disciplinary
decision, which re-opens the ratings it affects (R-K3)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from orgunits import limits
from orgunits.models import Membership, MembershipRole, OrgUnit, UnitKind
from orgunits.text import nfc_lines
from reviews import selectors as review_selectors
from reviews.models import ReviewPeriod, SubjectClass

from ..exceptions import TextTooLong
from ..models import DisciplineRecord, Rating, RatingStatus
from .checks import HTT, KHT, Check, _current

# Who counts as a collective's leadership for its HTXS condition; every member of a leadership
# collective (tập thể lãnh đạo, quản lý) counts too.
LEADERSHIP_ROLES = (
    MembershipRole.SECRETARY,
    MembershipRole.DEPUTY_SECRETARY,
    MembershipRole.COMMITTEE_MEMBER,
    MembershipRole.HEAD,
    MembershipRole.DEPUTY_HEAD,
)
# R-K1: more than this share of a collective's sub-units disciplined makes it KHT.
SUBUNIT_DISCIPLINE_SHARE = Fraction(1, 5)


def discipline_rule(period: ReviewPeriod):
    """The period's timing of discipline (the rule set's [discipline])."""
    return review_selectors.ruleset_for_unit(period, period.scope).discipline


def counting_discipline(period: ReviewPeriod) -> Q:
    """Records that count against `period`. Older rule sets: violated in its year (R-K2, R-K3),
    not self-detected and remedied (R-K1). QĐ 366: decided in its year, whenever the violation
    was; a self-detected case counts and the competent level decides case by case."""
    rule = discipline_rule(period)
    if rule.counts_in == "violation_year":
        counted = Q(violation_date__year=period.year)
    else:
        counted = Q(decision_date__year=period.year)
    if rule.self_detected_remedied_exempt:
        counted &= Q(self_detected_remedied=False)
    return counted


def counting_record_ids(period: ReviewPeriod, records: list[DisciplineRecord]) -> set[int]:
    """Which of `records` count against `period` (for the "counts this year" marks)."""
    return set(
        DisciplineRecord.objects.filter(
            counting_discipline(period), pk__in=[r.pk for r in records]
        ).values_list("pk", flat=True)
    )


def _subunit_ids(unit: OrgUnit) -> set[int]:
    """The units directly under `unit` (its tổ chức trực thuộc)."""
    return set(
        OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).values_list(
            "pk", flat=True
        )
    )


def leadership_discipline(
    period: ReviewPeriod, units: list[OrgUnit]
) -> dict[int, list[tuple[str, DisciplineRecord]]]:
    """Per collective, its leadership members with a discipline record counting for the period,
    and the record: committee members and heads (and their deputies), and every member of a
    leadership collective. Two queries for all the collectives."""
    leadership_collectives = {u.pk for u in units if u.kind == UnitKind.LEADERSHIP_COLLECTIVE}
    records: dict[int, list[DisciplineRecord]] = defaultdict(list)
    for record in DisciplineRecord.objects.filter(
        counting_discipline(period), person__isnull=False
    ).order_by("decision_date", "pk"):
        records[record.person_id].append(record)
    rows = (
        Membership.objects.filter(unit__in=[u.pk for u in units], person_id__in=list(records))
        .filter(_current(period))
        .filter(Q(role__in=LEADERSHIP_ROLES) | Q(unit__in=leadership_collectives))
        .order_by("person__full_name")
        .values_list("unit_id", "person_id", "person__full_name")
        .distinct()
    )
    found: dict[int, list[tuple[str, DisciplineRecord]]] = defaultdict(list)
    for unit_id, person_id, name in rows:
        found[unit_id].extend((name, record) for record in records[person_id])
    return found


def _disciplined_leaders(period: ReviewPeriod, units: list[OrgUnit]) -> dict[int, list[str]]:
    """Per collective, the names of its leadership members disciplined for the period."""
    return {
        unit_id: list(dict.fromkeys(name for name, _record in pairs))
        for unit_id, pairs in leadership_discipline(period, units).items()
    }


def _collective_htxs_discipline(
    records: list[DisciplineRecord], children: set[int], leaders: list[str]
) -> list[Check]:
    """The rule set's HTXS condition for collectives: no sub-unit and no leadership member
    disciplined in the year; otherwise the collective stays at most HTT."""
    subunits = sorted({r.unit.name for r in records if r.unit_id in children})
    reasons = []
    if subunits:
        reasons.append("tổ chức trực thuộc bị kỷ luật: " + ", ".join(subunits))
    if leaders:
        reasons.append("thành viên lãnh đạo bị kỷ luật: " + ", ".join(leaders))
    if not reasons:
        return []
    message = "Tập thể chưa đủ điều kiện HTXS (" + "; ".join(reasons) + ")."
    return [Check("collective_htxs", False, message, cap=HTT)]


def _unit_discipline(
    unit: OrgUnit, records: list[DisciplineRecord], children: set[int] | None = None
) -> list[Check]:
    own = [r for r in records if r.unit_id == unit.pk]
    found = []
    if own:
        found.append(Check("R-K1", False, "Tập thể bị kỷ luật trong năm đánh giá.", KHT))
    if children is None:
        children = _subunit_ids(unit)
    disciplined = {r.unit_id for r in records if r.unit_id in children}
    if children and Fraction(len(disciplined), len(children)) > SUBUNIT_DISCIPLINE_SHARE:
        found.append(
            Check(
                "R-K1",
                False,
                f"{len(disciplined)}/{len(children)} tổ chức trực thuộc bị kỷ luật (trên 20%).",
                KHT,
            )
        )
    if any(r.is_corruption for r in records if r.unit_id in children):
        found.append(Check("R-K1", False, "Có tổ chức trực thuộc bị kỷ luật về tham nhũng.", KHT))
    return found


@transaction.atomic
def record_discipline(
    *,
    user: AbstractBaseUser,
    unit_at_time: OrgUnit,
    violation_date: dt.date,
    decision_date: dt.date,
    form: str,
    person=None,
    unit: OrgUnit | None = None,
    is_corruption: bool = False,
    self_detected_remedied: bool = False,
    duty_related: bool = True,
    description: str = "",
) -> tuple[DisciplineRecord, list[Rating]]:
    """Record a disciplinary decision. Where the rule set of the violation's year re-opens
    decided ratings (R-K3), a rating already decided for that year is re-opened, with the change
    audited; under QĐ 366 the record counts in the period of the decision and nothing is
    re-opened. Returns the record and the re-opened ratings."""
    with pghistory.context(
        reason=f"Ghi nhận quyết định kỷ luật ngày {decision_date:%d/%m/%Y} về vi phạm ngày "
        f"{violation_date:%d/%m/%Y}."
    ):
        record = DisciplineRecord.objects.create(
            person=person,
            unit=unit,
            unit_at_time=unit_at_time,
            violation_date=violation_date,
            decision_date=decision_date,
            form=form,
            is_corruption=is_corruption,
            self_detected_remedied=self_detected_remedied,
            duty_related=duty_related,
            description=limits.check_text(
                nfc_lines(description), kind="description", label="Mô tả", error=TextTooLong
            ),
            recorded_by=user,
        )
    if self_detected_remedied:
        return record, []
    affected = Rating.objects.filter(
        subject__period__year=violation_date.year,
        status__in=(RatingStatus.DECIDED, RatingStatus.PUBLISHED),
    )
    if person is not None:
        affected = affected.filter(subject__person=person)
    else:
        units = [unit.pk]
        parent = _parent_made_kht(unit, violation_date.year)
        if parent is not None:
            units.append(parent.pk)
        affected = affected.filter(
            subject__unit_id__in=units, subject__subject_class=SubjectClass.COLLECTIVE
        )
    reason = (
        f"Quyết định kỷ luật ngày {decision_date:%d/%m/%Y} về vi phạm ngày "
        f"{violation_date:%d/%m/%Y}; xem xét lại mức xếp loại năm {violation_date.year}."
    )
    reopened = []
    with pghistory.context(reason=reason):
        for rating in affected.select_related("subject__period").select_for_update(of=("self",)):
            if not discipline_rule(rating.subject.period).reopen_decided:
                continue  # the rule set counts the record in the current period instead
            rating.status = RatingStatus.REOPENED
            rating.reopened_reason = reason
            rating.updated_by = user
            rating.save()
            reopened.append(rating)
    return record, reopened


def _parent_made_kht(unit: OrgUnit, year: int) -> OrgUnit | None:
    """The parent organisation, when its sub-units' discipline in `year` (a corruption case,
    or more than 20% of them disciplined) makes it KHT under R-K1."""
    parent_path = unit.path[: -OrgUnit.steplen]
    parent = OrgUnit.objects.filter(path=parent_path).first() if parent_path else None
    if parent is None:
        return None
    records = list(
        DisciplineRecord.objects.filter(
            violation_date__year=year,
            self_detected_remedied=False,
            unit__path__startswith=parent.path,
        ).exclude(unit=parent)
    )
    return parent if any(not c.ok for c in _unit_discipline(parent, records)) else None

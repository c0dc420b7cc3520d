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

from orgunits.models import Membership, MembershipRole, OrgUnit, UnitKind
from orgunits.text import nfc_lines
from reviews.models import ReviewPeriod, SubjectClass

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


def counting_discipline(period: ReviewPeriod) -> Q:
    """Records that count against `period`: violated in its year, not self-detected and
    remedied (R-K1); each record counts only for the year of the violation (R-K2, R-K3)."""
    return Q(violation_date__year=period.year, self_detected_remedied=False)


def _subunit_ids(unit: OrgUnit) -> set[int]:
    """The units directly under `unit` (its tổ chức trực thuộc)."""
    return set(
        OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).values_list(
            "pk", flat=True
        )
    )


def _disciplined_leaders(period: ReviewPeriod, units: list[OrgUnit]) -> dict[int, list[str]]:
    """Per collective, the names of its leadership members disciplined for the period's year:
    committee members and heads (and their deputies), and every member of a leadership
    collective. One query for all the collectives."""
    leadership_collectives = {u.pk for u in units if u.kind == UnitKind.LEADERSHIP_COLLECTIVE}
    disciplined = DisciplineRecord.objects.filter(
        counting_discipline(period), person__isnull=False
    ).values("person_id")
    rows = (
        Membership.objects.filter(unit__in=[u.pk for u in units], person_id__in=disciplined)
        .filter(_current(period))
        .filter(Q(role__in=LEADERSHIP_ROLES) | Q(unit__in=leadership_collectives))
        .order_by("person__full_name")
        .values_list("unit_id", "person__full_name")
        .distinct()
    )
    found: dict[int, list[str]] = defaultdict(list)
    for unit_id, name in rows:
        found[unit_id].append(name)
    return found


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
        found.append(Check("R-K1", False, "R-K1: tập thể bị kỷ luật trong năm đánh giá.", KHT))
    if children is None:
        children = _subunit_ids(unit)
    disciplined = {r.unit_id for r in records if r.unit_id in children}
    if children and Fraction(len(disciplined), len(children)) > SUBUNIT_DISCIPLINE_SHARE:
        found.append(
            Check(
                "R-K1",
                False,
                f"R-K1: {len(disciplined)}/{len(children)} tổ chức trực thuộc bị kỷ luật "
                "(trên 20%).",
                KHT,
            )
        )
    if any(r.is_corruption for r in records if r.unit_id in children):
        found.append(
            Check("R-K1", False, "R-K1: có tổ chức trực thuộc bị kỷ luật về tham nhũng.", KHT)
        )
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
    description: str = "",
) -> tuple[DisciplineRecord, list[Rating]]:
    """Record a disciplinary decision; a rating already decided for the year of the violation
    is re-opened (R-K3), with the change audited. Returns the record and re-opened ratings."""
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
            description=nfc_lines(description),
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
        f"R-K3: quyết định kỷ luật ngày {decision_date:%d/%m/%Y} về vi phạm ngày "
        f"{violation_date:%d/%m/%Y}; xem xét lại mức xếp loại năm {violation_date.year}."
    )
    reopened = []
    with pghistory.context(reason=reason):
        for rating in affected.select_for_update():
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

"""Enrolment: the period's subjects generated from the tree (R-E1 … R-E4)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from orgunits import limits
from orgunits.models import Absence, Membership, MembershipRole, OrgUnit, UnitKind

from .. import selectors
from ..exceptions import OverrideReasonRequired, PeriodClosed, TextTooLong
from ..models import (
    CentralCadre,
    Eligibility,
    PeriodStatus,
    QuotaGroup,
    Report,
    ReportStatus,
    ReviewPeriod,
    Subject,
    SubjectClass,
)
from .eligibility import (
    PARTY_KINDS,
    AbsenceSpan,
    ExemptionRules,
    Verdict,
    collective_eligibility,
    individual_eligibility,
)

# Collectives that are rated: party organisations and leadership collectives. Agencies and
# departments are rated through their leadership collective.
COLLECTIVE_KINDS = PARTY_KINDS | {UnitKind.LEADERSHIP_COLLECTIVE}
PARTY_ROLES = {
    MembershipRole.SECRETARY,
    MembershipRole.DEPUTY_SECRETARY,
    MembershipRole.COMMITTEE_MEMBER,
    MembershipRole.PARTY_MEMBER,
}
LEADER_ROLES = {MembershipRole.HEAD, MembershipRole.DEPUTY_HEAD, MembershipRole.SECRETARY}
GROUPING_ROOT_KINDS = {UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL}
BATCH = 2000


@dataclass
class EnrolmentResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _exemption_rules(period: ReviewPeriod, unit: OrgUnit) -> ExemptionRules:
    ex = selectors.ruleset_for_unit(period, unit).exemptions
    return ExemptionRules(
        not_reviewed_party_statuses=tuple(ex.not_reviewed_party_statuses),
        min_months_since_admission=ex.min_months_since_admission,
        collective_min_months=ex.collective_min_months,
        sick_leave_cap_months=ex.sick_leave_cap_months,
        state_min_months_worked=ex.state_min_months_worked,
    )


def _reference_date(period: ReviewPeriod) -> dt.date:
    return period.opens_on


def subject_class_for(membership: Membership, central_cadres: set[int] | None = None) -> str:
    """The QĐ 366 subject class a person is reviewed in at this site."""
    person = membership.person
    if not person.works_in_political_system:
        return SubjectClass.OUTSIDE
    if central_cadres and person.pk in central_cadres:
        return SubjectClass.CENTRAL_CADRE
    if person.has_leadership_post or membership.role in LEADER_ROLES:
        return SubjectClass.LEADER
    return SubjectClass.NON_LEADER


def _is_review_site(membership: Membership) -> bool:
    kind = membership.unit.kind
    if kind in PARTY_KINDS:
        return membership.role in PARTY_ROLES and membership.person.is_party_member
    # A leader is also reviewed in the leadership collective where they work (R-E4).
    return kind == UnitKind.LEADERSHIP_COLLECTIVE and membership.role in LEADER_ROLES


def _group_anchor(unit: OrgUnit, by_path: dict[str, OrgUnit], grouping: str) -> OrgUnit:
    if grouping == "per_unit_and_class":
        return unit
    # Default (HD 21): per grassroots organisation, the nearest grassroots ancestor-or-self.
    path = unit.path
    while path:
        candidate = by_path.get(path)
        if candidate is not None and candidate.kind in GROUPING_ROOT_KINDS:
            return candidate
        path = path[: -OrgUnit.steplen]
    return unit


@transaction.atomic
def enrol_period(*, period: ReviewPeriod) -> EnrolmentResult:
    """Create the missing subjects and reports of the period and recompute eligibility.

    Idempotent: existing subjects keep their quota group and any officer override.
    """
    if period.status == PeriodStatus.CLOSED:
        raise PeriodClosed("Kỳ kiểm điểm đã kết thúc.")
    reference = _reference_date(period)
    units = list(OrgUnit.objects.filter(path__startswith=period.scope.path, is_active=True))
    by_path = {u.path: u for u in units}
    unit_ids = [u.pk for u in units]
    memberships = list(
        Membership.objects.filter(unit_id__in=unit_ids)
        .filter(Q(end_date=None) | Q(end_date__gte=reference))
        .filter(Q(start_date=None) | Q(start_date__lte=reference))
        .select_related("person", "unit")
    )
    sites = [m for m in memberships if _is_review_site(m)]
    absences: dict[int, list[AbsenceSpan]] = defaultdict(list)
    for a in Absence.objects.filter(
        person_id__in={m.person_id for m in sites},
        start_date__lte=dt.date(period.year, 12, 31),
        end_date__gte=dt.date(period.year, 1, 1),
    ):
        absences[a.person_id].append(AbsenceSpan(a.kind, a.start_date, a.end_date))

    central_cadres = set(
        CentralCadre.objects.filter(person_id__in={m.person_id for m in sites}).values_list(
            "person_id", flat=True
        )
    )
    wanted: dict[tuple[int, int | None], tuple[str, Verdict, OrgUnit]] = {}
    rules_cache: dict[int, ExemptionRules] = {}

    def rules_for(unit: OrgUnit) -> ExemptionRules:
        if unit.pk not in rules_cache:
            rules_cache[unit.pk] = _exemption_rules(period, unit)
        return rules_cache[unit.pk]

    for unit in units:
        if unit.kind in COLLECTIVE_KINDS:
            verdict = collective_eligibility(
                rules=rules_for(unit), reference=reference, established_on=unit.established_on
            )
            wanted[(unit.pk, None)] = (SubjectClass.COLLECTIVE, verdict, unit)
    for m in sites:
        key = (m.unit_id, m.person_id)
        cls = subject_class_for(m, central_cadres)
        previous = wanted.get(key)
        if previous is not None and previous[0] == SubjectClass.LEADER:
            continue  # several roles at one site: the leadership one decides the form
        verdict = individual_eligibility(
            rules=rules_for(m.unit),
            year=period.year,
            reference=reference,
            site_kind=m.unit.kind,
            is_party_member=m.person.is_party_member,
            party_status=m.person.party_status,
            admitted_on=m.person.party_admission_date,
            absences=absences.get(m.person_id, ()),
        )
        wanted[key] = (cls, verdict, m.unit)
    if period.is_quarterly:
        wanted = _quarterly_subjects(period, wanted)

    groups = _ensure_quota_groups(period, wanted.values(), by_path)
    existing = {(s.unit_id, s.person_id): s for s in Subject.objects.filter(period=period)}
    result = EnrolmentResult()
    to_create: list[Subject] = []
    to_update: list[Subject] = []
    for (unit_id, person_id), (cls, verdict, unit) in wanted.items():
        subject = existing.get((unit_id, person_id))
        if subject is None:
            to_create.append(
                Subject(
                    period=period,
                    unit_id=unit_id,
                    person_id=person_id,
                    subject_class=cls,
                    quota_group=groups[_group_key(period, unit, cls, by_path)],
                    eligibility=verdict.eligibility,
                    eligibility_reason=verdict.reason,
                )
            )
        elif not subject.eligibility_overridden and (
            subject.eligibility != verdict.eligibility
            or subject.eligibility_reason != verdict.reason
        ):
            subject.eligibility = verdict.eligibility
            subject.eligibility_reason = verdict.reason
            to_update.append(subject)
        else:
            result.unchanged += 1
    Subject.objects.bulk_create(to_create, batch_size=BATCH)
    Subject.objects.bulk_update(to_update, ["eligibility", "eligibility_reason"], batch_size=BATCH)
    result.created, result.updated = len(to_create), len(to_update)
    _create_missing_reports(period)
    return result


def _quarterly_subjects(period: ReviewPeriod, wanted: dict) -> dict:
    """A quarterly period assesses each person of the rule set's quarterly classes once (Mẫu 05
    is personal, not per site): at their party unit where they have one."""
    rule = selectors.ruleset_for_unit(period, period.scope).quarterly
    classes = rule.subject_classes if rule else ()
    chosen: dict[int, tuple[int, int | None]] = {}
    for key, (cls, _verdict, unit) in wanted.items():
        person_id = key[1]
        if person_id is None or cls not in classes:
            continue
        previous = chosen.get(person_id)
        if previous is None or (
            (unit.kind not in PARTY_KINDS, unit.path)
            < (wanted[previous][2].kind not in PARTY_KINDS, wanted[previous][2].path)
        ):
            chosen[person_id] = key
    return {key: wanted[key] for key in chosen.values()}


def _group_key(
    period: ReviewPeriod, unit: OrgUnit, cls: str, by_path: dict[str, OrgUnit]
) -> tuple[int, str]:
    grouping = selectors.ruleset_for_unit(period, unit).quota.grouping
    return (_group_anchor(unit, by_path, grouping).pk, cls)


def _ensure_quota_groups(period, wanted, by_path) -> dict[tuple[int, str], QuotaGroup]:
    existing = {(g.unit_id, g.subject_class): g for g in QuotaGroup.objects.filter(period=period)}
    labels = dict(SubjectClass.choices)
    by_pk = {u.pk: u for u in by_path.values()}
    missing = []
    for cls, _verdict, unit in wanted:
        key = _group_key(period, unit, cls, by_path)
        if key not in existing:
            anchor = by_pk[key[0]]
            group = QuotaGroup(
                period=period,
                unit=anchor,
                subject_class=cls,
                name=f"{anchor.name} – {labels[cls]}",
            )
            existing[key] = group
            missing.append(group)
    QuotaGroup.objects.bulk_create(missing)
    return existing


def _create_missing_reports(period: ReviewPeriod) -> None:
    subjects = Subject.objects.filter(period=period, report__isnull=True).select_related("unit")
    reports = []
    for subject in subjects.iterator(chunk_size=BATCH):
        form = selectors.ruleset_for_unit(period, subject.unit).form_for_period(
            subject.subject_class, quarterly=period.is_quarterly
        )
        reports.append(
            Report(subject=subject, form_code=form.code, status=ReportStatus.NOT_STARTED)
        )
    Report.objects.bulk_create(reports, batch_size=BATCH)


@transaction.atomic
def override_eligibility(
    *, subject: Subject, eligibility: str, reason: str, user: AbstractBaseUser
) -> Subject:
    """An officer's decision on eligibility, which enrolment will no longer recompute."""
    reason = reason.strip()
    if not reason:
        raise OverrideReasonRequired("Cần ghi rõ lý do khi thay đổi diện đánh giá.")
    limits.check_text(reason, kind="reason", label="Lý do", error=TextTooLong)
    if eligibility not in Eligibility.values:
        raise OverrideReasonRequired("Diện đánh giá không hợp lệ.")
    subject.eligibility = eligibility
    subject.eligibility_overridden = True
    subject.override_reason = reason
    subject.overridden_by = user
    subject.save(
        update_fields=["eligibility", "eligibility_overridden", "override_reason", "overridden_by"]
    )
    return subject


@transaction.atomic
def move_to_quota_group(*, subject: Subject, group: QuotaGroup) -> Subject:
    """Put a subject in another quota group of the same period (R-Q2)."""
    if group.period_id != subject.period_id:
        raise OverrideReasonRequired("Nhóm đối tượng thuộc kỳ kiểm điểm khác.")
    subject.quota_group = group
    subject.save(update_fields=["quota_group"])
    return subject

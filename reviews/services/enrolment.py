"""Enrolment: the period's subjects generated from the tree (R-E1 … R-E4)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

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
    # Why some memberships are not review sites of their own (HD 43 §7.4, §7.6).
    notes: list[str] = field(default_factory=list)


def _exemption_rules(period: ReviewPeriod, unit: OrgUnit) -> ExemptionRules:
    ruleset = selectors.ruleset_for_unit(period, unit)
    ex = ruleset.exemptions
    cap = next((lv.name for lv in ruleset.levels if lv.code == ex.cap_level), "")
    return ExemptionRules(
        not_reviewed_party_statuses=tuple(ex.not_reviewed_party_statuses),
        min_months_since_admission=ex.min_months_since_admission,
        collective_min_months=ex.collective_min_months,
        sick_leave_months=ex.sick_leave_months,
        sick_leave_effect=ex.sick_leave_effect,
        cap_level_name=cap,
        state_min_months_worked=ex.state_min_months_worked,
        maternity_rate_on_time_worked=ex.maternity_rate_on_time_worked,
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
        # A member attending a cell temporarily is rated at their official cell (HD 43 §7.6).
        return (
            membership.role in PARTY_ROLES
            and membership.person.is_party_member
            and not membership.is_temporary
        )
    # A leader is also reviewed in the leadership collective where they work (R-E4).
    return kind == UnitKind.LEADERSHIP_COLLECTIVE and membership.role in LEADER_ROLES


def _temporary_notes(memberships: list[Membership]) -> list[str]:
    return [
        f"{m.person.full_name} sinh hoạt tạm thời tại {m.unit.name}: kiểm điểm, đánh giá, xếp "
        "loại tại chi bộ nơi sinh hoạt chính thức."
        for m in memberships
        if m.is_temporary and m.unit.kind in PARTY_KINDS and m.person.is_party_member
    ]


def _fold_small_collectives(
    sites: list[Membership], min_members: Callable[[OrgUnit], int]
) -> tuple[list[Membership], dict[int, OrgUnit], list[str]]:
    """HD 43 §7.4: a leadership collective with fewer members than the rule set's minimum
    reviews within the party cell or committee: its members' sites there are dropped (when
    they have a party site to review at) and they review as leaders at their party site."""
    leaders: dict[int, list[Membership]] = defaultdict(list)
    for m in sites:
        if m.unit.kind == UnitKind.LEADERSHIP_COLLECTIVE:
            leaders[m.unit_id].append(m)
    party_people = {m.person_id for m in sites if m.unit.kind in PARTY_KINDS}
    folded: dict[int, OrgUnit] = {}
    notes = []
    for members in leaders.values():
        unit = members[0].unit
        people = {m.person_id for m in members}
        minimum = min_members(unit)
        if len(people) >= minimum:
            continue
        lead = f"{unit.name} có {len(people)} thành viên (dưới {minimum})"
        if not people <= party_people:
            notes.append(
                f"{lead} nhưng có thành viên không sinh hoạt đảng tại chi bộ, cấp ủy trong phạm "
                "vi kỳ này: vẫn kiểm điểm riêng tại tập thể lãnh đạo."
            )
            continue
        folded.update(dict.fromkeys(people, unit))
        notes.append(
            f"{lead}: kiểm điểm trong chi bộ, cấp ủy nơi sinh hoạt, không lập điểm kiểm điểm riêng."
        )
    kept = [
        m
        for m in sites
        if not (m.unit.kind == UnitKind.LEADERSHIP_COLLECTIVE and m.person_id in folded)
    ]
    return kept, folded, notes


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
    memberships = list(
        Membership.objects.filter(unit_id__in=[u.pk for u in units])
        .filter(Q(end_date=None) | Q(end_date__gte=reference))
        .filter(Q(start_date=None) | Q(start_date__lte=reference))
        .select_related("person", "unit")
    )
    rules_cache: dict[int, ExemptionRules] = {}

    def rules_for(unit: OrgUnit) -> ExemptionRules:
        if unit.pk not in rules_cache:
            rules_cache[unit.pk] = _exemption_rules(period, unit)
        return rules_cache[unit.pk]

    def min_members(unit: OrgUnit) -> int:
        return selectors.ruleset_for_unit(period, unit).exemptions.leadership_collective_min_members

    sites, folded, notes = _fold_small_collectives(
        [m for m in memberships if _is_review_site(m)], min_members
    )
    wanted = _wanted_subjects(period, units, sites, folded, rules_for)
    result = _save_subjects(period, wanted, by_path)
    result.notes = _temporary_notes(memberships) + notes
    _create_missing_reports(period)
    return result


Wanted = dict[tuple[int, int | None], tuple[str, Verdict, OrgUnit]]


def _absences(period: ReviewPeriod, person_ids: set[int]) -> dict[int, list[AbsenceSpan]]:
    absences: dict[int, list[AbsenceSpan]] = defaultdict(list)
    for a in Absence.objects.filter(
        person_id__in=person_ids,
        start_date__lte=dt.date(period.year, 12, 31),
        end_date__gte=dt.date(period.year, 1, 1),
    ):
        absences[a.person_id].append(AbsenceSpan(a.kind, a.start_date, a.end_date))
    return absences


def _wanted_subjects(
    period: ReviewPeriod,
    units: list[OrgUnit],
    sites: list[Membership],
    folded: dict[int, OrgUnit],
    rules_for: Callable[[OrgUnit], ExemptionRules],
) -> Wanted:
    reference = _reference_date(period)
    absences = _absences(period, {m.person_id for m in sites})
    central_cadres = set(
        CentralCadre.objects.filter(person_id__in={m.person_id for m in sites}).values_list(
            "person_id", flat=True
        )
    )
    wanted: Wanted = {}
    for unit in units:
        if unit.kind in COLLECTIVE_KINDS:
            verdict = collective_eligibility(
                rules=rules_for(unit), reference=reference, established_on=unit.established_on
            )
            if unit in folded.values():
                verdict = _with_note(verdict, SMALL_COLLECTIVE_NOTE)
            wanted[(unit.pk, None)] = (SubjectClass.COLLECTIVE, verdict, unit)
    for m in sites:
        key = (m.unit_id, m.person_id)
        cls = subject_class_for(m, central_cadres)
        if m.person_id in folded and cls == SubjectClass.NON_LEADER:
            # A member of a small leadership collective reviews as a leader at their cell.
            cls = SubjectClass.LEADER
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
        if m.person_id in folded:
            verdict = _with_note(
                verdict, f"Kiểm điểm với tư cách thành viên {folded[m.person_id]}."
            )
        wanted[key] = (cls, verdict, m.unit)
    if period.is_quarterly:
        wanted = _quarterly_subjects(period, wanted)
    return wanted


SMALL_COLLECTIVE_NOTE = (
    "Tập thể lãnh đạo, quản lý có ít thành viên: kiểm điểm trong chi bộ, cấp ủy nơi sinh hoạt."
)


def _with_note(verdict: Verdict, note: str) -> Verdict:
    reason = f"{verdict.reason} {note}" if verdict.reason else note
    return Verdict(verdict.eligibility, reason, verdict.on_time_worked)


def _save_subjects(
    period: ReviewPeriod, wanted: Wanted, by_path: dict[str, OrgUnit]
) -> EnrolmentResult:
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
                    rated_on_time_worked=verdict.on_time_worked,
                )
            )
        elif not subject.eligibility_overridden and (
            subject.eligibility,
            subject.eligibility_reason,
            subject.rated_on_time_worked,
        ) != (verdict.eligibility, verdict.reason, verdict.on_time_worked):
            subject.eligibility = verdict.eligibility
            subject.eligibility_reason = verdict.reason
            subject.rated_on_time_worked = verdict.on_time_worked
            to_update.append(subject)
        else:
            result.unchanged += 1
    Subject.objects.bulk_create(to_create, batch_size=BATCH)
    Subject.objects.bulk_update(
        to_update,
        ["eligibility", "eligibility_reason", "rated_on_time_worked"],
        batch_size=BATCH,
    )
    result.created, result.updated = len(to_create), len(to_update)
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

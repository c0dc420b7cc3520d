"""Who is reviewed and rated in a period (R-E1 … R-E3), as one pure function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from orgunits.models import AbsenceKind, PartyStatus, UnitKind

from ..models import Eligibility

# Average month length: "3 months of sick leave" is compared in days.
DAYS_PER_MONTH = 365.25 / 12

PARTY_KINDS = frozenset(
    {
        UnitKind.PARTY_COMMITTEE,
        UnitKind.GRASSROOTS_COMMITTEE,
        UnitKind.SECTION_COMMITTEE,
        UnitKind.GRASSROOTS_CELL,
        UnitKind.PARTY_CELL,
    }
)


@dataclass(frozen=True)
class ExemptionRules:
    """The rule set's exemption parameters (names as in the rule-set files)."""

    not_reviewed_party_statuses: tuple[str, ...] = (PartyStatus.EXEMPT, PartyStatus.SUSPENDED)
    min_months_since_admission: int = 6
    collective_min_months: int = 6
    sick_leave_cap_months: float = 3
    state_min_months_worked: int = 6


@dataclass(frozen=True)
class AbsenceSpan:
    kind: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Verdict:
    eligibility: str
    reason: str = ""


def months_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def _absent_months(absences: Iterable[AbsenceSpan], year: int, kinds: set[str]) -> float:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days = 0
    for a in absences:
        if a.kind in kinds:
            start, end = max(a.start, first), min(a.end, last)
            if end >= start:
                days += (end - start).days + 1
    return days / DAYS_PER_MONTH


def individual_eligibility(
    *,
    rules: ExemptionRules,
    year: int,
    reference: dt.date,
    site_kind: str,
    is_party_member: bool,
    party_status: str,
    admitted_on: dt.date | None,
    absences: Iterable[AbsenceSpan] = (),
) -> Verdict:
    """Eligibility of one person at one review site; the first rule that applies wins."""
    absences = list(absences)
    party_site = site_kind in PARTY_KINDS
    if is_party_member and party_site:
        if party_status in rules.not_reviewed_party_statuses:
            return Verdict(
                Eligibility.NOT_REVIEWED,
                "Không kiểm điểm: đảng viên được miễn công tác và sinh hoạt đảng hoặc đang bị "
                "đình chỉ sinh hoạt đảng.",
            )
        if (
            admitted_on
            and months_between(admitted_on, reference) < rules.min_months_since_admission
        ):
            return Verdict(
                Eligibility.NOT_REVIEWED,
                f"Không kiểm điểm: vào Đảng ngày {admitted_on:%d/%m/%Y}, chưa đủ "
                f"{rules.min_months_since_admission} tháng.",
            )
    sick = _absent_months(absences, year, {AbsenceKind.SICK_LEAVE})
    if not party_site:
        away = _absent_months(absences, year, {AbsenceKind.SICK_LEAVE, AbsenceKind.OTHER})
        worked = 12 - away
        if worked < rules.state_min_months_worked:
            return Verdict(
                Eligibility.NOT_RATED,
                f"Không xếp loại: thời gian công tác trong năm khoảng {worked:.1f} tháng, dưới "
                f"{rules.state_min_months_worked} tháng (vẫn viết bản kiểm điểm).",
            )
        if away >= rules.sick_leave_cap_months:
            return Verdict(
                Eligibility.CAPPED,
                "Không xếp loại cao hơn “Hoàn thành nhiệm vụ”: "
                f"nghỉ khoảng {away:.1f} tháng trong năm.",
            )
    if sick >= rules.sick_leave_cap_months:
        return Verdict(
            Eligibility.CAPPED,
            "Không xếp loại cao hơn “Hoàn thành nhiệm vụ”: "
            f"nghỉ ốm khoảng {sick:.1f} tháng trong năm (từ {rules.sick_leave_cap_months:g} "
            "tháng trở lên).",
        )
    maternity = _absent_months(absences, year, {AbsenceKind.MATERNITY})
    if maternity > 0:
        return Verdict(
            Eligibility.ELIGIBLE,
            f"Nghỉ thai sản khoảng {maternity:.1f} tháng: đánh giá theo thời gian "
            "thực tế công tác.",
        )
    return Verdict(Eligibility.ELIGIBLE)


def collective_eligibility(
    *, rules: ExemptionRules, reference: dt.date, established_on: dt.date | None
) -> Verdict:
    """Eligibility of a collective: too recently formed means reviewed but not rated (R-E2)."""
    if established_on and months_between(established_on, reference) < rules.collective_min_months:
        return Verdict(
            Eligibility.NOT_RATED,
            f"Không xếp loại: tập thể thành lập ngày {established_on:%d/%m/%Y}, chưa đủ "
            f"{rules.collective_min_months} tháng.",
        )
    return Verdict(Eligibility.ELIGIBLE)

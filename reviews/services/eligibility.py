"""Who is reviewed and rated in a period (R-E1 … R-E3), as one pure function.

Every month count is in calendar months (`reviews.months`); the reasons say so, with dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from orgunits.models import AbsenceKind, PartyStatus, UnitKind

from ..models import Eligibility
from ..months import (
    ONE_DAY,
    duration_text,
    has_months,
    months_and_days,
    months_end,
    span_of_days,
)

PARTY_KINDS = frozenset(
    {
        UnitKind.PARTY_COMMITTEE,
        UnitKind.GRASSROOTS_COMMITTEE,
        UnitKind.SECTION_COMMITTEE,
        UnitKind.GRASSROOTS_CELL,
        UnitKind.PARTY_CELL,
    }
)
# What a long sick leave does to the rating: the values of `exemptions.sick_leave_effect`.
CAP = "cap"
RATE_ON_TIME_WORKED = "rate_on_time_worked"
TIME_WORKED_TEXT = "đánh giá trên kết quả làm việc thực tế"


@dataclass(frozen=True)
class ExemptionRules:
    """The rule set's exemption parameters (names as in the rule-set files)."""

    not_reviewed_party_statuses: tuple[str, ...] = (PartyStatus.EXEMPT, PartyStatus.SUSPENDED)
    min_months_since_admission: int = 6
    collective_min_months: int = 6
    sick_leave_months: int = 3
    sick_leave_effect: str = CAP
    cap_level_name: str = "Hoàn thành nhiệm vụ"
    state_min_months_worked: int = 6
    maternity_rate_on_time_worked: bool = True


@dataclass(frozen=True)
class AbsenceSpan:
    kind: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Verdict:
    eligibility: str
    reason: str = ""
    # Rated on the results of the time actually worked (HD 43 §7.5), not capped.
    on_time_worked: bool = False


@dataclass(frozen=True)
class Absent:
    """The days away in the year, laid end to end from the first one (see reviews.months)."""

    first: dt.date | None
    days: int

    @property
    def through(self) -> dt.date | None:
        return span_of_days(self.first, self.days) if self.first and self.days else None

    def reaches(self, months: int) -> bool:
        return self.through is not None and has_months(self.first, self.through, months)

    def text(self) -> str:
        if self.through is None:
            return duration_text(0, 0)
        return duration_text(*months_and_days(self.first, self.through))


def _merged_spans(
    absences: Iterable[AbsenceSpan], year: int, kinds: set[str]
) -> list[tuple[dt.date, dt.date]]:
    """The absences of `kinds` within the calendar year, overlaps and neighbours merged."""
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(
        (max(a.start, first_day), min(a.end, last_day))
        for a in absences
        if a.kind in kinds and a.end >= first_day and a.start <= last_day
    ):
        if merged and start <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def absent_in_year(absences: Iterable[AbsenceSpan], year: int, kinds: set[str]) -> Absent:
    """The days of `kinds` of absence within the calendar year (overlaps counted once)."""
    spans = _merged_spans(absences, year, kinds)
    days = sum((end - start).days + 1 for start, end in spans)
    return Absent(spans[0][0] if spans else None, days)


def worked_in_year(absences: Iterable[AbsenceSpan], year: int, kinds: set[str]) -> Absent:
    """The days of the calendar year not away, laid end to end from the first of them."""
    spans = _merged_spans(absences, year, kinds)
    first = dt.date(year, 1, 1)
    for start, end in spans:
        if start > first:
            break
        first = end + ONE_DAY
    year_days = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1
    days = year_days - sum((end - start).days + 1 for start, end in spans)
    return Absent(first if days else None, days)


def _admission(rules: ExemptionRules, admitted_on: dt.date, reference: dt.date) -> Verdict | None:
    needed = rules.min_months_since_admission
    if has_months(admitted_on, reference, needed):
        return None
    return Verdict(
        Eligibility.NOT_REVIEWED,
        f"Không kiểm điểm: vào Đảng ngày {admitted_on:%d/%m/%Y}, đến hết ngày "
        f"{reference:%d/%m/%Y} chưa đủ {needed} tháng (tính theo tháng dương lịch: "
        f"đủ {needed} tháng vào hết ngày "
        f"{months_end(admitted_on, needed):%d/%m/%Y}).",
    )


def _long_leave(rules: ExemptionRules, what: str, away: Absent) -> Verdict:
    lead = f"{what} {away.text()} trong năm (từ {rules.sick_leave_months} tháng trở lên)"
    if rules.sick_leave_effect == CAP:
        return Verdict(
            Eligibility.CAPPED,
            f"{lead}: không xếp loại cao hơn “{rules.cap_level_name}”.",
        )
    return Verdict(Eligibility.ELIGIBLE, f"{lead}: {TIME_WORKED_TEXT}.", on_time_worked=True)


def _state_side(rules: ExemptionRules, year: int, absences: list[AbsenceSpan]) -> Verdict | None:
    kinds = {AbsenceKind.SICK_LEAVE, AbsenceKind.OTHER}
    worked = worked_in_year(absences, year, kinds)
    if not worked.reaches(rules.state_min_months_worked):
        return Verdict(
            Eligibility.NOT_RATED,
            f"Không xếp loại: thời gian công tác trong năm {worked.text()}, dưới "
            f"{rules.state_min_months_worked} tháng: vẫn viết kiểm điểm, không xếp loại.",
        )
    away = absent_in_year(absences, year, kinds)
    if away.reaches(rules.sick_leave_months):
        return _long_leave(rules, "Nghỉ", away)
    return None


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
        if admitted_on and (verdict := _admission(rules, admitted_on, reference)):
            return verdict
    if not party_site and (verdict := _state_side(rules, year, absences)):
        return verdict
    sick = absent_in_year(absences, year, {AbsenceKind.SICK_LEAVE})
    if sick.reaches(rules.sick_leave_months):
        return _long_leave(rules, "Nghỉ ốm", sick)
    maternity = absent_in_year(absences, year, {AbsenceKind.MATERNITY})
    if maternity.days and rules.maternity_rate_on_time_worked:
        return Verdict(
            Eligibility.ELIGIBLE,
            f"Nghỉ thai sản {maternity.text()} trong năm: {TIME_WORKED_TEXT}.",
            on_time_worked=True,
        )
    return Verdict(Eligibility.ELIGIBLE)


def collective_eligibility(
    *, rules: ExemptionRules, reference: dt.date, established_on: dt.date | None
) -> Verdict:
    """Eligibility of a collective: too recently formed means reviewed but not rated (R-E2)."""
    needed = rules.collective_min_months
    if established_on and not has_months(established_on, reference, needed):
        return Verdict(
            Eligibility.NOT_RATED,
            f"Không xếp loại: tập thể thành lập ngày {established_on:%d/%m/%Y}, đến hết ngày "
            f"{reference:%d/%m/%Y} chưa đủ {needed} tháng (tính theo tháng dương lịch: "
            f"đủ {needed} tháng vào hết ngày "
            f"{months_end(established_on, needed):%d/%m/%Y}).",
        )
    return Verdict(Eligibility.ELIGIBLE)

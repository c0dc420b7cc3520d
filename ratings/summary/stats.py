"""The class groups, the data classes of a summary and the level and percentage helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from orgunits.models import OrgUnit, UnitKind
from reviews.models import ReviewPeriod, SubjectClass

from ..models import RatingStatus, SummaryNarrative

LEVELS: tuple[str, ...] = ("HTXS", "HTT", "HT", "KHT")
DECIDED: tuple[str, ...] = (RatingStatus.DECIDED, RatingStatus.PUBLISHED)
LEADER_CLASSES = (SubjectClass.LEADER, SubjectClass.CENTRAL_CADRE)
PARTY_KINDS = (
    UnitKind.PARTY_COMMITTEE,
    UnitKind.GRASSROOTS_COMMITTEE,
    UnitKind.SECTION_COMMITTEE,
    UnitKind.GRASSROOTS_CELL,
    UnitKind.PARTY_CELL,
)
GRASSROOTS_KINDS = (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL)
CELL_KINDS = (UnitKind.PARTY_CELL, UnitKind.SECTION_COMMITTEE)
LEADERSHIP_KINDS = (UnitKind.LEADERSHIP_COLLECTIVE,)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ClassGroup:
    code: str
    label: Any  # lazy translation for the UI
    title: str  # fixed Vietnamese for documents and exports
    collective: bool


GROUPS: tuple[ClassGroup, ...] = (
    ClassGroup(
        "grassroots", _("Grassroots party organisations"), "Tổ chức cơ sở đảng", collective=True
    ),
    ClassGroup(
        "cells",
        _("Party cells and section committees"),
        "Đảng bộ bộ phận, chi bộ trực thuộc",
        collective=True,
    ),
    ClassGroup(
        "leadership",
        _("Leadership collectives"),
        "Tập thể lãnh đạo, quản lý",
        collective=True,
    ),
    ClassGroup("members", _("Party members"), "Đảng viên", collective=False),
    ClassGroup("leaders", _("Leaders and managers"), "Cán bộ lãnh đạo, quản lý", collective=False),
)
GROUP_BY_CODE = {g.code: g for g in GROUPS}


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage rounded half up to two decimals; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GroupStats:
    """The figures of one class group in one scope.

    total = not_reviewed + not_rated + eligible; eligible = pending + rated; rated = Σ levels.
    Shares of a level are of those rated (the decided levels add up to 100%).
    """

    group: str
    total: int = 0
    not_reviewed: int = 0
    not_rated: int = 0
    pending: int = 0
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    partial: bool = False  # an imported year: only the levels are known

    @property
    def reviewed(self) -> int:
        """Reviewed (kiểm điểm): everyone but those exempt from the review (R-E1)."""
        return self.total - self.not_reviewed

    @property
    def eligible(self) -> int:
        """To be rated: reviewed, less those reviewed but not rated (R-E2, R-E3)."""
        return self.reviewed - self.not_rated

    @property
    def exempt(self) -> int:
        return self.not_reviewed + self.not_rated

    @property
    def rated(self) -> int:
        return sum(self.levels.values())

    def count(self, level: str) -> int:
        return self.levels.get(level, 0)

    def pct(self, level: str) -> Decimal | None:
        return percent(self.count(level), self.rated)

    @property
    def htt_or_above(self) -> int:
        return self.count("HTXS") + self.count("HTT")

    @property
    def htt_or_above_pct(self) -> Decimal | None:
        return percent(self.htt_or_above, self.rated)

    @property
    def htxs_pct_of_rated(self) -> Decimal | None:
        return percent(self.count("HTXS"), self.rated)

    @property
    def htxs_pct_of_htt(self) -> Decimal | None:
        return percent(self.count("HTXS"), self.count("HTT"))

    @property
    def level_rows(self) -> list[tuple[str, int, Decimal | None]]:
        return [(code, self.count(code), self.pct(code)) for code in LEVELS]


def _empty(group: str) -> GroupStats:
    return GroupStats(group=group)


@dataclass
class ChildRow:
    """One row of the table per child unit: the child's whole subtree (or the unit's own
    subjects when `unit` is None)."""

    unit: OrgUnit | None
    groups: dict[str, GroupStats]

    @property
    def has_subjects(self) -> bool:
        return any(g.total for g in self.groups.values())


@dataclass
class YearFigures:
    year: int
    source: str  # "period" (this app), "history" (imported levels)
    label: str
    groups: dict[str, GroupStats]
    period_id: int | None = None


@dataclass(frozen=True)
class YearRange:
    """The lowest and highest "HTT or above" share over the years: "từ 89,38% đến 96,10%"."""

    low: Decimal
    low_year: int
    high: Decimal
    high_year: int
    first_year: int
    last_year: int


@dataclass(frozen=True)
class QuotaRow:
    group_id: int
    name: str
    subject_class: str
    unit_name: str
    headcount: int
    htxs: int
    htt: int
    cap: int
    ok: bool


@dataclass
class QuotaCompliance:
    groups: int
    within: int
    rows: list[QuotaRow]  # exceeding first, then by name

    @property
    def exceeding(self) -> int:
        return self.groups - self.within


@dataclass(frozen=True)
class KhtRow:
    subject_id: int
    name: str
    unit_name: str
    subject_class: str
    group: str
    reasons: list[str]


@dataclass
class UnitSummary:
    period: ReviewPeriod
    unit: OrgUnit
    totals: dict[str, GroupStats]
    rows: list[ChildRow]
    years: list[YearFigures]
    ranges: dict[str, YearRange]
    quota: QuotaCompliance
    kht: list[KhtRow]
    kht_total: int
    narrative: SummaryNarrative | None = None

    def group(self, code: str) -> GroupStats:
        return self.totals[code]

    @property
    def previous(self) -> YearFigures | None:
        """The latest year before this period's, for "compared with last year"."""
        earlier = [y for y in self.years if y.year < self.period.year]
        return earlier[-1] if earlier else None


def vn_percent(value: Decimal | None) -> str:
    """'89,38%' as Vietnamese documents write it; an en dash when there is nothing to divide."""
    if value is None:
        return "–"
    return f"{value:.2f}".replace(".", ",") + "%"


def vn_number(value: int) -> str:
    """'165.000': thousands separated by dots."""
    return f"{value:,}".replace(",", ".")

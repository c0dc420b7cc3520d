"""The rule-set value objects: frozen, typed, built only by the loader."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .deadlines import Deadline

LEVEL_CODES: tuple[str, ...] = ("HTXS", "HTT", "HT", "KHT")
SUBJECT_CLASSES: tuple[str, ...] = (
    "collective",
    "central_cadre",
    "leader",
    "non_leader",
    "outside",
)
SCORING_MODELS: tuple[str, ...] = ("grades", "points")
POINT_GROUPS: tuple[str, ...] = ("general", "tasks")
SECTION_KINDS: tuple[str, ...] = (
    "text",
    "criteria",
    "checklist",
    "remediation",
    "suggestions",
    "self_level",
)
QUOTA_BASES: tuple[str, ...] = ("htt", "htt_or_better", "headcount")
ROUNDINGS: tuple[str, ...] = ("floor", "round_half_up", "ceil")
# What a long sick leave does (R-E3): cap the level, or rate on the time worked (HD 43 §7.5).
SICK_LEAVE_EFFECTS: tuple[str, ...] = ("cap", "rate_on_time_worked")
GROUPINGS: tuple[str, ...] = (
    "per_grassroots_and_class",
    "per_unit_and_class",
    "per_title_and_level",
)
TIE_BREAKS: tuple[str, ...] = ("score_then_ballot", "ballot", "manual")
VOTE_RULES: tuple[str, ...] = ("absolute_majority", "cumulative", "plurality")
VOTE_BASES: tuple[str, ...] = ("convened", "present", "valid")
CALENDAR_TIERS: tuple[str, ...] = ("cell", "grassroots", "upper")  # lower tiers first (R-L3)
CALENDAR_STEPS: tuple[str, ...] = (
    "self_report_due",
    "circulation",
    "meeting_start",
    "meeting_end",
    "appraisal_due",
    "decision_due",
    "announcement",
)
CONFIDENCE_MARKS: tuple[str, ...] = ("?", "L", "C")  # weakest first
# When a disciplinary decision counts: in the year of the violation (and a decided rating of that
# year is re-opened), or in the period in which the decision is taken.
DISCIPLINE_COUNTS_IN: tuple[str, ...] = ("violation_year", "decision_year")


class RuleSetError(Exception):
    """A rule-set file is invalid; the message names the file, the dotted key and the problem."""

    def __init__(self, path: str, key: str, problem_vi: str, problem_en: str) -> None:
        self.path = path
        self.key = key
        self.problem_vi = problem_vi
        self.problem_en = problem_en
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem_vi} / {problem_en}")


class RuleSetNotFound(KeyError):
    """No rule set with that code (or none for that year); a KeyError for callers' convenience."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Note:
    """An explanation shown next to a parameter; `confidence` is "C", "L", "?" or None."""

    key: str
    text: str
    confidence: str | None = None


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Grade:
    code: str
    name: str


@dataclass(frozen=True)
class Band:
    """Totals of at least `min_points` (and below the next better band) get `level`."""

    level: str
    min_points: Decimal

    @property
    def min(self) -> Decimal:
        return self.min_points


@dataclass(frozen=True)
class HardConditions:
    """Conditions on top of points or grades; None means the condition does not apply."""

    htxs_min_tasks_on_time_pct: Decimal | None = None
    htxs_min_tasks_exceeded_pct: Decimal | None = None
    htxs_requires_all_shortcomings_remedied: bool | None = None
    htt_min_tasks_on_time_pct: Decimal | None = None
    collective_htxs_no_disciplined: bool | None = None
    collective_ht_min_tasks_completed_pct: Decimal | None = None
    collective_ht_max_tasks_behind_pct: Decimal | None = None
    htxs_all_criteria_min_grade: str | None = None
    htxs_task_criteria_grade: str | None = None
    htxs_min_targets_met_pct: Decimal | None = None
    htxs_min_targets_exceeded_pct: Decimal | None = None
    any_kem_means_kht: bool | None = None
    kht_if_disciplined_in_year: bool | None = None
    kht_if_led_unit_targets_met_below_pct: Decimal | None = None
    collective_kht_if_disciplined_subunits_above_pct: Decimal | None = None


@dataclass(frozen=True)
class LevelConditions:
    """The level conditions and KHT triggers of one subject class (QĐ 366 Art. 11); None means
    the condition does not apply to the class. Percentages are of the tasks (or units)."""

    htxs_min_tasks_on_time_pct: Decimal | None = None
    htxs_min_tasks_exceeded_pct: Decimal | None = None
    htxs_led_units_same: bool | None = None
    htt_min_tasks_on_time_pct: Decimal | None = None
    ht_min_tasks_completed_pct: Decimal | None = None
    ht_max_tasks_behind_pct: Decimal | None = None
    kht_below_unit_tasks_completed_pct: Decimal | None = None
    kht_if_socio_economic_targets_missed: bool | None = None
    kht_if_led_units_kht_above_pct: Decimal | None = None
    kht_if_low_confidence_above_pct: Decimal | None = None
    kht_discipline_min_form: str | None = None
    kht_if_degraded: bool | None = None
    kht_if_cadre_work_wrongdoing: bool | None = None
    kht_if_disunity: bool | None = None
    kht_if_position_seeking: bool | None = None
    kht_if_corruption_in_scope_disciplined: bool | None = None
    kht_if_prohibited_conduct: bool | None = None
    kht_above_tasks_not_completed_pct: Decimal | None = None


@dataclass(frozen=True)
class DisciplineRule:
    """When discipline counts. The defaults are the older rules (R-K1, R-K3), which rule sets
    written before this section existed keep."""

    counts_in: str = "violation_year"
    reopen_decided: bool = True
    self_detected_remedied_exempt: bool = True
    # A decided rating found wrong is cancelled and redone by a decision (QĐ 366 Art. 15(3),
    # Mẫu 03) rather than by re-opening the year.
    rerate_by_decision: bool = False


@dataclass(frozen=True)
class Scoring:
    """`grades` is empty under the points model; the point fields are None under grades."""

    model: str
    grades: tuple[Grade, ...] = ()
    general_max: Decimal | None = None
    tasks_max: Decimal | None = None
    bands: tuple[Band, ...] = ()
    hard_conditions: HardConditions = field(default_factory=HardConditions)

    @property
    def is_points(self) -> bool:
        return self.model == "points"

    @property
    def max_total(self) -> Decimal | None:
        if self.general_max is None or self.tasks_max is None:
            return None
        return self.general_max + self.tasks_max


@dataclass(frozen=True)
class SubjectClass:
    code: str
    name: str
    form: str


@dataclass(frozen=True)
class FormSection:
    key: str
    title: str
    kind: str
    parts: tuple[str, ...] = ()
    # Sections titled "(nếu có)" may stay empty; the report can be submitted without them.
    required: bool = True
    # The part heading ("A", "B") the section sits under and its own number ("I", "II"); empty
    # when the form has no part headings (the sections are then numbered in order).
    heading: str = ""
    number: str = ""


@dataclass(frozen=True)
class FormHeading:
    """A part heading of a form: "A. NỘI DUNG KIỂM ĐIỂM"."""

    key: str
    title: str


@dataclass(frozen=True)
class Form:
    code: str
    title: str
    sections: tuple[FormSection, ...]
    headings: tuple[FormHeading, ...] = ()

    def sections_of_kind(self, kind: str) -> tuple[FormSection, ...]:
        return tuple(s for s in self.sections if s.kind == kind)

    def numbered_sections(self) -> list[tuple[FormHeading | None, str, FormSection]]:
        """(heading opened by this section or None, its number, section), in order.

        With part headings the numbers are the form's own ("I", "II"; "" for an unnumbered
        section); without, the sections are numbered I, II, … in order."""
        titles = {h.key: h for h in self.headings}
        rows: list[tuple[FormHeading | None, str, FormSection]] = []
        current = None
        for index, section in enumerate(self.sections):
            opened = None
            if self.headings and section.heading != current:
                current = section.heading
                opened = titles.get(current)
            number = section.number if self.headings else roman(index + 1)
            rows.append((opened, number, section))
        return rows


def roman(value: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    result = ""
    for amount, numeral in numerals:
        while value >= amount:
            result += numeral
            value -= amount
    return result


GROUP_TITLES: Mapping[str, str] = {
    "general": "Tiêu chí chung",
    "tasks": "Kết quả thực hiện nhiệm vụ",
}


@dataclass(frozen=True)
class Criterion:
    """One scored criteria group of a subject class, under the part `group` ("general" or
    "tasks"). Under the 124/132 rule sets a group is a single graded criterion; under 366 it is
    an annex's group ("Về chính trị, …") with its sub-criteria in `details`. `placeholder`
    means its wording awaits the operator; `source` names where the wording comes from."""

    code: str
    group: str
    title: str
    max_points: Decimal | None
    placeholder: bool
    details: tuple[str, ...] = ()
    source: str = ""
    part_title: str = ""

    @property
    def group_title(self) -> str:
        return self.part_title or GROUP_TITLES.get(self.group, self.group)


@dataclass(frozen=True)
class QuotaRule:
    """R-Q1…R-Q4: at most `ratio` × (count on `basis`), rounded, with the small-group allowance."""

    ratio: Fraction
    basis: str
    rounding: str
    small_group_threshold: int
    small_group_allowance: int
    grouping: str
    tie_break: str
    # R-Q5: the highest ratio the competent level may allow an outstanding organisation;
    # 0 = no exception under this rule set.
    exception_max_ratio: Fraction = Fraction(0)

    def cap(self, base_count: int) -> int:
        """The most HTXS allowed in a group whose count on `basis` is `base_count`."""
        if base_count < 0:
            raise ValueError("base_count must not be negative")
        raw = self.ratio * base_count
        if self.rounding == "floor":
            cap = math.floor(raw)
        elif self.rounding == "ceil":
            cap = math.ceil(raw)
        else:
            cap = math.floor(raw + Fraction(1, 2))
        if self.small_group_threshold and base_count < self.small_group_threshold:
            cap = max(cap, self.small_group_allowance)
        return cap


@dataclass(frozen=True)
class VoteRule:
    """Secret ballot → proposed level. `threshold` is compared with `>` when `strict`, else `>=`;
    per-level counts are published only with at least `min_voters_for_counts` voters."""

    rule: str
    base: str
    threshold: Fraction
    strict: bool
    quorum: Fraction
    min_voters_for_counts: int
    allow_revote: bool
    # Whether members suspended from party activities (present or not) count among those
    # convened and present for the quorum; they never receive a ballot either way.
    suspended_in_quorum: bool = False


@dataclass(frozen=True)
class ConfidenceVoteRule:
    """QĐ 96: quorum ≥ `quorum`; "low" share > `low_resign_threshold` or ≥ `low_dismiss_…`."""

    quorum: Fraction
    low_resign_threshold: Fraction
    low_dismiss_threshold: Fraction


@dataclass(frozen=True)
class MeetingRule:
    """Minimum meeting length in days; a staff threshold of 0 switches the local rule off."""

    min_days: Decimal
    min_days_provincial_standing: Decimal
    min_days_with_suggestions: Decimal
    key_cadre_conference_staff_threshold: int
    # Art. 12(2) QĐ 366: where a unit's own collective stands on its meeting's agenda, "first"
    # (before its members and head) or "last" (after them), per kind of collective.
    agenda_leadership_collective: str = "first"
    agenda_party_organisation: str = "first"


@dataclass(frozen=True)
class CirculationRule:
    lead_working_days: int
    allow_anonymous_comments: bool


@dataclass(frozen=True)
class Constraints:
    head_not_above_collective: bool  # R-L1
    leadership_not_above_organisation: bool  # R-L2
    cell_htt_requires_members: bool  # R-L4
    cell_htt_min_pct_ht: int
    cell_htt_min_pct_htt: int
    civil_servant_htxs_share_not_above_party: bool  # R-Q6


@dataclass(frozen=True)
class Exemptions:
    not_reviewed_party_statuses: tuple[str, ...]  # R-E1
    min_months_since_admission: int  # R-E1
    collective_min_months: int  # R-E2
    sick_leave_months: int  # R-E3: from this many calendar months of sick leave in the year …
    sick_leave_effect: str  # … "cap" the level at `cap_level`, or "rate_on_time_worked"
    cap_level: str | None
    state_min_months_worked: int
    maternity_rate_on_time_worked: bool
    # HD 43 §7.4: a smaller leadership collective reviews within its party cell (0 = never).
    leadership_collective_min_members: int


@dataclass(frozen=True)
class CalendarTier:
    """Milestones in working days from the period's opening date, for some unit kinds."""

    code: str
    name: str
    unit_kinds: tuple[str, ...]
    self_report_due: int
    circulation: int
    meeting_start: int
    meeting_end: int
    appraisal_due: int
    decision_due: int
    announcement: int

    def offsets(self) -> dict[str, int]:
        return {step: getattr(self, step) for step in CALENDAR_STEPS}


@dataclass(frozen=True)
class Manifestation:
    code: str  # "<group code>.<1-based index>", as stored in a report's checklist
    text: str
    placeholder: bool
    source: str = ""


@dataclass(frozen=True)
class ManifestationGroup:
    code: str
    title: str
    items: tuple[Manifestation, ...]


@dataclass(frozen=True)
class QuarterlyRule:
    """Who is assessed each quarter, in which quarters, on which form and by which day of the
    quarter's last month (QĐ 366 Art. 15, KL 198); the last quarter is folded into the year."""

    subject_classes: tuple[str, ...]
    quarters: tuple[int, ...]
    due_day: int
    form: str

    def due_date(self, year: int, quarter: int) -> dt.date:
        """The deadline of `quarter`: `due_day` of the quarter's last month."""
        return dt.date(year, quarter * 3, self.due_day)


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A validated rule set (with its parent merged in). Equal when code, version and content
    are equal."""

    code: str
    version: int
    title: str
    legal_basis: tuple[str, ...]
    rating_years: tuple[int, int]
    is_default: bool
    extends: str | None
    source: Path
    digest: str  # sha256 of the merged data: tells two contents with one version apart
    levels: tuple[Level, ...]
    scoring: Scoring
    subject_classes: Mapping[str, SubjectClass]
    forms: Mapping[str, Form]
    criteria: Mapping[str, tuple[Criterion, ...]]
    quota: QuotaRule
    vote: VoteRule
    confidence_vote: ConfidenceVoteRule
    meeting: MeetingRule
    circulation: CirculationRule
    constraints: Constraints
    exemptions: Exemptions
    calendar_tiers: tuple[CalendarTier, ...]
    manifestations: tuple[ManifestationGroup, ...]
    notes: Mapping[str, Note]
    overrides: tuple[str, ...] = ()  # dotted keys a local variant sets over its parent
    level_conditions: Mapping[str, LevelConditions] = field(default_factory=dict)
    discipline: DisciplineRule = field(default_factory=DisciplineRule)
    # Fixed dates of the season (HD 43 §4), besides the working-day tiers.
    calendar_deadlines: tuple[Deadline, ...] = ()
    # The merged parameters as read: a review period keeps a copy, so the rules it ran under
    # survive later edits of the file (see snapshot / from_snapshot).
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)
    # None: the rule set assesses no one quarterly.
    quarterly: QuarterlyRule | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleSet):
            return NotImplemented
        return (self.code, self.version, self.digest) == (other.code, other.version, other.digest)

    def __hash__(self) -> int:
        return hash((self.code, self.version, self.digest))

    def __repr__(self) -> str:
        return f"<RuleSet {self.code} v{self.version}>"

    def covers_year(self, year: int) -> bool:
        return self.rating_years[0] <= year <= self.rating_years[1]

    def level(self, code: str) -> Level:
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(code)

    def level_rank(self, code: str) -> int:
        """0 for the best level; a larger rank is a lower level."""
        return [level.code for level in self.levels].index(code)

    def level_for_points(self, total: Decimal | float | int) -> str:
        """The level code of the band containing `total` (bands: ≥ min, best first)."""
        if not self.scoring.is_points:
            raise ValueError(f"rule set {self.code} grades criteria; it has no point bands")
        value = total if isinstance(total, Decimal) else Decimal(str(total))
        for band in self.scoring.bands:
            if value >= band.min_points:
                return band.level
        raise ValueError(f"{total} is below every band of rule set {self.code}")

    def form_for_class(self, subject_class: str) -> Form:
        return self.forms[self.subject_classes[subject_class].form]

    def form_for_period(self, subject_class: str, *, quarterly: bool) -> Form:
        """The form a subject fills: the quarterly form in a quarterly period, else its class's."""
        if quarterly and self.quarterly is not None:
            return self.forms[self.quarterly.form]
        return self.form_for_class(subject_class)

    def criteria_for_class(self, subject_class: str) -> tuple[Criterion, ...]:
        return self.criteria[subject_class]

    def conditions_for_class(self, subject_class: str) -> LevelConditions:
        """The class's Art. 11 conditions; none apply when the rule set does not set them."""
        return self.level_conditions.get(subject_class) or LevelConditions()

    def placeholders(self) -> list[str]:
        """What still awaits its official wording, one Vietnamese line each (empty when none)."""
        missing = []
        for cls, criteria in self.criteria.items():
            name = self.subject_classes[cls].name
            for criterion in criteria:
                if criterion.placeholder:
                    missing.append(f"Tiêu chí ({name}): {criterion.title}")
        for group in self.manifestations:
            for item in group.items:
                if item.placeholder:
                    missing.append(f"Biểu hiện {item.code} ({group.title}): {item.text}")
        return missing

    def deadline(self, code: str) -> Deadline | None:
        return next((d for d in self.calendar_deadlines if d.code == code), None)

    def finish_deadline(self, special_calendar: bool) -> Deadline | None:
        """The season's end for a unit: the special-calendar date where it has one."""
        special = self.deadline("special_finish") if special_calendar else None
        return special or self.deadline("finish")

    def tier_for_kind(self, unit_kind: str) -> CalendarTier:
        for tier in self.calendar_tiers:
            if unit_kind in tier.unit_kinds:
                return tier
        raise KeyError(unit_kind)

    def note(self, key: str) -> Note | None:
        """The note on `key`, else on its nearest dotted parent ("quota.rounding" → "quota")."""
        parts = key.split(".")
        while parts:
            found = self.notes.get(".".join(parts))
            if found is not None:
                return found
            parts.pop()
        return None

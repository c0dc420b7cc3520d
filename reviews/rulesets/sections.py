"""Validation of each section of a (merged) rule set, and the RuleSet built from it."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import forms_criteria
from .conditions import read_discipline, read_level_conditions
from .deadlines import Deadline, read_deadlines
from .exemptions import read_exemptions
from .model import (
    CALENDAR_STEPS,
    CALENDAR_TIERS,
    GROUPINGS,
    LEVEL_CODES,
    QUOTA_BASES,
    ROUNDINGS,
    SCORING_MODELS,
    SUBJECT_CLASSES,
    TIE_BREAKS,
    VOTE_BASES,
    VOTE_RULES,
    Band,
    CalendarTier,
    CirculationRule,
    ConfidenceVoteRule,
    Constraints,
    Grade,
    HardConditions,
    Level,
    Manifestation,
    ManifestationGroup,
    MeetingRule,
    Note,
    QuotaRule,
    RuleSet,
    Scoring,
    SubjectClass,
    VoteRule,
)
from .quarterly import quarterly_rule
from .reader import TableReader, choices_text, exact_keys, placeholder_title

TOP_LEVEL_KEYS: tuple[str, ...] = (
    "code",
    "version",
    "title",
    "legal_basis",
    "rating_years",
    "default",
    "extends",
    "levels",
    "scoring",
    "subject_classes",
    "forms",
    "criteria",
    "quota",
    "vote",
    "confidence_vote",
    "meeting",
    "circulation",
    "constraints",
    "exemptions",
    "calendar",
    "manifestations",
    "notes",
    "level_conditions",
    "discipline",
    "quarterly",
)
# name → kind; "grade" conditions exist only under the grades model.
HARD_CONDITIONS: Mapping[str, str] = {
    "htxs_min_tasks_on_time_pct": "pct",
    "htxs_min_tasks_exceeded_pct": "pct",
    "htxs_requires_all_shortcomings_remedied": "bool",
    "htt_min_tasks_on_time_pct": "pct",
    "collective_htxs_no_disciplined": "bool",
    "collective_ht_min_tasks_completed_pct": "pct",
    "collective_ht_max_tasks_behind_pct": "pct",
    "htxs_all_criteria_min_grade": "grade",
    "htxs_task_criteria_grade": "grade",
    "htxs_min_targets_met_pct": "pct",
    "htxs_min_targets_exceeded_pct": "pct",
    "any_kem_means_kht": "bool",
    "kht_if_disciplined_in_year": "bool",
    "kht_if_led_unit_targets_met_below_pct": "pct",
    "collective_kht_if_disciplined_subunits_above_pct": "pct",
}
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
NOTE_PATTERN = re.compile(r"^\[(C|L|\?)\]\s*(.+)$", re.DOTALL)


def _levels(root: TableReader) -> tuple[Level, ...]:
    levels = []
    for item in root.tables("levels"):
        levels.append(
            Level(
                code=item.string("code", choices=LEVEL_CODES),
                name=item.string("name"),
                name_en=item.string("name_en"),
            )
        )
        item.finish()
    if tuple(level.code for level in levels) != LEVEL_CODES:
        raise root.error(
            "levels",
            f"phải gồm đúng các mức {choices_text(LEVEL_CODES)}, theo thứ tự từ cao xuống thấp",
            f"must list exactly the levels {choices_text(LEVEL_CODES)}, best first",
        )
    return tuple(levels)


def _scoring(root: TableReader, levels: tuple[Level, ...]) -> Scoring:
    table = root.table("scoring")
    model = table.string("model", choices=SCORING_MODELS)
    grades: tuple[Grade, ...] = ()
    general_max = tasks_max = None
    bands: tuple[Band, ...] = ()
    if model == "grades":
        for name in ("general_max", "tasks_max", "bands"):
            table.forbid(name, 'chỉ dùng khi model = "points"', 'only used when model = "points"')
        items = table.tables("grades")
        grades = tuple(Grade(code=g.string("code"), name=g.string("name")) for g in items)
        for item in items:
            item.finish()
        codes = [g.code for g in grades]
        if len(set(codes)) != len(codes) or len(codes) < 2:
            raise table.error(
                "grades", "cần ít nhất 2 mức, mã không trùng", "needs ≥ 2 grades with unique codes"
            )
    else:
        table.forbid("grades", 'chỉ dùng khi model = "grades"', 'only used when model = "grades"')
        general_max = table.decimal("general_max", positive=True)
        tasks_max = table.decimal("tasks_max", positive=True)
        bands = _bands(table, levels, general_max + tasks_max)
    conditions = _hard_conditions(table.table("hard_conditions", optional=True), model, grades)
    table.finish()
    return Scoring(
        model=model,
        grades=grades,
        general_max=general_max,
        tasks_max=tasks_max,
        bands=bands,
        hard_conditions=conditions,
    )


def _bands(table: TableReader, levels: tuple[Level, ...], total: Decimal) -> tuple[Band, ...]:
    bands = []
    for item in table.tables("bands"):
        bands.append(
            Band(
                level=item.string("level", choices=LEVEL_CODES),
                min_points=item.decimal("min", minimum=0, maximum=total),
            )
        )
        item.finish()
    if [b.level for b in bands] != [level.code for level in levels]:
        raise table.error(
            "bands",
            "phải có một khoảng điểm cho mỗi mức, theo thứ tự từ cao xuống thấp",
            "must have one band per level, best first",
        )
    for index in range(1, len(bands)):
        if bands[index].min_points >= bands[index - 1].min_points:
            raise table.error(
                f"bands[{index}].min",
                f"phải nhỏ hơn mức trên ({bands[index - 1].min_points}); khoảng điểm giảm dần",
                f"must be below the band above ({bands[index - 1].min_points}); bands descend",
            )
    if bands[-1].min_points != 0:
        raise table.error(
            f"bands[{len(bands) - 1}].min",
            "khoảng điểm thấp nhất phải bắt đầu từ 0",
            "the lowest band must start at 0",
        )
    return tuple(bands)


def _hard_conditions(table: TableReader, model: str, grades: tuple[Grade, ...]) -> HardConditions:
    values: dict[str, Any] = {}
    for name in table.names():
        kind = HARD_CONDITIONS.get(name)
        if kind is None:
            continue  # reported by finish()
        if kind == "pct":
            values[name] = table.decimal(name, minimum=0, maximum=100)
        elif kind == "bool":
            values[name] = table.boolean(name)
        else:
            if model != "grades":
                table.forbid(
                    name, 'chỉ dùng khi model = "grades"', 'only used when model = "grades"'
                )
            values[name] = table.string(name, choices=tuple(g.code for g in grades))
    table.finish()
    return HardConditions(**values)


def _subject_classes(root: TableReader) -> dict[str, SubjectClass]:
    table = root.table("subject_classes")
    exact_keys(table, SUBJECT_CLASSES, "nhóm đối tượng", "subject class")
    result = {}
    for code in SUBJECT_CLASSES:
        item = table.table(code)
        result[code] = SubjectClass(code=code, name=item.string("name"), form=item.string("form"))
        item.finish()
    table.finish()
    return result


def _quota(root: TableReader, scoring: Scoring) -> QuotaRule:
    table = root.table("quota")
    rule = QuotaRule(
        ratio=table.fraction("ratio"),
        basis=table.string("basis", choices=QUOTA_BASES),
        rounding=table.string("rounding", choices=ROUNDINGS),
        small_group_threshold=table.integer("small_group_threshold", minimum=0),
        small_group_allowance=table.integer("small_group_allowance", minimum=0),
        grouping=table.string("grouping", choices=GROUPINGS),
        tie_break=table.string("tie_break", choices=TIE_BREAKS),
        exception_max_ratio=_exception_max_ratio(table),
    )
    if rule.exception_max_ratio and rule.exception_max_ratio < rule.ratio:
        raise table.error(
            "exception_max_ratio",
            "không được nhỏ hơn quota.ratio",
            "must not be below quota.ratio",
        )
    if rule.tie_break == "score_then_ballot" and not scoring.is_points:
        raise table.error(
            "tie_break",
            '"score_then_ballot" cần scoring.model = "points"',
            '"score_then_ballot" needs scoring.model = "points"',
        )
    table.finish()
    return rule


def _exception_max_ratio(table: TableReader) -> Fraction:
    """R-Q5's ceiling: absent or 0 means the rule set allows no exception."""
    if table.has("exception_max_ratio") and table.data["exception_max_ratio"] != 0:
        return table.fraction("exception_max_ratio")
    if table.has("exception_max_ratio"):
        table.value("exception_max_ratio")  # 0: read, so it is not an unknown key
    return Fraction(0)


def _vote(root: TableReader) -> VoteRule:
    table = root.table("vote")
    rule = VoteRule(
        rule=table.string("rule", choices=VOTE_RULES),
        base=table.string("base", choices=VOTE_BASES),
        threshold=table.fraction("threshold", below_max=True),
        strict=table.boolean("strict", default=True),
        quorum=table.fraction("quorum"),
        min_voters_for_counts=table.integer("min_voters_for_counts", minimum=0),
        allow_revote=table.boolean("allow_revote"),
        suspended_in_quorum=table.boolean("suspended_in_quorum", default=False),
    )
    table.finish()
    return rule


def _confidence_vote(root: TableReader) -> ConfidenceVoteRule:
    table = root.table("confidence_vote")
    rule = ConfidenceVoteRule(
        quorum=table.fraction("quorum"),
        low_resign_threshold=table.fraction("low_resign_threshold", below_max=True),
        low_dismiss_threshold=table.fraction("low_dismiss_threshold"),
    )
    if rule.low_dismiss_threshold < rule.low_resign_threshold:
        raise table.error(
            "low_dismiss_threshold",
            "phải ≥ low_resign_threshold",
            "must be ≥ low_resign_threshold",
        )
    table.finish()
    return rule


AGENDA_PLACES = ("first", "last")


def _meeting(root: TableReader) -> MeetingRule:
    table = root.table("meeting")
    min_days = table.decimal("min_days", positive=True)
    rule = MeetingRule(
        min_days=min_days,
        min_days_provincial_standing=table.decimal(
            "min_days_provincial_standing", minimum=min_days
        ),
        min_days_with_suggestions=table.decimal("min_days_with_suggestions", minimum=min_days),
        key_cadre_conference_staff_threshold=table.integer(
            "key_cadre_conference_staff_threshold", minimum=0
        ),
        agenda_leadership_collective=table.string(
            "agenda_leadership_collective", default="first", choices=AGENDA_PLACES
        ),
        agenda_party_organisation=table.string(
            "agenda_party_organisation", default="first", choices=AGENDA_PLACES
        ),
    )
    table.finish()
    return rule


def _circulation(root: TableReader) -> CirculationRule:
    table = root.table("circulation")
    rule = CirculationRule(
        lead_working_days=table.integer("lead_working_days", minimum=0),
        allow_anonymous_comments=table.boolean("allow_anonymous_comments"),
    )
    table.finish()
    return rule


def _constraints(root: TableReader) -> Constraints:
    table = root.table("constraints")
    rule = Constraints(
        head_not_above_collective=table.boolean("head_not_above_collective"),
        leadership_not_above_organisation=table.boolean("leadership_not_above_organisation"),
        cell_htt_requires_members=table.boolean("cell_htt_requires_members"),
        cell_htt_min_pct_ht=table.integer("cell_htt_min_pct_ht", minimum=0, maximum=100),
        cell_htt_min_pct_htt=table.integer("cell_htt_min_pct_htt", minimum=0, maximum=100),
        civil_servant_htxs_share_not_above_party=table.boolean(
            "civil_servant_htxs_share_not_above_party"
        ),
    )
    table.finish()
    return rule


def _calendar(
    root: TableReader, circulation: CirculationRule
) -> tuple[tuple[CalendarTier, ...], tuple[Deadline, ...]]:
    from orgunits.models import UnitKind

    calendar = root.table("calendar")
    table = calendar.table("tiers")
    exact_keys(table, CALENDAR_TIERS, "tầng lịch", "calendar tier")
    kinds = tuple(UnitKind.values)
    owner: dict[str, str] = {}
    tiers = []
    for code in CALENDAR_TIERS:
        item = table.table(code)
        unit_kinds = item.strings("unit_kinds", choices=kinds)
        for kind in unit_kinds:
            if kind in owner:
                raise item.error(
                    "unit_kinds",
                    f'loại đơn vị "{kind}" đã thuộc tầng "{owner[kind]}"; mỗi loại chỉ thuộc một '
                    "tầng",
                    f'unit kind "{kind}" is already in tier "{owner[kind]}"',
                )
            owner[kind] = code
        offsets = {step: item.integer(step, minimum=0) for step in CALENDAR_STEPS}
        for before, after in itertools.pairwise(CALENDAR_STEPS):
            if offsets[after] < offsets[before]:
                raise item.error(
                    after,
                    f"ngày {offsets[after]} sớm hơn mốc {before} (ngày {offsets[before]}); các "
                    f"mốc phải theo thứ tự {choices_text(CALENDAR_STEPS)}",
                    f"day {offsets[after]} is before {before} (day {offsets[before]}); "
                    "milestones must not decrease",
                )
        gap = offsets["meeting_start"] - offsets["circulation"]
        if gap < circulation.lead_working_days:
            raise item.error(
                "circulation",
                f"dự thảo gửi trước hội nghị {gap} ngày làm việc, ít hơn "
                f"circulation.lead_working_days = {circulation.lead_working_days}",
                f"drafts circulate {gap} working days before the meeting, fewer than "
                f"circulation.lead_working_days = {circulation.lead_working_days}",
            )
        tiers.append(
            CalendarTier(code=code, name=item.string("name"), unit_kinds=unit_kinds, **offsets)
        )
        item.finish()
    missing = [kind for kind in kinds if kind not in owner]
    if missing:
        raise calendar.error(
            "tiers",
            f'loại đơn vị "{missing[0]}" không thuộc tầng nào',
            f'unit kind "{missing[0]}" is in no tier',
        )
    # R-L3: lower levels before higher ones, milestone by milestone.
    for lower, upper in itertools.pairwise(tiers):
        for step in CALENDAR_STEPS:
            if getattr(upper, step) < getattr(lower, step):
                raise table.error(
                    f"{upper.code}.{step}",
                    f'sớm hơn tầng dưới "{lower.code}" (ngày {getattr(lower, step)}); cấp dưới '
                    "làm trước cấp trên",
                    f'is before the lower tier "{lower.code}" (day {getattr(lower, step)}); '
                    "lower levels go first",
                )
    table.finish()
    deadlines = read_deadlines(calendar)
    calendar.finish()
    return tuple(tiers), deadlines


def _manifestations(root: TableReader) -> tuple[ManifestationGroup, ...]:
    table = root.table("manifestations")
    groups = []
    for group in table.tables("groups"):
        code = group.string("code")
        if not re.fullmatch(r"[A-Za-z0-9_]+", code):
            raise group.error("code", "chỉ gồm chữ, số, _", "letters, digits and _ only")
        items = []
        group_source = group.string("source", default="")
        for index, item in enumerate(group.tables("items"), 1):
            text = item.string("text")
            placeholder = item.boolean("placeholder", default=False)
            placeholder_title(item, "text", text, placeholder)
            source = item.string("source", default="") or ("" if placeholder else group_source)
            items.append(
                Manifestation(
                    code=f"{code}.{index}", text=text, placeholder=placeholder, source=source
                )
            )
            item.finish()
        groups.append(
            ManifestationGroup(code=code, title=group.string("title"), items=tuple(items))
        )
        group.finish()
    codes = [g.code for g in groups]
    if len(set(codes)) != len(codes):
        raise table.error("groups", "mã nhóm bị lặp", "group codes are repeated")
    table.finish()
    return tuple(groups)


def _notes(root: TableReader, data: Mapping[str, Any]) -> dict[str, Note]:
    table = root.table("notes", optional=True)
    notes = {}
    for key in table.names():
        text = table.string(key)
        node: Any = data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise table.error(
                    f'"{key}"',
                    "ghi chú cho một khóa không có trong bộ quy tắc",
                    "note on a key that does not exist in the rule set",
                )
            node = node[part]
        match = NOTE_PATTERN.match(text)
        if match:
            notes[key] = Note(key=key, text=match.group(2).strip(), confidence=match.group(1))
        else:
            notes[key] = Note(key=key, text=text.strip())
    table.finish()
    return notes


def _rating_years(root: TableReader) -> tuple[int, int]:
    value = root.value("rating_years")
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(y, bool) or not isinstance(y, int) for y in value)
    ):
        raise root.error(
            "rating_years",
            "phải là [năm đầu, năm cuối] (9999 = chưa có năm cuối)",
            "must be [first year, last year] (9999 = open-ended)",
        )
    first, last = value
    if not 1945 <= first <= last <= 9999:
        raise root.error(
            "rating_years", "năm đầu phải ≤ năm cuối", "the first year must be ≤ the last year"
        )
    return first, last


def build_ruleset(
    data: Mapping[str, Any], *, source: Path, file: str, overrides: tuple[str, ...] = ()
) -> RuleSet:
    """Validate merged rule-set data and build the RuleSet; raises RuleSetError."""
    root = TableReader(file, data, "")
    for name in data:
        if name not in TOP_LEVEL_KEYS:
            raise root.error(
                name, "khóa không được hỗ trợ (có thể gõ sai)", "unknown key (a typo?)"
            )
    code = root.string("code")
    if not CODE_PATTERN.match(code):
        raise root.error(
            "code", "chỉ gồm chữ thường, số, - và _", "lowercase, digits, - and _ only"
        )
    version = root.integer("version", minimum=1)
    title = root.string("title")
    legal_basis = root.strings("legal_basis")
    rating_years = _rating_years(root)
    is_default = root.boolean("default", default=False)
    extends = root.string("extends", default=None)
    if is_default and extends:
        raise root.error(
            "default",
            "bộ quy tắc địa phương (có extends) không thể là mặc định",
            "a local variant (with extends) cannot be the default",
        )
    levels = _levels(root)
    scoring = _scoring(root, levels)
    subject_classes = _subject_classes(root)
    forms = forms_criteria.forms(root)
    for cls in subject_classes.values():
        if cls.form not in forms:
            raise root.error(
                f"subject_classes.{cls.code}.form",
                f'mẫu "{cls.form}" không có trong [forms]',
                f'form "{cls.form}" is not defined under [forms]',
            )
    criteria = forms_criteria.criteria(root, scoring)
    quota = _quota(root, scoring)
    vote = _vote(root)
    confidence_vote = _confidence_vote(root)
    meeting = _meeting(root)
    circulation = _circulation(root)
    constraints = _constraints(root)
    exemptions = read_exemptions(root, levels)
    calendar_tiers, calendar_deadlines = _calendar(root, circulation)
    manifestations = _manifestations(root)
    level_conditions = read_level_conditions(root)
    discipline = read_discipline(root)
    quarterly = quarterly_rule(root, scoring, forms)
    notes = _notes(root, data)
    root.finish()
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return RuleSet(
        code=code,
        version=version,
        title=title,
        legal_basis=legal_basis,
        rating_years=rating_years,
        is_default=is_default,
        extends=extends,
        source=source,
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
        levels=levels,
        scoring=scoring,
        subject_classes=MappingProxyType(subject_classes),
        forms=MappingProxyType(forms),
        criteria=MappingProxyType(criteria),
        quota=quota,
        vote=vote,
        confidence_vote=confidence_vote,
        meeting=meeting,
        circulation=circulation,
        constraints=constraints,
        exemptions=exemptions,
        calendar_tiers=calendar_tiers,
        calendar_deadlines=calendar_deadlines,
        manifestations=manifestations,
        notes=MappingProxyType(notes),
        overrides=overrides,
        level_conditions=MappingProxyType(level_conditions),
        discipline=discipline,
        data=MappingProxyType(json.loads(canonical)),
        quarterly=quarterly,
    )


# ---------------------------------------------------------------------------- files

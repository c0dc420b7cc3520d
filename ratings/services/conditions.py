"""The level conditions and KHT triggers of QĐ 366 Art. 11, per subject class, as appraisal
checks. Which apply and their thresholds are the rule set's [level_conditions.<class>]; the facts
the system cannot know are the officer's AppraisalFacts; discipline, confidence votes and the
levels of the units a leader heads are read from the system.

A failed condition of a level lowers the proposal by one level (HTXS → HTT → HT → KHT); a KHT
trigger makes it KHT. A condition whose facts were not entered is shown as not verified and does
not lower the level by itself: the officer enters the facts or decides with a reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q

from orgunits.models import OrgUnit
from orgunits.text import vn_decimal
from reviews.models import ReviewPeriod, Subject
from reviews.rulesets.conditions import DISCIPLINE_FORMS
from reviews.rulesets.model import LevelConditions

from ..models import AppraisalFacts, CandidateResult, DisciplineRecord, RoundKind, RoundStatus
from .checks import HT, HTT, HTXS, KHT, Check
from .discipline import counting_discipline, leadership_discipline

FORM_RANK = {code: rank for rank, code in enumerate(DISCIPLINE_FORMS)}
LOWER = {HTXS: HTT, HTT: HT, HT: KHT}
MISSING_FACTS = "cơ quan tổ chức cần nhập số liệu thẩm định"
CASE_BY_CASE = (
    " Vi phạm đã tự phát hiện và khắc phục hậu quả: cấp có thẩm quyền xem xét, quyết định từng "
    "trường hợp."
)


def _pct(value: Decimal | Fraction) -> str:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator * 100) / Decimal(value.denominator)
        return vn_decimal(value.quantize(Decimal("0.01"))) + "%"
    return vn_decimal(value) + "%"


@dataclass
class Context:
    """What the checks read, loaded once for the subjects of one appraisal run."""

    facts: dict[int, AppraisalFacts] = field(default_factory=dict)  # by subject
    unit_facts: dict[int, AppraisalFacts] = field(default_factory=dict)  # collectives, by unit
    person_records: dict[int, list[DisciplineRecord]] = field(default_factory=dict)
    leadership: dict[int, list[tuple[str, DisciplineRecord]]] = field(default_factory=dict)
    confidence: dict[int, tuple[Fraction, str]] = field(default_factory=dict)  # by person
    corruption: list[DisciplineRecord] = field(default_factory=list)
    heads: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # person → units
    head_paths: dict[int, str] = field(default_factory=dict)  # headed unit id → path


def load_context(
    period: ReviewPeriod,
    subjects: list[Subject],
    heads: dict[int, list[tuple[int, str]]],
) -> Context:
    """The facts, counting discipline, confidence shares and headed units for `subjects`."""
    ids = [s.pk for s in subjects]
    person_ids = {s.person_id for s in subjects if s.person_id}
    headed = {unit_id for units in heads.values() for unit_id, _name in units}
    ctx = Context()
    ctx.heads = heads
    wanted = set(ids)
    for facts in AppraisalFacts.objects.filter(
        Q(subject_id__in=wanted) | Q(subject__period=period, subject__person=None)
    ).select_related("subject"):
        if facts.subject_id in wanted:
            ctx.facts[facts.subject_id] = facts
        if facts.subject.person_id is None:
            ctx.unit_facts[facts.subject.unit_id] = facts
    counting = DisciplineRecord.objects.filter(counting_discipline(period)).select_related(
        "unit_at_time"
    )
    records: dict[int, list[DisciplineRecord]] = defaultdict(list)
    for record in counting.filter(person_id__in=person_ids).order_by("decision_date", "pk"):
        records[record.person_id].append(record)
    ctx.person_records = dict(records)
    ctx.leadership = leadership_discipline(
        period, [s.unit for s in subjects if s.person_id is None]
    )
    ctx.corruption = list(counting.filter(is_corruption=True))
    ctx.confidence = _confidence_shares(period, person_ids)
    ctx.head_paths = dict(OrgUnit.objects.filter(pk__in=headed).values_list("pk", "path"))
    return ctx


def _confidence_shares(period: ReviewPeriod, person_ids: set[int]) -> dict[int, tuple]:
    """The latest closed confidence vote (QĐ 96) per person in the period: low share, source."""
    results = (
        CandidateResult.objects.filter(
            round__kind=RoundKind.CONFIDENCE,
            round__status=RoundStatus.CLOSED,
            candidate__subject__period=period,
            candidate__subject__person_id__in=person_ids,
        )
        .select_related("candidate__subject", "round__meeting__unit")
        .order_by("-round__closed_at", "-pk")
    )
    shares: dict[int, tuple[Fraction, str]] = {}
    for result in results:
        person_id = result.candidate.subject.person_id
        low = (result.computation or {}).get("low_share")
        if person_id in shares or low is None:
            continue
        ballot_round = result.round
        source = (
            f"lấy phiếu tín nhiệm tại {ballot_round.meeting.unit.name}, vòng {ballot_round.number}"
        )
        if ballot_round.closed_at:
            source += f" ngày {ballot_round.closed_at:%d/%m/%Y}"
        shares[person_id] = (Fraction(low), source)
    return shares


# -- the checks ---------------------------------------------------------------------------------


def level_checks(
    subject: Subject, conditions: LevelConditions, start: str, ctx: Context, rank
) -> list[Check]:
    """The Art. 11 checks of one subject that need no other subject's level."""
    facts = ctx.facts.get(subject.pk)
    found: list[Check] = []
    if start:
        found.extend(_task_conditions(conditions, start, facts, rank))
        if conditions.htxs_led_units_same and rank(start) <= rank(HTXS) and subject.person_id:
            found.extend(_led_units_htxs(conditions, ctx, subject))
    found.extend(_fact_triggers(conditions, facts, subject.person_id is None))
    found.extend(_discipline_triggers(subject, conditions, ctx))
    if conditions.kht_if_low_confidence_above_pct is not None and subject.person_id:
        found.extend(_confidence_trigger(conditions, ctx, subject, facts))
    if conditions.kht_if_corruption_in_scope_disciplined and subject.person_id:
        found.extend(_corruption_trigger(ctx, subject))
    return found


def _task_conditions(
    c: LevelConditions, start: str, facts: AppraisalFacts | None, rank
) -> Iterable[Check]:
    """HTXS: on time and exceeded; HTT: on time; HT: completed and not too far behind."""
    groups = (
        (
            HTXS,
            (
                ("tasks_on_time_pct", c.htxs_min_tasks_on_time_pct, "≥", "nhiệm vụ đúng tiến độ"),
                ("tasks_exceeded_pct", c.htxs_min_tasks_exceeded_pct, "≥", "nhiệm vụ vượt mức"),
            ),
        ),
        (HTT, (("tasks_on_time_pct", c.htt_min_tasks_on_time_pct, "≥", "nhiệm vụ đúng tiến độ"),)),
        (
            HT,
            (
                ("tasks_completed_pct", c.ht_min_tasks_completed_pct, "≥", "nhiệm vụ hoàn thành"),
                ("tasks_behind_pct", c.ht_max_tasks_behind_pct, "≤", "nhiệm vụ chậm tiến độ"),
            ),
        ),
    )
    unverified: list[str] = []
    for level, parts in groups:
        parts = tuple(p for p in parts if p[1] is not None)
        if not parts or rank(start) > rank(level):
            continue
        values = {name: getattr(facts, name) if facts else None for name, *_rest in parts}
        if any(v is None for v in values.values()):
            unverified.append(level)
            continue
        failed = [
            f"{_pct(values[name])} {what} (cần {'ít nhất' if op == '≥' else 'không quá'} "
            f"{_pct(limit)})"
            for name, limit, op, what in parts
            if (values[name] < limit if op == "≥" else values[name] > limit)
        ]
        if failed:
            yield Check(
                f"art11_{level.lower()}",
                False,
                f"Chưa đủ điều kiện mức {level}: " + "; ".join(failed) + ".",
                cap=LOWER[level],
            )
        elif level == start:
            shown = "; ".join(f"{_pct(values[name])} {what}" for name, _l, _o, what in parts)
            yield Check(f"art11_{level.lower()}", True, f"Đủ điều kiện mức {level}: {shown}.")
    if unverified:
        yield Check(
            "art11_unverified",
            False,
            "Chưa xác minh được điều kiện về thực hiện nhiệm vụ của mức "
            f"{', '.join(unverified)}: {MISSING_FACTS}.",
        )


def _led_units_htxs(c: LevelConditions, ctx: Context, subject: Subject) -> Iterable[Check]:
    """A leader's HTXS also needs the units they head on time and exceeding, like themselves."""
    for unit_id, name in ctx.heads.get(subject.person_id, []):
        facts = ctx.unit_facts.get(unit_id)
        on_time = facts.tasks_on_time_pct if facts else None
        exceeded = facts.tasks_exceeded_pct if facts else None
        if on_time is None or exceeded is None:
            yield Check(
                "art11_led_units",
                False,
                f"Chưa xác minh được điều kiện mức HTXS của {name} do mình phụ trách: "
                f"{MISSING_FACTS}.",
            )
            continue
        short = []
        if c.htxs_min_tasks_on_time_pct is not None and on_time < c.htxs_min_tasks_on_time_pct:
            short.append(f"{_pct(on_time)} nhiệm vụ đúng tiến độ")
        if c.htxs_min_tasks_exceeded_pct is not None and exceeded < c.htxs_min_tasks_exceeded_pct:
            short.append(f"{_pct(exceeded)} nhiệm vụ vượt mức")
        if short:
            yield Check(
                "art11_led_units",
                False,
                f"Chưa đủ điều kiện mức HTXS: {name} do mình phụ trách chỉ đạt "
                + ", ".join(short)
                + ".",
                cap=HTT,
            )


def _fact_triggers(
    c: LevelConditions, facts: AppraisalFacts | None, collective: bool
) -> Iterable[Check]:
    if facts is None:
        return
    kht = "Không hoàn thành nhiệm vụ: "
    unit_done = facts.unit_tasks_completed_pct
    floor = c.kht_below_unit_tasks_completed_pct
    if floor is not None and unit_done is not None and unit_done < floor:
        yield Check(
            "art11_unit_tasks",
            False,
            f"{kht}cơ quan, đơn vị hoàn thành {_pct(unit_done)} nhiệm vụ (dưới {_pct(floor)}).",
            KHT,
        )
    if c.kht_if_socio_economic_targets_missed and facts.socio_economic_targets_met is False:
        text = f"{kht}không đạt 5 chỉ tiêu kinh tế - xã hội cơ bản."
        yield Check("art11_targets", False, text, KHT)
    done = facts.tasks_completed_pct
    ceiling = c.kht_above_tasks_not_completed_pct
    if ceiling is not None and done is not None and 100 - done > ceiling:
        yield Check(
            "art11_tasks_not_completed",
            False,
            f"{kht}{_pct(100 - done)} số nhiệm vụ không hoàn thành (trên {_pct(ceiling)}).",
            KHT,
        )
    who = "có thành viên " if collective else "có "
    findings = (
        (c.kht_if_degraded, facts.degradation_found, "art11_degradation",
         f"{who}biểu hiện suy thoái về tư tưởng chính trị, đạo đức, lối sống, “tự diễn biến”, "
         "“tự chuyển hóa”."),
        (c.kht_if_cadre_work_wrongdoing, facts.cadre_work_wrongdoing, "art11_cadre_work",
         "có sai phạm trong công tác cán bộ."),
        (c.kht_if_disunity, facts.disunity, "art11_disunity", "mất đoàn kết nội bộ."),
        (c.kht_if_position_seeking, facts.position_seeking, "art11_position_seeking",
         "có tình trạng chạy chức, chạy quyền."),
        (c.kht_if_prohibited_conduct, facts.prohibited_conduct, "art11_prohibited",
         "vi phạm những điều đảng viên không được làm hoặc trách nhiệm nêu gương."),
    )  # fmt: skip
    for applies, found, code, text in findings:
        if applies and found:
            yield Check(code, False, kht + text, KHT)


def _counts(record: DisciplineRecord, c: LevelConditions) -> bool:
    minimum = c.kht_discipline_min_form
    return bool(
        minimum and record.duty_related and FORM_RANK.get(record.form, -1) >= FORM_RANK[minimum]
    )


def _discipline_text(record: DisciplineRecord) -> str:
    text = (
        f"bị kỷ luật {DISCIPLINE_FORMS.get(record.form, record.form)} (quyết định ngày "
        f"{record.decision_date:%d/%m/%Y}) do vi phạm liên quan đến thực hiện chức trách, "
        "nhiệm vụ."
    )
    return text + (CASE_BY_CASE if record.self_detected_remedied else "")


def _discipline_triggers(subject: Subject, c: LevelConditions, ctx: Context) -> Iterable[Check]:
    """Individuals: their own duty-related discipline. Collectives: a leadership member's,
    unless it came from another unit (the violation was not in this unit's subtree)."""
    if not c.kht_discipline_min_form:
        return
    kht = "Không hoàn thành nhiệm vụ: "
    if subject.person_id:
        for record in ctx.person_records.get(subject.person_id, []):
            if _counts(record, c):
                yield Check("art11_discipline", False, kht + _discipline_text(record), KHT)
        return
    for name, record in ctx.leadership.get(subject.unit_id, []):
        if _counts(record, c) and record.unit_at_time.path.startswith(subject.unit.path):
            text = f"{kht}thành viên {name} {_discipline_text(record)}"
            yield Check("art11_discipline", False, text, KHT)


def _confidence_trigger(
    c: LevelConditions, ctx: Context, subject: Subject, facts: AppraisalFacts | None
) -> Iterable[Check]:
    """Over the threshold of low-confidence votes: from the confidence round held in the
    system, else from the share the officer entered with its source."""
    limit = c.kht_if_low_confidence_above_pct
    found = ctx.confidence.get(subject.person_id)
    if found is None and facts is not None and facts.low_confidence_pct is not None:
        found = (Fraction(facts.low_confidence_pct) / 100, facts.low_confidence_source)
    if found is None or limit is None:
        return
    share, source = found
    if share > Fraction(limit) / 100:
        yield Check(
            "art11_confidence",
            False,
            f"Không hoàn thành nhiệm vụ: {_pct(share)} số phiếu tín nhiệm thấp (trên "
            f"{_pct(limit)}; nguồn: {source}).",
            KHT,
        )


def _corruption_trigger(ctx: Context, subject: Subject) -> Iterable[Check]:
    """Corruption disciplined in a unit the leader heads (or under it)."""
    for unit_id, name in ctx.heads.get(subject.person_id, []):
        path = ctx.head_paths.get(unit_id, "")
        if path and any(r.unit_at_time.path.startswith(path) for r in ctx.corruption):
            yield Check(
                "art11_corruption",
                False,
                f"Không hoàn thành nhiệm vụ: để xảy ra tham nhũng, tiêu cực tại {name} thuộc "
                "phạm vi phụ trách trực tiếp, đã bị xử lý kỷ luật.",
                KHT,
            )


def led_units_check(
    subject: Subject, c: LevelConditions, ctx: Context, level_by_path: dict[str, str]
) -> Iterable[Check]:
    """More than the threshold of the units under a leader's units rated KHT."""
    limit = c.kht_if_led_units_kht_above_pct
    if limit is None or not subject.person_id:
        return
    levels = []
    for unit_id, _name in ctx.heads.get(subject.person_id, []):
        path = ctx.head_paths.get(unit_id, "")
        levels.extend(
            level
            for child, level in level_by_path.items()
            if level and child.startswith(path) and len(child) == len(path) + OrgUnit.steplen
        )
    if not levels:
        return
    kht = sum(1 for level in levels if level == KHT)
    if Fraction(kht, len(levels)) > Fraction(limit) / 100:
        yield Check(
            "art11_led_units_kht",
            False,
            f"Không hoàn thành nhiệm vụ: {kht}/{len(levels)} đơn vị thuộc phạm vi phụ trách "
            f"xếp loại Không hoàn thành nhiệm vụ (trên {_pct(limit)}).",
            KHT,
        )

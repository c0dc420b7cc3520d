"""The 20% quota (R-Q1 … R-Q5) as pure functions: the cap, how it was computed, who ranks.

R-Q1: within a quota group, count(HTXS) ≤ ratio × count on the rule set's basis. With the basis
"HTT" the cap moves as candidates are moved down (each one moved adds one to HTT), so the most
that can stay is the largest x with x ≤ cap(count on basis with x kept). The explanation shows
the computation exactly where the cap binds — with that many kept, and with one more — so the
number it states is the number the result uses (R-Q3). An approved exception (R-Q5) replaces
the ratio and is named with its approver, date and reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from orgunits.text import vn_decimal
from reviews.rulesets.model import QuotaRule

BASIS_LABELS = {
    "htt": "số được xếp loại Hoàn thành tốt nhiệm vụ",
    "htt_or_better": "số được xếp loại từ Hoàn thành tốt nhiệm vụ trở lên",
    "headcount": "tổng số trong nhóm",
}
BASIS_UNITS = {"htt": "HTT", "htt_or_better": "người từ HTT trở lên", "headcount": "người"}
ROUNDING_LABELS = {"floor": "làm tròn xuống", "ceil": "làm tròn lên", "round_half_up": "làm tròn"}


@dataclass(frozen=True)
class QuotaCandidate:
    """A subject proposed HTXS, with what ranks it: score, then ballot share, then a tie key."""

    subject_id: int
    name: str
    score: Decimal | None = None
    ballot_share: Fraction | None = None
    tie_key: str = ""


@dataclass(frozen=True)
class GrantedRatio:
    """An approved exception (R-Q5): the ratio it allows and who approved it, when, why."""

    ratio: Fraction
    note: str  # "ngoại lệ được <approver> duyệt ngày <dd/mm/yyyy>: <reason>"


@dataclass(frozen=True)
class QuotaPlan:
    allowed: int  # how many of the candidates stay HTXS
    candidates: list[QuotaCandidate]  # ranked, best first
    keep: list[QuotaCandidate]
    move_down: list[QuotaCandidate]
    steps: list[str] = field(default_factory=list)
    limit: int = 0  # the most HTXS the group can hold: the "tối đa" of the explanation

    @property
    def exceeded(self) -> bool:
        return bool(self.move_down)


def rank(candidates: Sequence[QuotaCandidate]) -> list[QuotaCandidate]:
    """Score first, then ballot share, then the tie key; missing values rank last."""

    def key(c: QuotaCandidate):
        return (
            c.score is None,
            -(c.score or 0),
            c.ballot_share is None,
            -(c.ballot_share or 0),
            c.tie_key,
            c.subject_id,
        )

    return sorted(candidates, key=key)


def with_exception(rule: QuotaRule, granted: GrantedRatio | None) -> QuotaRule:
    """The rule with an approved exception's ratio in place of the rule set's."""
    return dataclasses.replace(rule, ratio=granted.ratio) if granted else rule


def base_count(rule: QuotaRule, *, htxs: int, htt: int, headcount: int) -> int:
    """The count the ratio applies to, for a group with `htxs` kept and `htt` rated HTT."""
    if rule.basis == "htt":
        return htt
    if rule.basis == "htt_or_better":
        return htt + htxs
    return headcount


def _fits(rule: QuotaRule, kept: int, pool: int, headcount: int) -> bool:
    """Whether `kept` HTXS fit when `pool` are rated HTT or better (the rest of them HTT)."""
    return kept <= rule.cap(base_count(rule, htxs=kept, htt=pool - kept, headcount=headcount))


def allowed_htxs(rule: QuotaRule, *, candidates: int, htt: int, headcount: int) -> int:
    """The largest number of candidates that can stay HTXS; the rest become HTT."""
    for kept in range(candidates, -1, -1):
        if _fits(rule, kept, candidates + htt, headcount):
            return kept
    return 0


def group_limit(rule: QuotaRule, *, candidates: int, htt: int, headcount: int) -> int:
    """The most HTXS the group can hold, whoever is proposed: the cap the explanation states."""
    return allowed_htxs(rule, candidates=candidates + htt, htt=0, headcount=headcount)


def _number(value: Fraction) -> str:
    """A number the Vietnamese way, to two decimals at most: "2,2", "0,8", "3,33"."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return vn_decimal(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def percent(value: Fraction) -> str:
    """1/5 → "20%", 0.125 → "12,5%"."""
    return f"{_number(value * 100)}%"


def _at(rule: QuotaRule, kept: int, pool: int, headcount: int) -> tuple[int, str]:
    """(base, "20% × 11 = 2,2, làm tròn xuống = 2") with `kept` HTXS among `pool`."""
    base = base_count(rule, htxs=kept, htt=pool - kept, headcount=headcount)
    plain = dataclasses.replace(rule, small_group_threshold=0).cap(base)
    text = (
        f"{percent(rule.ratio)} × {base} = {_number(rule.ratio * base)}, "
        f"{ROUNDING_LABELS.get(rule.rounding, rule.rounding)} = {plain}"
    )
    if rule.cap(base) != plain:
        text += f"; nhóm có dưới {rule.small_group_threshold} người HTT nên được {rule.cap(base)}"
    return base, text


def explain(
    rule: QuotaRule, *, proposed: int, htt: int, headcount: int, granted: GrantedRatio | None
) -> tuple[int, list[str]]:
    """(limit, steps): the cap and its computation where it binds, in Vietnamese."""
    effective = with_exception(rule, granted)
    pool = proposed + htt
    limit = group_limit(effective, candidates=proposed, htt=htt, headcount=headcount)
    unit = BASIS_UNITS[rule.basis]
    steps = [
        f"Đề nghị HTXS: {proposed}; HTT: {htt}; tổng số trong nhóm: {headcount}.",
        f"Cơ sở tính: {BASIS_LABELS[rule.basis]}"
        + (
            f"; có {pool} người từ HTT trở lên, mỗi người giữ HTXS thì bớt một người HTT."
            if rule.basis == "htt"
            else "."
        ),
    ]
    base, text = _at(effective, limit, pool, headcount)
    step = f"Với {limit} HTXS và {base} {unit}: {text} (đủ cho {limit})"
    if granted:
        step += f"; tỷ lệ {percent(granted.ratio)} là {granted.note}"
    steps.append(step + ".")
    if limit < pool:
        more, text = _at(effective, limit + 1, pool, headcount)
        steps.append(
            f"Với {limit + 1} HTXS thì {unit} còn {more}: {text} (không đủ cho {limit + 1})."
        )
    return limit, steps


def plan(
    rule: QuotaRule,
    *,
    candidates: Sequence[QuotaCandidate],
    htt: int,
    headcount: int,
    granted: GrantedRatio | None = None,
) -> QuotaPlan:
    """Who stays HTXS and who would move to HTT, with the computation in Vietnamese."""
    ranked = rank(candidates)
    effective = with_exception(rule, granted)
    allowed = allowed_htxs(effective, candidates=len(ranked), htt=htt, headcount=headcount)
    moved = len(ranked) - allowed
    limit, steps = explain(
        rule, proposed=len(ranked), htt=htt, headcount=headcount, granted=granted
    )
    steps.append(
        f"Tối đa {limit} HTXS. "
        + (
            f"Đề nghị {len(ranked)}: giữ {allowed}, đề nghị chuyển xuống HTT: {moved}."
            if moved
            else f"Đề nghị {len(ranked)}: không vượt tỷ lệ."
        )
    )
    return QuotaPlan(
        allowed=allowed,
        candidates=ranked,
        keep=ranked[:allowed],
        move_down=ranked[allowed:],
        steps=steps,
        limit=limit,
    )


def within_cap(rule: QuotaRule, *, htxs: int, htt: int, headcount: int) -> bool:
    """R-Q1 on final levels: count(HTXS) ≤ cap(count on basis)."""
    return htxs <= rule.cap(base_count(rule, htxs=htxs, htt=htt, headcount=headcount))

"""The 20% quota (R-Q1 … R-Q5) as pure functions: the cap, how it was computed, who ranks.

R-Q1: within a quota group, count(HTXS) ≤ ratio × count on the rule set's basis. With the basis
"HTT" the cap moves as candidates are moved down (each one moved adds one to HTT), so the number
kept is the largest x with x ≤ cap(HTT + moved); the computation is shown step by step (R-Q3).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from reviews.rulesets.model import QuotaRule

BASIS_LABELS = {
    "htt": "số được xếp loại Hoàn thành tốt nhiệm vụ",
    "htt_or_better": "số được xếp loại từ Hoàn thành tốt nhiệm vụ trở lên",
    "headcount": "tổng số trong nhóm",
}
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
class QuotaPlan:
    allowed: int
    candidates: list[QuotaCandidate]  # ranked, best first
    keep: list[QuotaCandidate]
    move_down: list[QuotaCandidate]
    steps: list[str] = field(default_factory=list)

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


def base_count(rule: QuotaRule, *, htxs: int, htt: int, headcount: int) -> int:
    """The count the ratio applies to, for a group with `htxs` kept and `htt` rated HTT."""
    if rule.basis == "htt":
        return htt
    if rule.basis == "htt_or_better":
        return htt + htxs
    return headcount


def allowed_htxs(
    rule: QuotaRule, *, candidates: int, htt: int, headcount: int, extra: int = 0
) -> int:
    """The largest number of candidates that can stay HTXS; the rest become HTT."""
    for kept in range(candidates, -1, -1):
        moved = candidates - kept
        base = base_count(rule, htxs=kept, htt=htt + moved, headcount=headcount)
        if kept <= rule.cap(base) + extra:
            return kept
    return 0


def plan(
    rule: QuotaRule,
    *,
    candidates: Sequence[QuotaCandidate],
    htt: int,
    headcount: int,
    extra: int = 0,
) -> QuotaPlan:
    """Who stays HTXS and who would move to HTT, with the computation in Vietnamese."""
    ranked = rank(candidates)
    allowed = allowed_htxs(rule, candidates=len(ranked), htt=htt, headcount=headcount, extra=extra)
    moved = len(ranked) - allowed
    base = base_count(rule, htxs=allowed, htt=htt + moved, headcount=headcount)
    raw = rule.ratio * base
    rounded = dataclasses.replace(rule, small_group_threshold=0).cap(base)
    steps = [
        f"Đề nghị HTXS: {len(ranked)}; HTT: {htt}; tổng số trong nhóm: {headcount}.",
        f"Cơ sở tính: {BASIS_LABELS[rule.basis]}"
        + (f" (sau khi chuyển {moved} người xuống HTT)" if moved and rule.basis == "htt" else "")
        + f" = {base}.",
        f"Tối đa HTXS = {float(rule.ratio) * 100:g}% × {base} = {float(raw):g}, "
        f"{ROUNDING_LABELS.get(rule.rounding, rule.rounding)} = {rounded}"
        + (
            f"; nhóm có dưới {rule.small_group_threshold} người HTT nên được {rule.cap(base)}"
            if rule.cap(base) != rounded
            else ""
        )
        + ".",
    ]
    if extra:
        steps.append(f"Ngoại lệ được phê duyệt: thêm {extra}.")
    steps.append(
        f"Được giữ HTXS: {allowed}; "
        + (f"đề nghị chuyển xuống HTT: {moved}." if moved else "không vượt tỷ lệ.")
    )
    return QuotaPlan(
        allowed=allowed,
        candidates=ranked,
        keep=ranked[:allowed],
        move_down=ranked[allowed:],
        steps=steps,
    )


def within_cap(rule: QuotaRule, *, htxs: int, htt: int, headcount: int, extra: int = 0) -> bool:
    """R-Q1 on final levels: count(HTXS) ≤ cap(count on basis) (+ approved exception)."""
    return htxs <= rule.cap(base_count(rule, htxs=htxs, htt=htt, headcount=headcount)) + extra

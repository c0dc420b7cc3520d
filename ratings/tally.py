"""The vote rules as pure functions: counts in, a proposed level and its computation out.

Kinds of rule (the rule set chooses one and its parameters):
- absolute majority: a level needs more than `threshold` × base votes;
- cumulative from the top: add each level's votes to those of the levels above it, stopping at
  the first level where the sum exceeds `threshold` × base;
- plurality: the level with most votes, a tie going to the lower level.
The base is the number convened, present, or of valid ballots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

RULES = ("absolute_majority", "cumulative", "plurality")
BASES = ("convened", "present", "valid")
BASE_LABELS = {
    "convened": "số được triệu tập",
    "present": "số có mặt",
    "valid": "số phiếu hợp lệ",
}
RULE_LABELS = {
    "absolute_majority": "quá bán",
    "cumulative": "cộng dồn từ mức cao xuống",
    "plurality": "nhiều phiếu nhất (bằng nhau lấy mức thấp hơn)",
}


@dataclass(frozen=True)
class VoteRule:
    rule: str = "absolute_majority"
    base: str = "valid"
    threshold: Fraction = Fraction(1, 2)
    strict: bool = True  # "more than" the threshold; False means "at least"
    quorum: Fraction = Fraction(1, 2)
    min_voters_for_counts: int = 5
    allow_revote: bool = False

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown vote rule {self.rule!r}")
        if self.base not in BASES:
            raise ValueError(f"unknown base {self.base!r}")

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "base": self.base,
            "threshold": str(self.threshold),
            "strict": self.strict,
            "quorum": str(self.quorum),
            "min_voters_for_counts": self.min_voters_for_counts,
            "allow_revote": self.allow_revote,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> VoteRule:
        return cls(
            rule=str(data["rule"]),
            base=str(data["base"]),
            threshold=Fraction(str(data["threshold"])),
            strict=bool(data.get("strict", True)),
            quorum=Fraction(str(data["quorum"])),
            min_voters_for_counts=int(data["min_voters_for_counts"]),  # type: ignore[arg-type]
            allow_revote=bool(data["allow_revote"]),
        )


@dataclass(frozen=True)
class Figures:
    convened: int
    present: int
    valid: int

    def base(self, name: str) -> int:
        return {"convened": self.convened, "present": self.present, "valid": self.valid}[name]


@dataclass(frozen=True)
class Proposal:
    level: str | None
    rule: str
    base_name: str
    base: int
    needed: Fraction  # votes must exceed this (or reach it, when not strict); not for plurality
    strict: bool
    counts: dict[str, int]
    steps: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "rule": self.rule,
            "base_name": self.base_name,
            "base": self.base,
            "needed": str(self.needed),
            "strict": self.strict,
            "counts": self.counts,
            "steps": self.steps,
        }


def quorum_met(rule: VoteRule, *, convened: int, present: int) -> bool:
    """At least `quorum` of those convened are present (and someone is)."""
    return convened > 0 and present > 0 and Fraction(present, convened) >= rule.quorum


def fraction_text(value: Fraction) -> str:
    """A count or a share as Vietnamese text: "3", "3,5", "4,67" (decimal comma)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").replace(".", ",")


def propose(
    counts: Mapping[str, int], order: Sequence[str], rule: VoteRule, figures: Figures
) -> Proposal:
    """The level the rule proposes for one candidate; `order` lists the levels best first."""
    ordered = {code: int(counts.get(code, 0)) for code in order}
    base = figures.base(rule.base)
    needed = rule.threshold * base
    steps = [
        f"Quy tắc: {RULE_LABELS[rule.rule]}; cơ sở tính: {BASE_LABELS[rule.base]} = {base}.",
    ]
    level: str | None = None
    comparison = "nhiều hơn" if rule.strict else "ít nhất"

    def reaches(votes: int) -> bool:
        return votes > needed if rule.strict else votes >= needed and votes > 0

    if rule.rule == "absolute_majority":
        share, total = fraction_text(rule.threshold), fraction_text(needed)
        steps.append(f"Cần {comparison} {share} × {base} = {total} phiếu.")
        for code in order:
            if reaches(ordered[code]):
                level = code
                steps.append(f"{code}: {ordered[code]} phiếu → đạt.")
                break
        else:
            steps.append("Không mức nào đạt.")
    elif rule.rule == "cumulative":
        steps.append(
            f"Cộng dồn từ mức cao nhất cho đến khi được {comparison} {fraction_text(needed)} phiếu."
        )
        running = 0
        for code in order:
            running += ordered[code]
            reached = reaches(running)
            steps.append(f"{code}: cộng dồn {running}{' → đạt' if reached else ''}.")
            if reached:
                level = code
                break
        else:
            steps.append("Cộng dồn đến mức thấp nhất vẫn chưa vượt ngưỡng.")
    else:
        best = max(ordered.values(), default=0)
        if best > 0:
            tied = [code for code in order if ordered[code] == best]
            level = tied[-1]
            steps.append(
                f"Nhiều phiếu nhất: {best} ({', '.join(tied)})"
                + ("; bằng nhau, lấy mức thấp hơn." if len(tied) > 1 else ".")
            )
        else:
            steps.append("Không có phiếu.")
    return Proposal(
        level=level,
        rule=rule.rule,
        base_name=rule.base,
        base=base,
        needed=needed,
        strict=rule.strict,
        counts=ordered,
        steps=steps,
    )


@dataclass(frozen=True)
class ConfidenceFlags:
    low_share: Fraction
    may_resign: bool  # more than 1/2 "low confidence"
    dismissal: bool  # 2/3 or more "low confidence"


def confidence_flags(
    low_votes: int, base: int, *, resign_threshold: Fraction, dismiss_threshold: Fraction
) -> ConfidenceFlags:
    """QĐ 96: > 1/2 low confidence → out of succession planning, may resign; ≥ 2/3 → dismissal."""
    share = Fraction(low_votes, base) if base else Fraction(0)
    return ConfidenceFlags(
        low_share=share,
        may_resign=share > resign_threshold,
        dismissal=share >= dismiss_threshold,
    )

"""The quota arithmetic (R-Q1, R-Q3 … R-Q5) as pure functions: properties over random groups."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ratings.quota import (
    BASIS_LABELS,
    GrantedRatio,
    QuotaCandidate,
    allowed_htxs,
    plan,
    rank,
    with_exception,
    within_cap,
)
from reviews.rulesets.model import QUOTA_BASES, ROUNDINGS, QuotaRule


def rule(
    basis: str = "htt", rounding: str = "floor", small: int = 0, ratio: Fraction = Fraction(1, 5)
) -> QuotaRule:
    return QuotaRule(
        ratio=ratio,
        basis=basis,
        rounding=rounding,
        small_group_threshold=small,
        small_group_allowance=1,
        grouping="per_grassroots_and_class",
        tie_break="score_then_ballot",
    )


EVERY_RULE = [
    (basis, rounding, small) for basis in QUOTA_BASES for rounding in ROUNDINGS for small in (0, 5)
]

scores = st.one_of(st.none(), st.sampled_from([Decimal(v) for v in ("88", "90", "92.5", "95")]))
shares = st.one_of(
    st.none(), st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(3, 4), Fraction(1)])
)


@st.composite
def groups(draw):
    """(candidates, htt, headcount): 0–40 HTXS proposals, 0–200 HTT, headcount ≥ both."""
    n = draw(st.integers(0, 40))
    candidates = [
        QuotaCandidate(subject_id=i, name=f"S{i}", score=draw(scores), ballot_share=draw(shares))
        for i in range(n)
    ]
    htt = draw(st.integers(0, 200))
    headcount = n + htt + draw(st.integers(0, 50))
    return candidates, htt, headcount


def rank_key(c: QuotaCandidate):
    return (c.score is None, -(c.score or 0), c.ballot_share is None, -(c.ballot_share or 0))


@pytest.mark.parametrize(("basis", "rounding", "small"), EVERY_RULE)
@settings(max_examples=60, deadline=None)
@given(group=groups(), granted=st.sampled_from([None, Fraction(1, 4), Fraction(9, 40)]))
def test_plan_does_keep_a_maximal_set_within_cap_for_every_rule_R_Q1(
    basis, rounding, small, group, granted
):
    candidates, htt, headcount = group
    quota = rule(basis, rounding, small)
    exception = GrantedRatio(granted, "ngoại lệ") if granted else None
    result = plan(quota, candidates=candidates, htt=htt, headcount=headcount, granted=exception)
    effective = with_exception(quota, exception)

    kept, moved = len(result.keep), len(result.move_down)
    assert result.allowed == kept
    assert kept + moved == len(candidates)
    assert {c.subject_id for c in result.keep} | {c.subject_id for c in result.move_down} == {
        c.subject_id for c in candidates
    }
    # Those kept as HTXS and those moved to HTT satisfy the cap on the final counts …
    assert within_cap(effective, htxs=kept, htt=htt + moved, headcount=headcount)
    # … and keeping one more would break it.
    if moved:
        assert not within_cap(effective, htxs=kept + 1, htt=htt + moved - 1, headcount=headcount)
    assert result.exceeded == bool(moved)


@settings(max_examples=200, deadline=None)
@given(group=groups())
def test_plan_does_rank_by_score_then_ballot_share_R_Q1(group):
    candidates, htt, headcount = group
    result = plan(rule(), candidates=candidates, htt=htt, headcount=headcount)

    keys = [rank_key(c) for c in result.candidates]
    assert keys == sorted(keys)
    assert result.keep == result.candidates[: result.allowed]
    assert result.move_down == result.candidates[result.allowed :]
    # Nobody moved down ranks above somebody kept.
    if result.keep and result.move_down:
        assert rank_key(result.keep[-1]) <= rank_key(result.move_down[0])


def test_rank_does_put_missing_score_and_share_last_R_Q1():
    a = QuotaCandidate(1, "A", score=Decimal("92"), ballot_share=Fraction(2, 3))
    b = QuotaCandidate(2, "B", score=Decimal("92"), ballot_share=Fraction(3, 4))
    c = QuotaCandidate(3, "C", score=Decimal("92"), ballot_share=None)
    d = QuotaCandidate(4, "D", score=None, ballot_share=Fraction(1))
    e = QuotaCandidate(5, "E", score=Decimal("95"), ballot_share=Fraction(1, 2))

    assert [x.name for x in rank([a, b, c, d, e])] == ["E", "B", "A", "C", "D"]


@settings(max_examples=300, deadline=None)
@given(candidates=st.integers(0, 60), htt=st.integers(0, 300))
def test_allowed_htxs_does_follow_literal_reading_t_over_6_R_Q3(candidates, htt):
    """With T rated HTT-or-better, at most ⌊T/6⌋ can be HTXS (basis HTT, floor, 1/5)."""
    total = candidates + htt
    allowed = allowed_htxs(rule(), candidates=candidates, htt=htt, headcount=total)

    assert allowed == min(candidates, total // 6)


def test_plan_does_show_basis_ratio_and_rounding_R_Q3():
    candidates = [QuotaCandidate(i, f"S{i}", score=Decimal(95 - i)) for i in range(3)]

    result = plan(rule(), candidates=candidates, htt=10, headcount=13)

    text = " ".join(result.steps)
    assert result.allowed == 2
    assert BASIS_LABELS["htt"] in text
    assert "Với 2 HTXS và 11 HTT: 20% × 11 = 2,2, làm tròn xuống = 2 (đủ cho 2)." in text
    assert "Với 3 HTXS thì HTT còn 10: 20% × 10 = 2, làm tròn xuống = 2 (không đủ cho 3)." in text
    assert "Tối đa 2 HTXS. Đề nghị 3: giữ 2, đề nghị chuyển xuống HTT: 1." in text
    assert [c.name for c in result.move_down] == ["S2"]


@pytest.mark.parametrize(
    ("rounding", "expected"), [("floor", "làm tròn xuống = 0"), ("ceil", "làm tròn lên = 1")]
)
def test_plan_does_name_the_rule_set_rounding_R_Q3(rounding, expected):
    result = plan(rule(rounding=rounding), candidates=[QuotaCandidate(1, "A")], htt=3, headcount=4)

    assert expected in " ".join(result.steps)


@pytest.mark.parametrize(("small", "allowed"), [(5, 1), (0, 0)])
def test_plan_does_allow_one_htxs_when_fewer_than_threshold_htt_R_Q4(small, allowed):
    candidates = [QuotaCandidate(1, "A", score=Decimal(95)), QuotaCandidate(2, "B")]

    result = plan(rule(small=small), candidates=candidates, htt=2, headcount=4)

    assert result.allowed == allowed
    if small:
        assert "nhóm có dưới 5 người HTT nên được 1" in " ".join(result.steps)


def test_plan_does_allow_up_to_25_percent_when_exception_granted_R_Q5():
    """12 HTT and 5 proposals: 20% keeps 2; a 25% exception keeps 3, and says whose it is."""
    candidates = [QuotaCandidate(i, f"S{i}") for i in range(5)]
    granted = GrantedRatio(Fraction(1, 4), "ngoại lệ được A duyệt ngày 20/12/2026: nổi bật")

    without = plan(rule(), candidates=candidates, htt=10, headcount=15)
    with_it = plan(rule(), candidates=candidates, htt=10, headcount=15, granted=granted)

    assert (without.allowed, with_it.allowed) == (2, 3)
    assert (
        "Với 3 HTXS và 12 HTT: 25% × 12 = 3, làm tròn xuống = 3 (đủ cho 3); tỷ lệ 25% là "
        "ngoại lệ được A duyệt ngày 20/12/2026: nổi bật."
    ) in with_it.steps


def _stated_caps(steps: list[str]) -> list[int]:
    """Every "tối đa N HTXS" the explanation states."""
    return [int(n) for n in re.findall(r"[Tt]ối đa (\d+) HTXS", " ".join(steps))]


def test_plan_does_state_the_cap_it_applies_when_demotion_moves_it_R_Q3():
    """One HTXS among 4 HTT: keeping them leaves 20% × 4 = 0,8 → 0; moving them down gives
    20% × 5 = 1, yet the one moved cannot come back. The cap stated is the 0 applied, and the
    computation is shown where it binds."""
    result = plan(rule(), candidates=[QuotaCandidate(1, "A")], htt=4, headcount=5)

    assert "Với 0 HTXS và 5 HTT: 20% × 5 = 1, làm tròn xuống = 1 (đủ cho 0)." in result.steps
    assert _stated_caps(result.steps) == [0]
    assert (result.allowed, result.limit) == (0, 0)
    assert (
        "Với 1 HTXS thì HTT còn 4: 20% × 4 = 0,8, làm tròn xuống = 0 (không đủ cho 1)."
        in result.steps
    )


@pytest.mark.parametrize(("basis", "rounding", "small"), EVERY_RULE)
@settings(max_examples=40, deadline=None)
@given(group=groups())
def test_plan_does_state_only_the_cap_it_applies_R_Q3(basis, rounding, small, group):
    candidates, htt, headcount = group
    result = plan(rule(basis, rounding, small), candidates=candidates, htt=htt, headcount=headcount)

    assert _stated_caps(result.steps) == [result.limit]
    assert result.allowed == min(len(candidates), result.limit)
    assert "." not in re.sub(r"\.(\s|$)", " ", " ".join(result.steps))  # decimal commas only

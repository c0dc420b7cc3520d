"""The vote rules (domain.md §6 step 4) and the confidence-vote thresholds (§8), as properties.

Each property restates the rule independently of ratings.tally and checks `propose` against it
for every rule kind, every base (convened / present / valid) and both comparisons (strict "more
than", or "at least").
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ratings.tally import BASES, Figures, VoteRule, confidence_flags, propose, quorum_met

LEVELS = ["HTXS", "HTT", "HT", "KHT"]  # best first


@st.composite
def ballots(draw, levels=LEVELS):
    """Counts per level for one candidate and consistent meeting figures."""
    counts = {code: draw(st.integers(0, 40)) for code in levels}
    blank = draw(st.integers(0, 5))  # valid ballots that left this candidate blank (paper)
    valid = sum(counts.values()) + blank
    present = valid + draw(st.integers(0, 5))  # invalid or not returned
    convened = present + draw(st.integers(0, 10))  # absent
    return counts, Figures(convened=convened, present=present, valid=valid)


thresholds = st.fractions(min_value=Fraction(1, 10), max_value=Fraction(9, 10), max_denominator=12)
rules_of = st.builds(
    VoteRule,
    rule=st.just("absolute_majority"),
    base=st.sampled_from(BASES),
    threshold=thresholds,
    strict=st.booleans(),
)


def reaches(votes: int, rule: VoteRule, figures: Figures) -> bool:
    """The rule's comparison, restated: more than (or at least) threshold × base votes."""
    needed = rule.threshold * figures.base(rule.base)
    return votes > needed if rule.strict else votes >= needed and votes > 0


def with_rule(kind: str):
    return rules_of.map(
        lambda r: VoteRule(rule=kind, base=r.base, threshold=r.threshold, strict=r.strict)
    )


# -- absolute majority -----------------------------------------------------------------------


@given(ballots(), with_rule("absolute_majority"))
def test_propose_does_pick_best_level_over_threshold_when_absolute_majority(data, rule):
    counts, figures = data
    proposal = propose(counts, LEVELS, rule, figures)
    if proposal.level is None:
        assert not any(reaches(counts[code], rule, figures) for code in LEVELS)
    else:
        index = LEVELS.index(proposal.level)
        assert reaches(counts[proposal.level], rule, figures)
        assert not any(reaches(counts[code], rule, figures) for code in LEVELS[:index])
    assert proposal.base == figures.base(rule.base)


@given(ballots(), st.sampled_from(BASES))
def test_propose_does_find_at_most_one_level_when_absolute_majority_of_half(data, base):
    counts, figures = data
    rule = VoteRule(rule="absolute_majority", base=base, threshold=Fraction(1, 2), strict=True)
    winners = [code for code in LEVELS if reaches(counts[code], rule, figures)]
    assert len(winners) <= 1
    assert propose(counts, LEVELS, rule, figures).level == (winners[0] if winners else None)


def test_propose_rejects_exactly_half_when_absolute_majority_is_strict():
    figures = Figures(convened=12, present=10, valid=10)
    strict = VoteRule(rule="absolute_majority", base="present", strict=True)
    at_least = VoteRule(rule="absolute_majority", base="present", strict=False)
    counts = {"HTXS": 0, "HTT": 5, "HT": 5, "KHT": 0}
    assert propose(counts, LEVELS, strict, figures).level is None
    assert propose(counts, LEVELS, at_least, figures).level == "HTT"
    assert propose({"HTT": 6, "HT": 4}, LEVELS, strict, figures).level == "HTT"


def test_propose_rejects_level_when_absolute_majority_counts_the_absent():
    # 6 of 10 present but only 6 of 12 convened: the base decides.
    figures = Figures(convened=12, present=10, valid=10)
    counts = {"HTT": 6, "HT": 4}
    present = VoteRule(rule="absolute_majority", base="present")
    convened = VoteRule(rule="absolute_majority", base="convened")
    assert propose(counts, LEVELS, present, figures).level == "HTT"
    assert propose(counts, LEVELS, convened, figures).level is None


def test_propose_does_write_numbers_in_vietnamese_format_when_explaining():
    figures = Figures(convened=9, present=7, valid=7)
    rule = VoteRule(rule="absolute_majority", base="present", threshold=Fraction(1, 2))
    steps = propose({"HTXS": 4, "HT": 3}, LEVELS, rule, figures).steps
    assert "Cần nhiều hơn 0,5 × 7 = 3,5 phiếu." in steps
    thirds = VoteRule(rule="cumulative", base="present", threshold=Fraction(2, 3))
    assert "Cộng dồn từ mức cao nhất cho đến khi được nhiều hơn 4,67 phiếu." in (
        propose({"HT": 7}, LEVELS, thirds, figures).steps
    )


# -- cumulative from the top -------------------------------------------------------------------


@given(ballots(), with_rule("cumulative"))
def test_propose_does_stop_where_running_sum_passes_threshold_when_cumulative(data, rule):
    counts, figures = data
    proposal = propose(counts, LEVELS, rule, figures)
    running = [sum(counts[code] for code in LEVELS[: i + 1]) for i in range(len(LEVELS))]
    if proposal.level is None:
        assert not any(reaches(total, rule, figures) for total in running)
    else:
        index = LEVELS.index(proposal.level)
        assert reaches(running[index], rule, figures)
        assert index == 0 or not reaches(running[index - 1], rule, figures)


@given(ballots(), with_rule("cumulative"), st.data())
def test_propose_does_keep_or_improve_level_when_cumulative_gains_a_better_vote(data, rule, more):
    # One voter moves from a level to a better one: the proposal never gets worse.
    counts, figures = data
    source = more.draw(st.sampled_from([c for c in LEVELS[1:] if counts[c] > 0] or [None]))
    assume(source is not None)
    target = more.draw(st.sampled_from(LEVELS[: LEVELS.index(source)]))
    moved = dict(counts)
    moved[source] -= 1
    moved[target] += 1
    rank = {code: i for i, code in enumerate(LEVELS)} | {None: len(LEVELS)}
    before = propose(counts, LEVELS, rule, figures).level
    after = propose(moved, LEVELS, rule, figures).level
    assert rank[after] <= rank[before]


@given(ballots(), with_rule("cumulative"), st.sampled_from(LEVELS))
def test_propose_does_keep_or_improve_level_when_cumulative_gets_one_more_vote(data, rule, code):
    # A blank ballot turned into a vote for any level: the running sums only grow.
    counts, figures = data
    assume(figures.valid > sum(counts.values()))
    more = dict(counts)
    more[code] += 1
    rank = {c: i for i, c in enumerate(LEVELS)} | {None: len(LEVELS)}
    before = propose(counts, LEVELS, rule, figures).level
    assert rank[propose(more, LEVELS, rule, figures).level] <= rank[before]


def test_propose_does_add_htxs_to_htt_when_cumulative():
    figures = Figures(convened=10, present=10, valid=10)
    rule = VoteRule(rule="cumulative", base="valid")
    counts = {"HTXS": 3, "HTT": 3, "HT": 4, "KHT": 0}
    proposal = propose(counts, LEVELS, rule, figures)
    assert proposal.level == "HTT"  # 3 + 3 = 6 > 5
    assert propose(counts, LEVELS, VoteRule(rule="absolute_majority"), figures).level is None
    assert any("cộng dồn 6 → đạt" in step for step in proposal.steps)


# -- plurality -----------------------------------------------------------------------------------


@given(ballots(), with_rule("plurality"))
def test_propose_does_pick_most_voted_lower_on_tie_when_plurality(data, rule):
    counts, figures = data
    proposal = propose(counts, LEVELS, rule, figures)
    best = max(counts.values())
    if best == 0:
        assert proposal.level is None
        return
    assert counts[proposal.level] == best
    worse = LEVELS[LEVELS.index(proposal.level) + 1 :]
    assert all(counts[code] < best for code in worse)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"HTXS": 3, "HTT": 3, "HT": 1}, "HTT"),
        ({"HTT": 4, "HT": 4, "KHT": 4}, "KHT"),
        ({"HTXS": 5, "HTT": 4}, "HTXS"),
        ({}, None),
    ],
)
def test_propose_does_give_tie_to_lower_level_when_plurality(counts, expected):
    rule = VoteRule(rule="plurality", base="valid")
    figures = Figures(convened=20, present=20, valid=sum(counts.values()))
    assert propose(counts, LEVELS, rule, figures).level == expected


# -- shared ------------------------------------------------------------------------------------


@given(ballots(), rules_of, st.sampled_from(["absolute_majority", "cumulative", "plurality"]))
def test_propose_does_explain_itself_when_any_rule(data, rule, kind):
    counts, figures = data
    rule = VoteRule(rule=kind, base=rule.base, threshold=rule.threshold, strict=rule.strict)
    proposal = propose(counts, LEVELS, rule, figures)
    assert proposal.counts == counts
    assert proposal.steps and str(proposal.base) in proposal.steps[0]
    assert proposal.as_json()["level"] == proposal.level


@given(rules_of, st.sampled_from(["absolute_majority", "cumulative", "plurality"]))
def test_vote_rule_does_round_trip_when_stored_as_json(rule, kind):
    rule = VoteRule(rule=kind, base=rule.base, threshold=rule.threshold, strict=rule.strict)
    assert VoteRule.from_json(rule.as_json()) == rule


@pytest.mark.parametrize(("field", "value"), [("rule", "two_rounds"), ("base", "members")])
def test_vote_rule_rejects_unknown_kind_when_built(field, value):
    with pytest.raises(ValueError):
        VoteRule(**{field: value})


# -- quorum ----------------------------------------------------------------------------------


@given(
    st.integers(0, 300),
    st.integers(0, 300),
    st.fractions(min_value=Fraction(1, 3), max_value=1, max_denominator=6),
)
def test_quorum_met_does_compare_present_share_when_anyone_present(convened, present, quorum):
    assume(present <= convened)
    rule = VoteRule(quorum=quorum)
    expected = present > 0 and present * quorum.denominator >= quorum.numerator * convened
    assert quorum_met(rule, convened=convened, present=present) is expected


@pytest.mark.parametrize(
    ("convened", "present", "quorum", "met"),
    [
        (10, 5, Fraction(1, 2), True),
        (10, 4, Fraction(1, 2), False),
        (9, 6, Fraction(2, 3), True),
        (9, 5, Fraction(2, 3), False),
        (0, 0, Fraction(1, 2), False),
    ],
)
def test_quorum_met_does_accept_exact_share_when_at_threshold(convened, present, quorum, met):
    assert quorum_met(VoteRule(quorum=quorum), convened=convened, present=present) is met


# -- confidence votes (QĐ 96, §8) --------------------------------------------------------------

HALF, TWO_THIRDS = Fraction(1, 2), Fraction(2, 3)


@given(st.integers(1, 500), st.data())
@example(base=6, data=None)
def test_confidence_flags_does_flag_over_half_and_two_thirds_when_low_votes(base, data):
    lows = range(base + 1) if data is None else [data.draw(st.integers(0, base))]
    for low in lows:
        flags = confidence_flags(low, base, resign_threshold=HALF, dismiss_threshold=TWO_THIRDS)
        assert flags.low_share == Fraction(low, base)
        assert flags.may_resign is (2 * low > base)
        assert flags.dismissal is (3 * low >= 2 * base)
        assert not flags.dismissal or flags.may_resign


@pytest.mark.parametrize(
    ("low", "base", "may_resign", "dismissal"),
    [
        (5, 10, False, False),  # exactly 1/2: not "more than half"
        (6, 10, True, False),
        (4, 6, True, True),  # exactly 2/3: "2/3 or more"
        (6, 9, True, True),
        (5, 9, True, False),
        (13, 20, True, False),  # 0.65 < 2/3
        (0, 0, False, False),
    ],
)
def test_confidence_flags_does_use_exact_fractions_when_at_edges(low, base, may_resign, dismissal):
    flags = confidence_flags(low, base, resign_threshold=HALF, dismiss_threshold=TWO_THIRDS)
    assert (flags.may_resign, flags.dismissal) == (may_resign, dismissal)

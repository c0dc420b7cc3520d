"""The exemption parameters of the rule sets: long sick leave, small leadership collectives."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from reviews import rulesets
from reviews.rulesets import RuleSetError, build_ruleset

from .test_rulesets import shipped_data


def _build(data):
    return build_ruleset(data, source=Path("test"), file="test.toml")


def test_qd366_does_rate_long_sick_leave_on_time_worked_without_cap():
    ex = rulesets.get_ruleset("qd366-hd43").exemptions
    assert (ex.sick_leave_months, ex.sick_leave_effect, ex.cap_level) == (
        3,
        "rate_on_time_worked",
        None,
    )
    assert ex.leadership_collective_min_members == 3


@pytest.mark.parametrize("code", ["qd132-hd21", "qd124-hd25"])
def test_qd132_and_qd124_do_cap_long_sick_leave_at_ht(code):
    ex = rulesets.get_ruleset(code).exemptions
    assert (ex.sick_leave_months, ex.sick_leave_effect, ex.cap_level) == (3, "cap", "HT")
    assert ex.leadership_collective_min_members == 0


def test_ruleset_does_read_the_former_sick_leave_key_of_a_stored_period_as_a_cap():
    # Periods created before the effect was a parameter stored `sick_leave_cap_months`.
    data = shipped_data()
    exemptions = data["exemptions"]
    del exemptions["sick_leave_months"], exemptions["sick_leave_effect"]
    exemptions["sick_leave_cap_months"] = 3
    exemptions["cap_level"] = "HT"
    data["notes"] = {k: v for k, v in data["notes"].items() if "sick_leave_months" not in k}
    ex = _build(data).exemptions
    assert (ex.sick_leave_months, ex.sick_leave_effect, ex.cap_level) == (3, "cap", "HT")


def test_ruleset_rejects_cap_level_when_sick_leave_is_rated_on_time_worked():
    data = shipped_data()
    data["exemptions"]["cap_level"] = "HT"
    with pytest.raises(RuleSetError, match=r"exemptions\.cap_level"):
        _build(data)


def test_ruleset_rejects_cap_without_cap_level():
    data = copy.deepcopy(shipped_data())
    data["exemptions"]["sick_leave_effect"] = "cap"
    with pytest.raises(RuleSetError, match=r"exemptions\.cap_level"):
        _build(data)


def test_describe_does_state_the_sick_leave_rule_and_the_month_count():
    rows = {
        label: value
        for _title, section in rulesets.describe(rulesets.get_ruleset("qd366-hd43"))
        for label, value, _note in section
    }
    assert rows["Nghỉ ốm dài ngày"] == (
        "từ 3 tháng trong năm: đánh giá trên kết quả làm việc thực tế, không giới hạn mức xếp loại"
    )
    assert "từ ngày 15/06 đến hết ngày 14/12 là 6 tháng" in rows["Cách đếm tháng"]

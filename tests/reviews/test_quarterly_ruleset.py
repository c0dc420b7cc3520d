"""The [quarterly] section of a rule set: who is assessed each quarter, when and on which form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reviews.rulesets import describe, get_ruleset, load_ruleset_file
from tests.reviews.test_rulesets import rejection, shipped_data, write


def test_qd366_assesses_central_cadres_in_the_first_three_quarters_on_form_05():
    rule = get_ruleset("qd366-hd43").quarterly

    assert rule is not None
    assert rule.subject_classes == ("central_cadre",)
    assert rule.quarters == (1, 2, 3)
    assert get_ruleset("qd366-hd43").forms[rule.form].title.startswith("Mẫu 05")
    assert [rule.due_date(2026, q) for q in rule.quarters] == [
        dt.date(2026, 3, 15),
        dt.date(2026, 6, 15),
        dt.date(2026, 9, 15),
    ]


def test_local_variant_inherits_the_quarterly_section():
    assert get_ruleset("thanhhoa-qd366").quarterly == get_ruleset("qd366-hd43").quarterly


@pytest.mark.parametrize("code", ["qd124-hd25", "qd132-hd21"])
def test_older_rule_sets_assess_no_one_quarterly(code: str):
    assert get_ruleset(code).quarterly is None


def test_form_for_period_is_form_05_only_in_a_quarterly_period():
    ruleset = get_ruleset("qd366-hd43")

    # HD 43 gives leaders, central cadres included, Mẫu 2A in the year-end review.
    assert ruleset.form_for_period("central_cadre", quarterly=True).code == "05"
    assert ruleset.form_for_period("central_cadre", quarterly=False).code == "2A"


@pytest.mark.parametrize("quarters", [[4], [1, 1], [], [0, 2], ["1"]])
def test_load_ruleset_rejects_quarters_when_not_distinct_quarters_1_to_3(
    tmp_path: Path, quarters: list
):
    data = shipped_data()
    data["quarterly"]["quarters"] = quarters

    assert "quarterly.quarters" in rejection(write(tmp_path, data))


def test_load_ruleset_rejects_quarterly_class_when_collective(tmp_path: Path):
    data = shipped_data()
    data["quarterly"]["subject_classes"] = ["collective"]

    assert "quarterly.subject_classes[0]" in rejection(write(tmp_path, data))


def test_load_ruleset_rejects_due_day_when_past_the_30th(tmp_path: Path):
    data = shipped_data()
    data["quarterly"]["due_day"] = 31

    assert "quarterly.due_day" in rejection(write(tmp_path, data))


def test_load_ruleset_rejects_quarterly_form_when_not_defined(tmp_path: Path):
    data = shipped_data()
    data["quarterly"]["form"] = "09"

    assert "quarterly.form" in rejection(write(tmp_path, data))


def test_load_ruleset_rejects_quarterly_form_when_it_has_no_criteria(tmp_path: Path):
    data = shipped_data()
    data["forms"]["05"]["sections"] = [
        s for s in data["forms"]["05"]["sections"] if s["kind"] != "criteria"
    ]

    assert "quarterly.form" in rejection(write(tmp_path, data))


def test_load_ruleset_rejects_unknown_quarterly_key(tmp_path: Path):
    data = shipped_data()
    data["quarterly"]["due_month"] = 3

    assert "quarterly.due_month" in rejection(write(tmp_path, data))


def test_load_ruleset_does_without_quarterly_when_the_section_is_absent(tmp_path: Path):
    data = shipped_data()
    del data["quarterly"]
    del data["notes"]["quarterly"]

    assert load_ruleset_file(write(tmp_path, data)).quarterly is None


def test_describe_does_show_the_quarterly_rules_or_that_they_do_not_apply():
    central = dict(describe(get_ruleset("qd366-hd43")))["Tự đánh giá, xếp loại hằng quý"]
    older = dict(describe(get_ruleset("qd132-hd21")))["Tự đánh giá, xếp loại hằng quý"]

    assert central[0][:2] == ("Đối tượng", "Cán bộ thuộc diện Trung ương quản lý")
    assert central[0][2].startswith("[C]")
    assert ("Các quý đánh giá", "quý I, II, III; quý IV gộp vào đánh giá cuối năm", None) in central
    assert ("Thời hạn báo cáo", "Trước ngày 15 tháng cuối mỗi quý", None) in central
    assert older == [("Đánh giá hằng quý", "Không áp dụng", None)]

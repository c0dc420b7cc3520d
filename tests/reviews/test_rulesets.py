"""Rule sets as versioned data: the shipped files, inheritance, validation and the command.

Nothing here touches the database: rule sets are files.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from decimal import Decimal
from fractions import Fraction
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from orgunits.models import UnitKind
from reviews import rulesets
from reviews.rulesets import (
    QuotaRule,
    RuleSet,
    RuleSetError,
    RuleSetNotFound,
    check_all,
    deep_merge,
    default_ruleset,
    describe,
    get_ruleset,
    load_all,
    load_ruleset_file,
    ruleset_for_year,
)

SHIPPED = Path(settings.BASE_DIR) / "rulesets"
SHIPPED_FILES = sorted(SHIPPED.glob("*.toml"))
CENTRAL = "qd366-hd43"


# ---------------------------------------------------------------- helpers


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    raise TypeError(value)


def dump_toml(data: dict[str, Any], prefix: str = "") -> str:
    """Enough TOML for rule-set data: scalars first, then one [table] per sub-table."""
    lines = [
        f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)
    ]
    text = "\n".join(lines) + "\n"
    for key, value in data.items():
        if isinstance(value, dict):
            header = f"{prefix}.{_toml_key(key)}" if prefix else _toml_key(key)
            text += f"\n[{header}]\n" + dump_toml(value, header)
    return text


def shipped_data(code: str = CENTRAL) -> dict[str, Any]:
    with (SHIPPED / f"{code}.toml").open("rb") as handle:
        return tomllib.load(handle)


def write(directory: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = directory / f"{name or data['code']}.toml"
    path.write_text(dump_toml(data), encoding="utf-8")
    return path


def rejection(path: Path) -> str:
    with pytest.raises(RuleSetError) as caught:
        load_ruleset_file(path)
    return str(caught.value)


# ---------------------------------------------------------------- the shipped rule sets


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_ruleset_loads(path: Path):
    ruleset = load_ruleset_file(path)

    assert ruleset.code == path.stem
    assert ruleset.version >= 1
    assert ruleset.legal_basis
    assert [level.code for level in ruleset.levels] == ["HTXS", "HTT", "HT", "KHT"]


def test_load_all_finds_the_four_shipped_rulesets_without_errors():
    rulesets_by_code, errors = check_all()

    assert errors == []
    assert set(rulesets_by_code) == {"qd132-hd21", "qd124-hd25", "qd366-hd43", "thanhhoa-qd366"}


def test_default_ruleset_is_qd366_hd43():
    assert default_ruleset().code == "qd366-hd43"
    assert [rs.code for rs in load_all().values() if rs.is_default] == ["qd366-hd43"]


@pytest.mark.parametrize(
    ("year", "code"),
    [
        (2018, "qd132-hd21"),
        (2020, "qd132-hd21"),
        (2022, "qd132-hd21"),
        (2023, "qd124-hd25"),
        (2024, "qd124-hd25"),
        (2025, "qd366-hd43"),
        (2026, "qd366-hd43"),
    ],
)
def test_ruleset_for_year_picks_the_central_ruleset_of_that_year(year: int, code: str):
    assert ruleset_for_year(year).code == code


def test_ruleset_for_year_rejects_year_when_no_ruleset_covers_it():
    with pytest.raises(RuleSetNotFound, match="2017"):
        ruleset_for_year(2017)


@pytest.mark.django_db  # an unknown code is looked for among the versions stored in the app
def test_get_ruleset_raises_key_error_when_code_is_unknown():
    with pytest.raises(KeyError, match="no-such-set"):
        get_ruleset("no-such-set")


def test_get_ruleset_returns_the_cached_ruleset_until_cleared():
    first = get_ruleset(CENTRAL)
    assert get_ruleset(CENTRAL) is first

    rulesets.clear_cache()

    again = get_ruleset(CENTRAL)
    assert again is not first
    assert again == first


def test_thanhhoa_inherits_qd366_and_overrides_only_local_keys():
    parent, local = get_ruleset("qd366-hd43"), get_ruleset("thanhhoa-qd366")

    assert local.extends == "qd366-hd43"
    assert not local.is_default
    assert local.quota.small_group_threshold == 5  # R-Q4
    assert local.quota.small_group_allowance == 1
    assert local.circulation.lead_working_days == 3
    assert local.meeting.min_days == Decimal("1.5")
    assert local.meeting.min_days_with_suggestions == Decimal("2")
    assert local.meeting.key_cadre_conference_staff_threshold == 70
    assert local.constraints.cell_htt_requires_members is True  # R-L4
    # Everything not overridden is the parent's.
    assert parent.quota.small_group_threshold == 0
    assert local.quota.ratio == parent.quota.ratio == Fraction(1, 5)
    assert local.scoring == parent.scoring
    assert local.forms == parent.forms
    assert local.criteria == parent.criteria
    assert local.calendar_tiers == parent.calendar_tiers
    assert local.manifestations == parent.manifestations
    assert local.meeting.min_days_provincial_standing == parent.meeting.min_days_provincial_standing
    assert "quota.small_group_threshold" in local.overrides
    assert "meeting.min_days" in local.overrides
    assert local.note("quota.small_group_threshold").confidence == "L"


def test_deep_merge_merges_tables_and_replaces_lists():
    parent = {"quota": {"ratio": 0.2, "rounding": "floor"}, "legal": ["a", "b"]}
    child = {"quota": {"rounding": "ceil"}, "legal": ["c"]}

    assert deep_merge(parent, child) == {
        "quota": {"ratio": 0.2, "rounding": "ceil"},
        "legal": ["c"],
    }


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (100, "HTXS"),
        (90, "HTXS"),
        (89.99, "HTT"),
        (Decimal("89.99"), "HTT"),
        (70, "HTT"),
        (69.5, "HT"),
        (50, "HT"),
        (49.9, "KHT"),
        (0, "KHT"),
    ],
)
def test_level_for_points_follows_the_qd366_bands_at_their_edges(total: Any, level: str):
    assert get_ruleset(CENTRAL).level_for_points(total) == level


def test_level_for_points_rejects_total_when_ruleset_grades_criteria():
    with pytest.raises(ValueError, match="grades"):
        get_ruleset("qd124-hd25").level_for_points(90)


@pytest.mark.parametrize(("htt", "cap"), [(0, 0), (4, 0), (5, 1), (9, 1), (10, 2), (14, 2)])
def test_quota_cap_R_Q1_R_Q3_is_20_percent_of_htt_rounded_down(htt: int, cap: int):
    assert get_ruleset(CENTRAL).quota.cap(htt) == cap


@pytest.mark.parametrize(("htt", "cap"), [(1, 1), (4, 1), (5, 1), (10, 2)])
def test_quota_cap_R_Q4_allows_one_when_fewer_than_5_rated_htt_in_thanhhoa(htt: int, cap: int):
    assert get_ruleset("thanhhoa-qd366").quota.cap(htt) == cap


def test_quota_cap_R_Q3_rounds_exactly_when_rounding_up():
    # 0.2 × 15 is 3.0000000000000004 in floats; ratios are exact fractions.
    rule = QuotaRule(
        ratio=Fraction(1, 5),
        basis="htt",
        rounding="ceil",
        small_group_threshold=0,
        small_group_allowance=1,
        grouping="per_grassroots_and_class",
        tie_break="ballot",
    )
    assert rule.cap(15) == 3
    assert rule.cap(16) == 4


@given(st.integers(min_value=0, max_value=100_000))
def test_quota_cap_R_Q1_never_exceeds_the_ratio_when_rounding_down(htt: int):
    cap = get_ruleset(CENTRAL).quota.cap(htt)

    assert cap * 5 <= htt < (cap + 1) * 5


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_unit_kind_has_a_calendar_tier(path: Path):
    ruleset = load_ruleset_file(path)

    for kind in UnitKind.values:
        tier = ruleset.tier_for_kind(kind)
        assert list(tier.offsets().values()) == sorted(tier.offsets().values())


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_subject_class_has_a_form_with_a_self_level_section(path: Path):
    ruleset = load_ruleset_file(path)

    for cls in ("collective", "central_cadre", "leader", "non_leader", "outside"):
        form = ruleset.form_for_class(cls)
        assert form.sections_of_kind("self_level")
        assert ruleset.criteria_for_class(cls)


def test_qd366_forms_are_the_2025_set():
    ruleset = get_ruleset(CENTRAL)

    assert set(ruleset.forms) == {"01", "2A", "2B", "2C", "05"}
    # HD 43 reverses HD 25: 2A is for leaders and managers, 2B for everyone else.
    assert ruleset.form_for_class("leader").code == "2A"
    assert ruleset.form_for_class("central_cadre").code == "2A"
    assert ruleset.form_for_class("non_leader").code == "2B"
    assert ruleset.form_for_class("outside").code == "2C"
    assert ruleset.form_for_class("collective").code == "01"


def test_qd366_criteria_groups_sum_to_30_and_70_and_each_is_sourced_or_a_placeholder():
    ruleset = get_ruleset(CENTRAL)

    for cls in ruleset.subject_classes:
        criteria = ruleset.criteria_for_class(cls)
        assert sum(c.max_points for c in criteria if c.group == "general") == 30
        assert sum(c.max_points for c in criteria if c.group == "tasks") == 70
        for c in criteria:
            assert c.placeholder == c.title.startswith("[")
            assert c.placeholder or c.source


def test_qd366_non_leader_general_groups_are_the_annex_4_wording():
    criteria = get_ruleset(CENTRAL).criteria_for_class("non_leader")

    general = [c for c in criteria if c.group == "general"]
    assert general[0].title == "Về chính trị, phẩm chất đạo đức và ý thức tổ chức kỷ luật"
    assert general[-1].title == "Về tự phê bình và phê bình, khắc phục hạn chế, khuyết điểm"
    assert not any(c.placeholder for c in general)
    assert len(general[0].details) == 10
    assert general[0].group_title == "NHÓM TIÊU CHÍ CHUNG"


def test_qd366_leader_and_collective_groups_follow_annexes_3_and_1():
    ruleset = get_ruleset(CENTRAL)

    leader = ruleset.criteria_for_class("leader")
    assert [c.group for c in leader].count("general") == 5
    assert [c.group for c in leader].count("tasks") == 3
    collective = ruleset.criteria_for_class("collective")
    assert [c.group for c in collective].count("general") == 6


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_the_27_manifestations_are_3_groups_of_9_sourced_or_placeholders(path: Path):
    groups = load_ruleset_file(path).manifestations

    assert [g.title for g in groups] == [
        "Suy thoái về tư tưởng chính trị",
        "Suy thoái về đạo đức, lối sống",
        "Biểu hiện “tự diễn biến”, “tự chuyển hóa” trong nội bộ",
    ]
    items = [item for group in groups for item in group.items]
    assert [len(g.items) for g in groups] == [9, 9, 9]
    assert all(item.placeholder == item.text.startswith("[") for item in items)
    assert all(item.placeholder or item.source for item in items)
    assert len({item.code for item in items}) == 27
    assert groups[0].items[0].code == f"{groups[0].code}.1"


def test_notes_carry_the_confidence_mark():
    note = get_ruleset(CENTRAL).note("quota.rounding")

    assert note is not None
    assert note.confidence == "?"
    assert "làm tròn" in note.text


# ---------------------------------------------------------------- describe()


def test_describe_returns_vietnamese_rows_with_the_quota_and_vote_rule():
    sections = describe(get_ruleset(CENTRAL))
    rows = {label: (value, note) for _title, rows in sections for label, value, note in rows}

    assert all(isinstance(title, str) and rows_ for title, rows_ in sections)
    quota_text, quota_note = rows["Tỷ lệ tối đa HTXS"]
    assert quota_text == "20% số được xếp loại Hoàn thành tốt nhiệm vụ, làm tròn xuống"
    assert quota_note and "[?]" in quota_note
    vote_text, vote_note = rows["Cách quy đổi phiếu thành mức đề xuất"]
    assert "trên 50% số có mặt" in vote_text
    assert vote_note is not None
    assert rows["Hoàn thành xuất sắc nhiệm vụ"][0] == "từ 90 điểm trở lên"


def test_describe_shows_the_local_small_group_rule_of_thanhhoa():
    rows = {
        label: value
        for _title, section in describe(get_ruleset("thanhhoa-qd366"))
        for label, value, _note in section
    }

    assert "dưới 5" in rows["Ngoại lệ cho nhóm nhỏ"]
    assert "Quy định 366-QĐ/TW và Hướng dẫn 43-HD/BTCTW" in rows["Kế thừa"]


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_describe_works_for_every_shipped_ruleset(path: Path):
    for title, rows in describe(load_ruleset_file(path)):
        assert title
        for label, value, note in rows:
            assert isinstance(label, str) and label
            assert isinstance(value, str) and value
            assert note is None or isinstance(note, str)


# ---------------------------------------------------------------- broken files


def test_load_ruleset_rejects_rounding_when_value_is_not_allowed(tmp_path: Path):
    data = shipped_data()
    data["quota"]["rounding"] = "nearest"

    message = rejection(write(tmp_path, data))

    assert "qd366-hd43.toml" in message
    assert "quota.rounding" in message
    assert '"nearest"' in message
    assert "floor, round_half_up, ceil" in message


def test_load_ruleset_rejects_unknown_key_when_key_is_misspelt(tmp_path: Path):
    data = shipped_data()
    data["quota"]["roundng"] = "floor"

    message = rejection(write(tmp_path, data))

    assert "qd366-hd43.toml" in message
    assert "quota.roundng" in message
    assert "unknown key" in message


def test_load_ruleset_rejects_criteria_when_task_points_do_not_sum_to_70(tmp_path: Path):
    data = shipped_data()
    data["criteria"]["leader"]["groups"]["L_XLTT"]["max_points"] = 10

    message = rejection(write(tmp_path, data))

    assert "qd366-hd43.toml" in message
    assert "criteria.leader.groups" in message
    assert "65" in message and "70" in message


def test_load_ruleset_rejects_criteria_when_general_groups_do_not_sum_to_30(tmp_path: Path):
    data = shipped_data()
    data["criteria"]["non_leader"]["groups"]["K_CT"]["max_points"] = 16

    message = rejection(write(tmp_path, data))

    assert "criteria.non_leader.groups" in message
    assert "31" in message and "30" in message


def test_load_ruleset_rejects_confirmed_group_when_it_has_no_source(tmp_path: Path):
    data = shipped_data()
    del data["criteria"]["non_leader"]["groups"]["K_CT"]["source"]

    assert "criteria.non_leader.groups.K_CT.source" in rejection(write(tmp_path, data))


def test_local_variant_overrides_only_the_maxima_of_groups_by_code(tmp_path: Path):
    (tmp_path / "qd366-hd43.toml").write_text(dump_toml(shipped_data()), encoding="utf-8")
    (tmp_path / "local-366.toml").write_text(
        'code = "local-366"\nversion = 1\ntitle = "Biến thể"\nextends = "qd366-hd43"\n'
        'legal_basis = ["x"]\nrating_years = [2025, 9999]\n'
        "[criteria.leader.groups.L_CT]\nmax_points = 10\n"
        "[criteria.leader.groups.L_UT]\nmax_points = 2\n",
        encoding="utf-8",
    )

    local = load_ruleset_file(tmp_path / "local-366.toml")

    leader = {c.code: c for c in local.criteria_for_class("leader")}
    assert leader["L_CT"].max_points == 10 and leader["L_UT"].max_points == 2
    assert leader["L_CT"].title == get_ruleset(CENTRAL).criteria_for_class("leader")[0].title
    assert [c.code for c in local.criteria_for_class("leader")] == list(leader)


def test_load_ruleset_rejects_ruleset_when_levels_is_missing(tmp_path: Path):
    data = shipped_data()
    del data["levels"]

    message = rejection(write(tmp_path, data))

    assert "qd366-hd43.toml" in message
    assert "levels" in message
    assert "required key is missing" in message


def test_load_ruleset_rejects_calendar_when_a_unit_kind_is_in_no_tier(tmp_path: Path):
    data = shipped_data()
    tiers = data["calendar"]["tiers"]
    # The upper tier keeps one kind (an empty list is another error); party_committee is lost.
    tiers["grassroots"]["unit_kinds"].remove("other")
    tiers["upper"]["unit_kinds"] = ["other"]

    message = rejection(write(tmp_path, data))

    assert "qd366-hd43.toml" in message
    assert "calendar.tiers" in message
    assert '"party_committee"' in message


def test_load_ruleset_rejects_extends_when_parents_form_a_cycle(tmp_path: Path):
    local = shipped_data("thanhhoa-qd366")
    write(tmp_path, {**local, "code": "first", "extends": "second"})
    write(tmp_path, {**local, "code": "second", "extends": "first"})

    message = rejection(tmp_path / "first.toml")

    assert "first.toml" in message
    assert "extends" in message
    assert "first → second → first" in message


def test_load_ruleset_rejects_extends_when_parent_does_not_exist(tmp_path: Path):
    local = shipped_data("thanhhoa-qd366")

    message = rejection(write(tmp_path, local))

    assert "thanhhoa-qd366.toml: extends" in message
    assert '"qd366-hd43"' in message


def test_load_ruleset_rejects_extends_when_parent_is_invalid(tmp_path: Path):
    parent = shipped_data()
    parent["quota"]["rounding"] = "nearest"
    write(tmp_path, parent)

    message = rejection(write(tmp_path, shipped_data("thanhhoa-qd366")))

    assert "thanhhoa-qd366.toml: extends" in message
    assert "quota.rounding" in message


def test_load_ruleset_rejects_local_override_when_key_is_misspelt(tmp_path: Path):
    write(tmp_path, shipped_data())
    local = shipped_data("thanhhoa-qd366")
    local["meeting"]["min_day"] = 2

    message = rejection(write(tmp_path, local))

    assert "thanhhoa-qd366.toml: meeting.min_day" in message


def test_load_ruleset_rejects_bands_when_not_descending(tmp_path: Path):
    data = shipped_data()
    data["scoring"]["bands"][1]["min"] = 95

    message = rejection(write(tmp_path, data))

    assert "scoring.bands[1].min" in message


def test_load_ruleset_rejects_subject_class_when_its_form_is_not_defined(tmp_path: Path):
    data = shipped_data()
    data["subject_classes"]["outside"]["form"] = "2D"

    message = rejection(write(tmp_path, data))

    assert "subject_classes.outside.form" in message
    assert '"2D"' in message


def test_load_ruleset_rejects_calendar_when_offsets_decrease(tmp_path: Path):
    data = shipped_data()
    data["calendar"]["tiers"]["cell"]["meeting_end"] = 7

    message = rejection(write(tmp_path, data))

    assert "calendar.tiers.cell.meeting_end" in message


def test_load_ruleset_rejects_calendar_when_upper_tier_runs_before_lower_R_L3(tmp_path: Path):
    data = shipped_data()
    data["calendar"]["tiers"]["upper"]["announcement"] = 20

    message = rejection(write(tmp_path, data))

    assert "calendar.tiers.upper.announcement" in message


def test_load_ruleset_rejects_placeholder_when_text_is_not_bracketed(tmp_path: Path):
    data = shipped_data()
    data["manifestations"]["groups"][1]["items"][0]["text"] = "Một nội dung tự đặt"

    message = rejection(write(tmp_path, data))

    assert "manifestations.groups[1].items[0].text" in message


def test_load_ruleset_rejects_version_when_below_1(tmp_path: Path):
    data = shipped_data()
    data["version"] = 0

    assert "qd366-hd43.toml: version" in rejection(write(tmp_path, data))


def test_load_ruleset_rejects_note_when_its_key_does_not_exist(tmp_path: Path):
    data = shipped_data()
    data["notes"]["quota.rouding"] = "[?] sai khóa"

    assert 'notes."quota.rouding"' in rejection(write(tmp_path, data))


def test_load_ruleset_rejects_code_when_it_differs_from_the_file_name(tmp_path: Path):
    message = rejection(write(tmp_path, shipped_data(), name="other"))

    assert "other.toml: code" in message


def test_load_ruleset_rejects_file_when_toml_syntax_is_broken(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text('code = "broken"\n[quota\n', encoding="utf-8")

    assert "broken.toml" in rejection(path)


def test_check_all_reports_every_invalid_file(tmp_path: Path):
    good = shipped_data()
    write(tmp_path, good)
    bad = {**good, "code": "bad-one", "rating_years": [2010, 2011], "default": False}
    bad["quota"] = {**good["quota"], "basis": "members"}
    write(tmp_path, bad)
    write(tmp_path, {**shipped_data("thanhhoa-qd366"), "code": "bad-two", "extends": "nowhere"})

    found, errors = check_all(tmp_path)

    assert set(found) == {"qd366-hd43"}
    assert sorted(e.path.rsplit("/", 1)[-1] for e in errors) == ["bad-one.toml", "bad-two.toml"]


def test_check_all_rejects_rating_years_when_central_rulesets_overlap(tmp_path: Path):
    write(tmp_path, shipped_data("qd124-hd25"))
    overlapping = {**shipped_data("qd132-hd21"), "rating_years": [2018, 2023]}
    write(tmp_path, overlapping)

    _found, errors = check_all(tmp_path)

    assert len(errors) == 1
    assert "rating_years" in str(errors[0])


# ---------------------------------------------------------------- the management command


def test_rulesets_command_lists_the_shipped_rulesets_and_succeeds():
    out = StringIO()

    call_command("rulesets", stdout=out)

    text = out.getvalue()
    for code in ("qd132-hd21", "qd124-hd25", "qd366-hd43", "thanhhoa-qd366"):
        assert code in text
    assert re.search(r"^\*\s+qd366-hd43", text, re.MULTILINE)


def test_rulesets_command_shows_the_rules_of_one_ruleset():
    out = StringIO()

    call_command("rulesets", "--show", "thanhhoa-qd366", stdout=out)

    assert "Tỷ lệ tối đa HTXS: 20%" in out.getvalue()


def test_rulesets_command_fails_with_every_error_when_a_file_is_broken(tmp_path: Path):
    data = shipped_data()
    data["quota"]["rounding"] = "nearest"
    write(tmp_path, data)
    write(tmp_path, {**shipped_data("thanhhoa-qd366"), "code": "orphan", "extends": "nowhere"})

    with pytest.raises(CommandError) as caught:
        call_command("rulesets", "--dir", str(tmp_path), stdout=StringIO())

    assert "quota.rounding" in str(caught.value)
    assert "orphan.toml: extends" in str(caught.value)


def test_rulesets_command_exits_1_when_a_file_is_broken(tmp_path: Path):
    data = shipped_data()
    del data["levels"]
    write(tmp_path, data)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}

    broken = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "rulesets", "--dir", str(tmp_path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    shipped = subprocess.run(
        [sys.executable, "manage.py", "rulesets"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert broken.returncode == 1
    assert "levels" in broken.stderr
    assert shipped.returncode == 0, shipped.stderr


def test_ruleset_equality_is_by_code_version_and_content():
    ruleset = get_ruleset(CENTRAL)

    assert isinstance(ruleset, RuleSet)
    assert ruleset == load_ruleset_file(SHIPPED / f"{CENTRAL}.toml")
    assert ruleset != get_ruleset("thanhhoa-qd366")


def test_ruleset_for_unit_does_keep_the_rules_a_period_was_created_under(period, monkeypatch):
    from reviews import rulesets, selectors

    stored = selectors.ruleset_for_unit(period, period.scope)

    def edited_file(code):
        raise AssertionError("the period must not re-read the shipped file")

    monkeypatch.setattr(rulesets, "get_ruleset", edited_file)
    again = selectors.ruleset_for_unit(period, period.scope)
    assert again == stored
    assert again.quota.ratio == stored.quota.ratio
    assert period.ruleset_digest == stored.digest


def test_from_snapshot_does_keep_the_order_of_criteria_groups():
    # A period stores its rule set with sorted keys; the groups must come back in `order`.
    ruleset = get_ruleset(CENTRAL)

    restored = rulesets.from_snapshot(dict(ruleset.data), f"order-{ruleset.digest}")

    for cls in ruleset.subject_classes:
        assert [c.code for c in restored.criteria_for_class(cls)] == [
            c.code for c in ruleset.criteria_for_class(cls)
        ]
    assert [c.code for c in restored.criteria_for_class("non_leader")] == [
        "K_CT",
        "K_NL",
        "K_TPB",
        "K_NV",
    ]


def test_load_ruleset_rejects_criteria_order_when_it_misses_a_group(tmp_path: Path):
    data = shipped_data()
    data["criteria"]["non_leader"]["order"] = ["K_CT", "K_NL", "K_NV"]

    assert "criteria.non_leader.order" in rejection(write(tmp_path, data))


def test_rulesets_doc_does_give_source_and_confidence_for_every_section_of_the_366_set():
    data = tomllib.loads(Path(settings.BASE_DIR, "rulesets", "qd366-hd43.toml").read_text())
    doc = Path(settings.BASE_DIR, "docs", "rulesets.md").read_text()
    table = doc.split("## Sources of the QĐ 366 rule set")[1].split("\n## ")[0]
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| `")]
    identity = {"code", "version", "title", "legal_basis", "rating_years", "default", "notes"}

    for key in sorted(set(data) - identity):
        found = [cells for cells in rows if f"`{key}" in cells[1]]
        assert found, f"no row for {key}"
        for cells in found:
            assert cells[-3].strip(), f"no source for {key}"
            assert re.search(r"\[(C|L|\?)\]", cells[-2]), f"no confidence for {key}"

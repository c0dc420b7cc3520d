"""The parameters a local rule set changes are named in words, never by their file keys."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from reviews.rulesets import all_rulesets, get_ruleset
from reviews.rulesets.describe import describe
from reviews.rulesets.key_words import key_words
from reviews.rulesets.loader import leaf_keys

KEY_LIKE = re.compile(r"[a-z]+_[a-z_]+|\b[a-z_]+\.[a-z_]+\b")


def test_key_words_does_name_every_parameter_of_every_rule_set_in_words():
    for rs in all_rulesets():
        for key in leaf_keys(tomllib.loads(Path(rs.source).read_text())):
            words = key_words(key)
            assert words and not KEY_LIKE.search(words), (key, words)


def test_describe_does_list_a_local_variants_changes_in_words():
    rs = get_ruleset("thanhhoa-qd366")
    rows = {label: value for _title, rows in describe(rs) for label, value, _note in rows}
    inherited = rows["Kế thừa"]
    assert "quota." not in inherited and "small_group" not in inherited
    assert "Tỷ lệ xếp loại Hoàn thành xuất sắc nhiệm vụ: ngưỡng nhóm nhỏ" in inherited
    assert "Gửi dự thảo và góp ý: số ngày làm việc gửi dự thảo trước hội nghị" in inherited
    for key in rs.overrides:
        assert key not in inherited

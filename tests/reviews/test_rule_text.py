"""Stored texts shown without the rule ids older versions wrote into them."""

import pytest

from reviews.rule_text import without_rule_id


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (
            "R-E1: vào Đảng ngày 02/09/2026, chưa đủ 6 tháng.",
            "Vào Đảng ngày 02/09/2026, chưa đủ 6 tháng.",
        ),
        ("R-E3", ""),
        (
            "Điều chỉnh theo tỷ lệ tối đa HTXS của nhóm (R-Q1): 1.",
            "Điều chỉnh theo tỷ lệ tối đa HTXS của nhóm: 1.",
        ),
        ("Bảo đảm tỷ lệ (R-Q1 … R-Q5)", "Bảo đảm tỷ lệ"),
        ("Không kiểm điểm: đảng viên mới", "Không kiểm điểm: đảng viên mới"),
        ("", ""),
    ],
)
def test_without_rule_id_does_drop_rule_ids_when_an_older_row_carries_them(stored, shown):
    assert without_rule_id(stored) == shown

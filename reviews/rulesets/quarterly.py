"""Validation of the optional [quarterly] section: who is assessed each quarter and how."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .model import SUBJECT_CLASSES, Form, QuarterlyRule, RuleSet, Scoring
from .reader import TableReader

# The last day every quarter's last month has (June and September have 30).
MAX_DUE_DAY = 30


def quarterly_rule(
    root: TableReader, scoring: Scoring, forms: Mapping[str, Form]
) -> QuarterlyRule | None:
    """The [quarterly] section, or None when the rule set assesses no one quarterly."""
    if not root.has("quarterly"):
        return None
    table = root.table("quarterly")
    rule = QuarterlyRule(
        subject_classes=table.strings(
            "subject_classes", choices=tuple(c for c in SUBJECT_CLASSES if c != "collective")
        ),
        quarters=_quarters(table),
        due_day=table.integer("due_day", minimum=1, maximum=MAX_DUE_DAY),
        form=table.string("form"),
    )
    if rule.form not in forms:
        raise table.error(
            "form",
            f'mẫu "{rule.form}" không có trong [forms]',
            f'form "{rule.form}" is not defined under [forms]',
        )
    if not forms[rule.form].sections_of_kind("criteria") or not scoring.is_points:
        raise table.error(
            "form",
            "mẫu tự đánh giá hằng quý cần mục chấm điểm và thang 100 điểm",
            "the quarterly self-assessment needs a criteria section and the 100-point model",
        )
    table.finish()
    return rule


def _quarters(table: TableReader) -> tuple[int, ...]:
    value = table.value("quarters")
    if (
        not isinstance(value, list)
        or not value
        or any(isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= 3 for q in value)
        or len(set(value)) != len(value)
    ):
        # The fourth quarter is folded into the year-end review (QĐ 366 Art. 15).
        raise table.error(
            "quarters",
            "phải là danh sách các quý khác nhau trong 1, 2, 3 (quý IV gộp vào đánh giá năm)",
            "must list distinct quarters among 1, 2, 3 (the fourth is folded into the year)",
        )
    return tuple(sorted(value))


def describe_quarterly(
    ruleset: RuleSet, note: Callable[..., str | None]
) -> tuple[str, list[tuple[str, str, str | None]]]:
    """The "rules that apply here" section on quarterly self-assessment."""
    title = "Tự đánh giá, xếp loại hằng quý"
    rule = ruleset.quarterly
    if rule is None:
        return title, [("Đánh giá hằng quý", "Không áp dụng", None)]
    classes = ", ".join(ruleset.subject_classes[c].name for c in rule.subject_classes)
    quarters = "quý " + ", ".join(("I", "II", "III")[q - 1] for q in rule.quarters)
    return title, [
        ("Đối tượng", classes, note("quarterly.subject_classes")),
        ("Các quý đánh giá", f"{quarters}; quý IV gộp vào đánh giá cuối năm", None),
        ("Biểu mẫu", ruleset.forms[rule.form].title, note(f"forms.{rule.form}")),
        (
            "Thời hạn báo cáo",
            f"Trước ngày {rule.due_day} tháng cuối mỗi quý",
            None,
        ),
    ]

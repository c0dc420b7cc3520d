"""The shape and the limits of a report change set (the editor's autosave and its form).

Everything is checked before anything is merged, so a refused change writes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orgunits import limits

from ..exceptions import MalformedChange, TextTooLong
from ..models import RemediationStatus

MALFORMED = "Dữ liệu gửi lên không đúng dạng; hãy tải lại trang và thử lại."
NUL_CHARACTER = "Văn bản chứa ký tự không hợp lệ (NUL); hãy xóa ký tự đó rồi lưu lại."
TEXT_PARTS = ("sections", "answers")
ITEM_PARTS = {
    # part -> allowed properties of one item (a checklist item, a carried shortcoming)
    "checklist": {"present", "note"},
    "remediation": {"status", "note"},
}


def _require(condition: bool) -> None:
    if not condition:
        raise MalformedChange(MALFORMED)


def _text(value: Any, *, kind: str, label: str) -> str:
    _require(isinstance(value, str))
    if "\x00" in value:
        raise MalformedChange(NUL_CHARACTER)
    return limits.check_text(value, kind=kind, label=label, error=TextTooLong)


def _item(part: str, value: Any) -> None:
    _require(isinstance(value, dict) and set(value) <= ITEM_PARTS[part])
    for prop, inner in value.items():
        if prop == "present":
            _require(inner is None or isinstance(inner, bool))
        elif prop == "status":
            _require(inner in ("", None, *RemediationStatus.values))
        else:
            _text(inner, kind="report_note", label="Ghi chú")


def check_change_shape(changes: Any, *, titles: dict[str, str]) -> None:
    """Refuse a change set that is not the editor's: parts of the wrong type, too many keys,
    texts over their limits. `titles` names the report's sections for the messages."""
    _require(isinstance(changes, dict))
    for part in (*TEXT_PARTS, "scores", *ITEM_PARTS):
        values = changes.get(part)
        if not values:
            continue
        _require(isinstance(values, dict) and len(values) <= limits.MAX_KEYS_PER_PART)
        for key, value in values.items():
            _require(len(key) <= limits.MAX_KEY_LENGTH)
            if part == "sections":
                _text(value, kind="report_section", label=titles.get(key, key))
            elif part == "answers":
                _text(value, kind="report_section", label="Trả lời nội dung gợi ý")
            elif part == "scores":
                _require(value is None or isinstance(value, str | int | float | Decimal))
                _require(not isinstance(value, bool))
            else:
                _item(part, value)
    level = changes.get("self_level")
    _require(level is None or (isinstance(level, str) and len(level) <= limits.MAX_KEY_LENGTH))


def check_report_total(texts: list[str]) -> None:
    """All the text of one report together stays within its limit."""
    total = sum(len(t) for t in texts)
    limit = limits.TEXT_LIMITS["report_total"]
    if total > limit:
        raise TextTooLong(limits.text_too_long("Toàn bộ bản kiểm điểm", total, limit))


def report_texts(report) -> list[str]:
    """Every free text a report holds (sections, answers, notes)."""
    texts = [v for v in (*report.sections.values(), *report.answers.values()) if isinstance(v, str)]
    for part in ITEM_PARTS:
        for item in getattr(report, part).values():
            if isinstance(item, dict) and isinstance(item.get("note"), str):
                texts.append(item["note"])
    return texts

"""How a report's form is laid out: part headings, section numbers and the criteria parts.

Shared by the report editor, the read-only page and the PDF, so all three number the sections
and total the criteria groups the same way. The layout is the rule set's data (`Form.headings`,
`FormSection.heading/number`); nothing here knows a rule-set code.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .rulesets import Criterion, Form
from .rulesets.model import roman


def section_rows(form: Form, texts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per section: the part heading it opens (or None), its number and its text."""
    return [
        {
            "heading": heading,
            "number": number,
            "section": section,
            "text": texts.get(section.key) or "",
        }
        for heading, number, section in form.numbered_sections()
    ]


def score_value(raw: Any) -> Decimal | None:
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def criteria_parts(
    criteria: tuple[Criterion, ...], scores: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The criteria groups by part ("general", "tasks"), numbered I, II, with each part's
    maximum and the sum of the scores entered so far (None while none is entered)."""
    parts: dict[str, dict[str, Any]] = {}
    for criterion in criteria:
        part = parts.get(criterion.group)
        if part is None:
            part = parts[criterion.group] = {
                "number": roman(len(parts) + 1),
                "code": criterion.group,
                "title": criterion.group_title,
                "max": Decimal(0),
                "score": None,
                "rows": [],
            }
        value = scores.get(criterion.code)
        part["rows"].append({"criterion": criterion, "value": value})
        part["max"] += criterion.max_points or Decimal(0)
        score = score_value(value)
        if score is not None:
            part["score"] = (part["score"] or Decimal(0)) + score
    return list(parts.values())

"""Texts written for people carry no internal rule id; rows stored before that rule still do."""

from __future__ import annotations

import re

# "R-E1: …", "R-K1 …" at the start, "(R-Q1)" or "(R-Q1 … R-Q5)" anywhere, as older versions
# wrote them into stored reasons and check messages.
_LEADING = re.compile(r"^\s*R-[A-Z]\d+\b:?\s*")
_BRACKETED = re.compile(r"\s*\(R-[A-Z]\d+\b[^()]*\)")
_ANYWHERE = re.compile(r"\bR-[A-Z]\d+\b:?\s*")


def without_rule_id(text: str) -> str:
    """`text` without the rule ids older rows carry, starting with a capital letter."""
    plain = _ANYWHERE.sub("", _BRACKETED.sub("", _LEADING.sub("", text or ""))).strip()
    return plain[:1].upper() + plain[1:]

"""Numbers in templates: plain inside form inputs, Vietnamese in text.

A number field (`<input type="number">`) accepts only "9.5"; the template engine would write
the active locale's "9,5", which the browser drops, so inputs take `|input_number`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from orgunits.text import vn_decimal

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def input_number(value) -> str:
    """'9.5', '31': the form a number input reads, never localized; '' for no number."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return ""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def vn_number(value) -> str:
    """'9,5', '31': a number in running text, the Vietnamese way; '' for no number."""
    number = _decimal(value)
    return "" if number is None or not number.is_finite() else vn_decimal(number)

"""Template filters for texts stored by the review apps."""

from django import template

from reviews.rule_text import without_rule_id as _without_rule_id

register = template.Library()


@register.filter
def without_rule_id(text: str) -> str:
    """A stored reason or check message as people read it (see reviews.rule_text)."""
    return _without_rule_id(text)

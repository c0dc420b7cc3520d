from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """Look a key up in a dict from a template (`counts|get_item:unit.pk`)."""
    return mapping.get(key) if mapping else None

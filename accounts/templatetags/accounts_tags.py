from django import template

from accounts.permissions import can_issue_reset_link as _can_issue_reset_link

register = template.Library()


@register.simple_tag(takes_context=True)
def can_issue_reset_link(context, person) -> bool:
    """In a template: may the signed-in user issue a password-reset link for `person`?"""
    request = context.get("request")
    return bool(request and person.user_id and _can_issue_reset_link(request.user, person))

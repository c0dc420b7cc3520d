from django import template

from accounts.permissions import can_issue_reset_link as _can_issue_reset_link
from accounts.permissions import can_manage_accounts as _can_manage_accounts

register = template.Library()


@register.simple_tag(takes_context=True)
def can_issue_reset_link(context, person) -> bool:
    """In a template: may the signed-in user issue a password-reset link for `person`?"""
    request = context.get("request")
    return bool(request and person.user_id and _can_issue_reset_link(request.user, person))


@register.simple_tag(takes_context=True)
def can_manage_accounts(context, unit) -> bool:
    """In a template: may the signed-in user create or close logins for `unit`?"""
    request = context.get("request")
    return bool(request and _can_manage_accounts(request.user, unit))

from django import template

from reviews.models import CentralCadre
from reviews.permissions import can_mark_central_cadre
from reviews.report_forms import CentralCadreForm

register = template.Library()


@register.inclusion_tag("reviews/_central_cadre_panel.html", takes_context=True)
def central_cadre_panel(context, person):
    """On the person page: whether the person is a cadre managed by the Central Committee,
    and the form to change it for the organisation board and administrators."""
    request = context.get("request")
    cadre = CentralCadre.objects.filter(person=person).first()
    may_change = bool(request and can_mark_central_cadre(request.user, person))
    form = None
    if may_change:
        form = CentralCadreForm(
            initial={"is_central": cadre is not None, "basis": cadre.basis if cadre else ""}
        )
    return {"person": person, "cadre": cadre, "form": form, "csrf_token": context.get("csrf_token")}

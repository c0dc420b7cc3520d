from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import permissions, selectors, todos
from ..forms import RoleChangeForm

PEOPLE_PER_PAGE = 50


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    roots = selectors.scope_roots(request.user)
    context = {
        "roots": roots,
        "child_counts": selectors.child_counts(roots),
        "roles": selectors.roles_of(request.user),
        "own_person": getattr(request.user, "person", None),
        "own_memberships": selectors.own_memberships(request.user),
        "todos": todos.todos_for(request.user, today=today),
        "today": today,
    }
    return render(request, "orgunits/dashboard.html", context)


@login_required
def unit_roots(request: HttpRequest) -> HttpResponse:
    roots = selectors.scope_roots(request.user) or list(
        selectors.units_visible_to(request.user).order_by("path")
    )
    return render(
        request,
        "orgunits/unit_roots.html",
        {"roots": roots, "child_counts": selectors.child_counts(roots)},
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.get_unit_for_user(request.user, pk)
    children = list(selectors.children_with_counts(request.user, unit))
    context = {
        "unit": unit,
        "ancestors": selectors.visible_ancestors(request.user, unit),
        "children": children,
        "child_counts": selectors.child_counts(children),
        "members": selectors.unit_members(request.user, unit),
        "can_import": permissions.can_import_roster(request.user, unit),
    }
    if permissions.can_manage_roles(request.user, unit):
        context["role_holders"] = selectors.role_holders(unit)
        context["role_form"] = RoleChangeForm()
    return render(request, "orgunits/unit_detail.html", context)


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    people = selectors.search_people(request.user, query)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    template = "orgunits/_person_rows.html" if request.htmx else "orgunits/person_list.html"
    return render(request, template, {"page": page, "query": query})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for_user(request.user, pk)
    memberships = person.memberships.select_related("unit").order_by("unit__path", "role")
    return render(
        request,
        "orgunits/person_detail.html",
        {"person": person, "memberships": memberships},
    )

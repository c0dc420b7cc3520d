"""Reads of the organisation tree, always scoped to the asking user.

A role granted on a unit covers its whole subtree. A member without a role sees only
themselves and the units they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from guardian.models import GroupObjectPermission, UserObjectPermission

from .models import Membership, OrgUnit, Person
from .roles import PERMISSION_ROLE
from .text import search_key

AnyUser = AbstractBaseUser | AnonymousUser
_CACHE_ATTR = "_kiemdiem_role_paths"


def role_paths(user: AnyUser) -> dict[str, list[str]]:
    """Map each role permission codename the user holds to the tree paths it was granted on.

    Two queries, cached on the user object for the rest of the request.
    """
    if not user.is_authenticated:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    content_type = ContentType.objects.get_for_model(OrgUnit)
    codenames = list(PERMISSION_ROLE)
    grants = list(
        UserObjectPermission.objects.filter(
            user=user, content_type=content_type, permission__codename__in=codenames
        ).values_list("permission__codename", "object_pk")
    ) + list(
        GroupObjectPermission.objects.filter(
            group__user=user, content_type=content_type, permission__codename__in=codenames
        ).values_list("permission__codename", "object_pk")
    )
    unit_paths = dict(
        OrgUnit.objects.filter(pk__in={int(pk) for _, pk in grants}).values_list("pk", "path")
    )
    result: dict[str, list[str]] = {}
    for codename, object_pk in grants:
        path = unit_paths.get(int(object_pk))
        if path is not None:
            result.setdefault(codename, []).append(path)
    setattr(user, _CACHE_ATTR, result)
    return result


def forget_role_cache(user: AnyUser) -> None:
    """Drop the per-request cache after roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _outermost(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies inside another one's subtree: it adds nothing."""
    roots = sorted(set(paths))
    return [p for p in roots if not any(p != q and p.startswith(q) for q in roots)]


def _subtree_q(paths: Iterable[str]) -> Q | None:
    kept = _outermost(paths)
    if not kept:
        return None
    return reduce(or_, (Q(path__startswith=p) for p in kept))


def has_role_on(user: AnyUser, unit: OrgUnit, codenames: Iterable[str] | None = None) -> bool:
    """True if the user holds one of the role permissions on the unit or an ancestor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    held = role_paths(user)
    wanted = list(codenames) if codenames is not None else list(held)
    return any(unit.path.startswith(p) for c in wanted for p in held.get(c, []))


def _role_units_q(user: AnyUser, codenames: Iterable[str] | None = None) -> Q | None:
    held = role_paths(user)
    wanted = list(codenames) if codenames is not None else list(held)
    return _subtree_q(p for c in wanted for p in held.get(c, []))


def role_subtrees(user: AnyUser, codenames: Iterable[str] | None = None) -> list[str]:
    """The paths of the outermost units where the user holds one of the role permissions (any
    role when `codenames` is None)."""
    held = role_paths(user)
    wanted = list(codenames) if codenames is not None else list(held)
    return _outermost(p for c in wanted for p in held.get(c, []))


def units_visible_to(user: AnyUser) -> QuerySet[OrgUnit]:
    """Every unit the user may see: role subtrees plus the units they are a member of."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    if user.is_superuser:
        return OrgUnit.objects.all()
    condition = Q(memberships__person__user=user)
    role_q = _role_units_q(user)
    if role_q is not None:
        condition = role_q | Q(pk__in=OrgUnit.objects.filter(condition).values("pk"))
        return OrgUnit.objects.filter(condition)
    return OrgUnit.objects.filter(pk__in=OrgUnit.objects.filter(condition).values("pk"))


def units_with_role(user: AnyUser, codenames: Iterable[str]) -> QuerySet[OrgUnit]:
    """Units in the subtrees where the user holds one of the given role permissions."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    if user.is_superuser:
        return OrgUnit.objects.all()
    role_q = _role_units_q(user, codenames)
    return OrgUnit.objects.filter(role_q) if role_q is not None else OrgUnit.objects.none()


def people_visible_to(user: AnyUser) -> QuerySet[Person]:
    """People with a membership in a unit under one of the user's roles, plus the user."""
    if not user.is_authenticated:
        return Person.objects.none()
    if user.is_superuser:
        return Person.objects.all()
    condition = Q(user=user)
    role_q = _role_units_q(user)
    if role_q is not None:
        in_scope = Membership.objects.filter(
            person=OuterRef("pk"), unit__in=OrgUnit.objects.filter(role_q)
        )
        condition |= Exists(in_scope)
    return Person.objects.filter(condition)


def scope_roots(user: AnyUser) -> list[OrgUnit]:
    """The top units of the user's scope, for the dashboard, with a role label each."""
    if user.is_superuser:
        return list(OrgUnit.objects.get_root_nodes())
    paths = _outermost(p for ps in role_paths(user).values() for p in ps)
    return list(OrgUnit.objects.filter(path__in=paths).order_by("path"))


def roles_of(user: AnyUser) -> list[tuple[str, OrgUnit]]:
    """Each (role, unit) grant the user holds, for display."""
    held = role_paths(user)
    all_paths = [p for ps in held.values() for p in ps]
    units = {u.path: u for u in OrgUnit.objects.filter(path__in=all_paths)}
    return sorted(
        ((PERMISSION_ROLE[c], units[p]) for c, ps in held.items() for p in ps if p in units),
        key=lambda item: (item[1].path, item[0]),
    )


def get_unit_for_user(user: AnyUser, pk: int) -> OrgUnit:
    """The unit, or 404 when it is outside the user's scope."""
    return get_object_or_404(units_visible_to(user), pk=pk)


def get_person_for_user(user: AnyUser, pk: int) -> Person:
    """The person, or 404 when they are outside the user's scope."""
    return get_object_or_404(people_visible_to(user), pk=pk)


def children_with_counts(user: AnyUser, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Visible children of a unit with their direct member count and child count."""
    depth = unit.depth + 1
    return (
        units_visible_to(user)
        .filter(path__startswith=unit.path, depth=depth)
        .annotate(
            member_count=Count("memberships__person", distinct=True),
        )
        .order_by("path")
    )


def child_counts(units: Iterable[OrgUnit]) -> dict[int, int]:
    """Number of direct children per unit, in one query."""
    units = list(units)
    if not units:
        return {}
    q = reduce(or_, (Q(path__startswith=u.path, depth=u.depth + 1) for u in units))
    counts: dict[int, int] = {u.pk: 0 for u in units}
    by_prefix = {u.path: u.pk for u in units}
    for path in OrgUnit.objects.filter(q).values_list("path", flat=True):
        parent_path = path[: -OrgUnit.steplen]
        if parent_path in by_prefix:
            counts[by_prefix[parent_path]] += 1
    return counts


def visible_ancestors(user: AnyUser, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors the user may see, root first, for a breadcrumb."""
    paths = [unit.path[:i] for i in range(OrgUnit.steplen, len(unit.path), OrgUnit.steplen)]
    return list(units_visible_to(user).filter(path__in=paths).order_by("depth"))


def unit_members(user: AnyUser, unit: OrgUnit) -> QuerySet[Membership]:
    """The unit's memberships whose person the user may see, in Vietnamese name order."""
    return (
        Membership.objects.filter(unit=unit, person__in=people_visible_to(user))
        .select_related("person")
        .order_by("person__given_name", "person__full_name", "role")
    )


def subtree_person_count(unit: OrgUnit) -> int:
    """Distinct people with a membership anywhere in the unit's subtree."""
    return Person.objects.filter(memberships__unit__path__startswith=unit.path).distinct().count()


def search_people(user: AnyUser, query: str = "", unit: OrgUnit | None = None) -> QuerySet[Person]:
    """People visible to the user matching the query, diacritics ignored, Vietnamese order."""
    people = people_visible_to(user)
    key = search_key(query)
    if key:
        people = people.filter(Q(search_name__contains=key) | Q(code__iexact=query.strip()))
    if unit is not None:
        people = people.filter(
            Exists(
                Membership.objects.filter(person=OuterRef("pk"), unit__path__startswith=unit.path)
            )
        )
    return people.order_by("given_name", "full_name", "code").prefetch_related("memberships__unit")


def own_memberships(user: AnyUser) -> QuerySet[Membership]:
    """The signed-in person's own memberships, for their dashboard."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(person__user=user)
        .select_related("unit")
        .order_by("unit__path", "role")
    )


def role_holders(unit: OrgUnit) -> list[tuple[Any, str]]:
    """Who holds which role granted on this very unit (not inherited), by user name."""
    content_type = ContentType.objects.get_for_model(OrgUnit)
    grants = (
        UserObjectPermission.objects.filter(
            content_type=content_type,
            object_pk=str(unit.pk),
            permission__codename__in=list(PERMISSION_ROLE),
        )
        .select_related("user__person", "permission")
        .order_by("user__username", "permission__codename")
    )
    return [(grant.user, PERMISSION_ROLE[grant.permission.codename]) for grant in grants]


def nearest_role_unit(unit: OrgUnit, codename: str) -> OrgUnit | None:
    """The unit itself or its nearest ancestor on which someone holds the role `codename`
    (directly or through a group); None when nobody holds it above the unit."""
    step = OrgUnit.steplen
    ancestors = list(
        OrgUnit.objects.filter(
            path__in=[unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
        )
    )
    keys = [str(a.pk) for a in ancestors]
    content_type = ContentType.objects.get_for_model(OrgUnit)
    held = set(
        UserObjectPermission.objects.filter(
            content_type=content_type, permission__codename=codename, object_pk__in=keys
        ).values_list("object_pk", flat=True)
    ) | set(
        GroupObjectPermission.objects.filter(
            content_type=content_type, permission__codename=codename, object_pk__in=keys
        ).values_list("object_pk", flat=True)
    )
    holders = [a for a in ancestors if str(a.pk) in held]
    return max(holders, key=lambda a: len(a.path), default=None)

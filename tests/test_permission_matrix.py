"""Every URL that takes an object id × every persona → the expected status.

Objects outside a persona's scope answer 404; visible objects without the right answer 403.
A new URL pattern with an object id fails `test_every_object_url_has_a_row` until it is added.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PERSONAS = ["anonymous", "member", "secretary", "org_officer", "authority", "admin_user", "outsider"]
# Namespaces that belong to the project (Django admin has its own staff-only checks).
PROJECT_NAMESPACES = {"orgunits", "reviews", "ratings"}

# url name -> (how to build kwargs from the tree and personas, expected status per persona)
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "orgunits:unit_detail": (
        "cell_a",
        {
            "anonymous": 302,
            "member": 200,
            "secretary": 200,
            "org_officer": 200,
            "authority": 200,
            "admin_user": 200,
            "outsider": 404,
        },
    ),
    "orgunits:person_detail": (
        "member_person",
        {
            "anonymous": 302,
            "member": 200,
            "secretary": 200,
            "org_officer": 200,
            "authority": 200,
            "admin_user": 200,
            "outsider": 404,
        },
    ),
    "orgunits:roster_import": (
        "cell_a",
        {
            "anonymous": 302,
            "member": 403,
            "secretary": 403,
            "org_officer": 200,
            "authority": 403,
            "admin_user": 200,
            "outsider": 404,
        },
    ),
}


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", p


def object_url_names() -> set[str]:
    """Names of project URL patterns that take a path argument (an object id)."""
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.split(":")[0] in PROJECT_NAMESPACES and pattern.pattern.converters:
            names.add(name)
    return names


def test_every_object_url_has_a_row():
    missing = object_url_names() - set(MATRIX)
    assert not missing, f"URLs with an object id but no permission-matrix row: {sorted(missing)}"


def _kwargs(kind: str, request) -> dict[str, int]:
    tree = request.getfixturevalue("tree")
    if kind == "cell_a":
        return {"pk": tree.cell_a.pk}
    if kind == "member_person":
        return {"pk": request.getfixturevalue("member").person.pk}
    raise AssertionError(f"unknown object kind {kind}")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_permission_matrix(url_name, persona, client, request):
    kind, expected = MATRIX[url_name]
    url = reverse(url_name, kwargs=_kwargs(kind, request))
    # Build every persona so that "outside the scope" is tested against a populated tree.
    users = {p: request.getfixturevalue(p) for p in PERSONAS if p != "anonymous"}
    if persona != "anonymous":
        client.force_login(users[persona])
    response = client.get(url)
    assert response.status_code == expected[persona], (url_name, persona)

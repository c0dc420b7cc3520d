"""Page-level behaviour of browsing: query counts that do not grow with rows, search."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgunits.models import MembershipRole

from ..factories import MembershipFactory, OrgUnitFactory


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_people(unit, n):
    for _ in range(n):
        person = MembershipFactory(unit=unit).person
        # A second site per person makes the unit column a real prefetch (R-E4).
        MembershipFactory(person=person, unit=unit, role=MembershipRole.STAFF)


def test_person_list_query_count_does_not_grow_with_people(client, tree, org_officer):
    client.force_login(org_officer)
    url = reverse("orgunits:person_list")
    _add_people(tree.cell_a, 3)
    few = _queries(client, url)
    _add_people(tree.cell_b, 40)
    many = _queries(client, url)
    assert many == few


def test_unit_detail_query_count_does_not_grow_with_children(client, tree, org_officer):
    client.force_login(org_officer)
    url = reverse("orgunits:unit_detail", kwargs={"pk": tree.district.pk})
    few = _queries(client, url)
    for i in range(15):
        child = OrgUnitFactory(parent=tree.district, code=f"EXTRA{i}")
        _add_people(child, 2)
    _add_people(tree.district, 10)
    many = _queries(client, url)
    assert many == few


def test_person_list_does_search_without_diacritics(client, tree, org_officer):
    person = MembershipFactory(unit=tree.cell_a, person__full_name="Võ Thị Ngọc Hân").person
    client.force_login(org_officer)
    response = client.get(reverse("orgunits:person_list"), {"q": "ngoc han"})
    assert person.full_name in response.content.decode()


def test_person_list_does_return_rows_fragment_for_htmx(client, tree, org_officer):
    client.force_login(org_officer)
    response = client.get(reverse("orgunits:person_list"), HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b"person-table" in response.content


@pytest.mark.parametrize("language,text", [("vi", "Đăng nhập"), ("en", "Log in")])
def test_login_page_does_speak_vietnamese_first_and_english(client, db, language, text):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=language)
    assert text in response.content.decode()


def test_dashboard_does_list_only_the_scope(client, tree, org_officer):
    client.force_login(org_officer)
    body = client.get(reverse("orgunits:dashboard")).content.decode()
    assert tree.district.name in body
    assert tree.elsewhere.name not in body

"""The list of cadres managed by the Central Committee is kept in the app, not the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews import exceptions
from reviews.models import CentralCadre
from reviews.services.central_cadres import set_central_cadre

pytestmark = pytest.mark.django_db


def test_set_central_cadre_does_add_update_and_remove(member, org_officer):
    person = member.person
    set_central_cadre(person=person, user=org_officer, is_central=True, basis="QĐ 12")
    set_central_cadre(person=person, user=org_officer, is_central=True, basis="QĐ 15")
    assert CentralCadre.objects.get(person=person).basis == "QĐ 15"
    assert set_central_cadre(person=person, user=org_officer, is_central=False) is None
    assert not CentralCadre.objects.filter(person=person).exists()


def test_set_central_cadre_rejects_a_basis_over_the_limit(member, org_officer):
    with pytest.raises(exceptions.TextTooLong):
        set_central_cadre(person=member.person, user=org_officer, is_central=True, basis="x" * 300)


def test_person_page_lets_the_organisation_board_mark_a_central_cadre(
    client, member, org_officer, secretary
):
    page_url = reverse("orgunits:person_detail", args=[member.person.pk])
    client.force_login(secretary)
    assert 'data-testid="central-cadre-form"' not in client.get(page_url).content.decode()

    client.force_login(org_officer)
    page = client.get(page_url).content.decode()
    assert 'data-testid="central-cadre-form"' in page
    response = client.post(
        reverse("reviews:person_central_cadre", args=[member.person.pk]),
        {"is_central": "on", "basis": "Quyết định 99-QĐ/TW"},
        follow=True,
    )
    page = response.content.decode()
    assert "Đã ghi nhận là cán bộ thuộc diện Trung ương quản lý." in page
    assert "Quyết định 99-QĐ/TW" in page
    assert CentralCadre.objects.filter(person=member.person).exists()

"""Password recovery: an administrator's one-time link, and e-mail where it is configured."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import PasswordResetLink, UserSession
from orgunits import services
from orgunits.roles import Role

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_admin(tree):
    """An administrator of the district: may reset passwords of people in it."""
    user = UserFactory(username="unit_admin")
    services.grant_role(user=user, unit=tree.district, role=Role.ADMINISTRATOR)
    return user


def _issue(client: Client, person) -> str:
    response = client.post(reverse("accounts:issue_reset_link", args=[person.pk]))
    assert response.status_code == 200
    return re.search(r'data-testid="reset-link">([^<]+)<', response.content.decode()).group(1)


def test_issue_reset_link_does_let_the_member_choose_a_new_password_once(
    client, unit_admin, member
):
    member_elsewhere = Client()
    member_elsewhere.force_login(member)
    client.force_login(unit_admin)
    link = _issue(client, member.person)
    anonymous = Client()

    form_page = anonymous.get(link, follow=True)
    assert form_page.status_code == 200 and "Lưu mật khẩu mới" in form_page.content.decode()
    done = anonymous.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Mat-khau-moi-2026!", "new_password2": "Mat-khau-moi-2026!"},
    )

    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Mat-khau-moi-2026!")
    assert member_elsewhere.get(reverse("orgunits:dashboard")).status_code == 302
    assert not UserSession.objects.filter(user=member).exists()
    again = Client().get(link, follow=True)
    assert 'data-testid="reset-link-invalid"' in again.content.decode()


def test_issue_reset_link_does_record_who_issued_it(client, unit_admin, member):
    client.force_login(unit_admin)

    _issue(client, member.person)

    assert PasswordResetLink.objects.filter(user=member, issued_by=unit_admin).count() == 1


def test_issue_reset_link_rejects_an_officer_without_the_administrator_role(
    client, org_officer, member
):
    client.force_login(org_officer)

    response = client.post(reverse("accounts:issue_reset_link", args=[member.person.pk]))

    assert response.status_code == 403
    assert not PasswordResetLink.objects.exists()


def test_issue_reset_link_rejects_a_person_outside_the_administrators_units(
    client, unit_admin, outsider
):
    client.force_login(unit_admin)

    response = client.post(reverse("accounts:issue_reset_link", args=[outsider.person.pk]))

    assert response.status_code == 404


def test_person_page_does_offer_the_reset_link_only_to_administrators(
    client, unit_admin, org_officer, member
):
    client.force_login(unit_admin)
    page = client.get(reverse("orgunits:person_detail", args=[member.person.pk]))
    assert 'data-testid="issue-reset-link"' in page.content.decode()

    client.force_login(org_officer)
    page = client.get(reverse("orgunits:person_detail", args=[member.person.pk]))
    assert 'data-testid="issue-reset-link"' not in page.content.decode()


def test_forgot_password_does_explain_the_administrator_path_when_email_is_off(client):
    page = client.get(reverse("password_reset"))

    assert page.status_code == 200
    assert 'data-testid="reset-by-administrator"' in page.content.decode()
    assert 'data-testid="reset-by-email"' not in page.content.decode()
    assert client.post(reverse("password_reset"), {"email": "a@b.vn"}).status_code == 405
    assert mail.outbox == []


@override_settings(PASSWORD_RESET_BY_EMAIL=True)
def test_forgot_password_does_mail_a_link_when_email_is_configured(client, member):
    member.email = "dangvien@example.gov.vn"
    member.save()

    response = client.post(reverse("password_reset"), {"email": "dangvien@example.gov.vn"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


@override_settings(PASSWORD_RESET_BY_EMAIL=True)
def test_forgot_password_does_not_tell_whether_an_address_has_an_account(client):
    response = client.post(reverse("password_reset"), {"email": "khong-co@example.gov.vn"})

    assert response.status_code == 302
    assert mail.outbox == []

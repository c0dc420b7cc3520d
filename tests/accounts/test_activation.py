"""Logins from the roster: bulk creation with one-time codes, activation, closing leavers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import activation
from accounts.exceptions import ActivationFailed
from accounts.models import AccountEvent, UserSession
from orgunits import services
from orgunits.models import MembershipRole
from orgunits.roles import Role

from ..factories import MembershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def newcomers(tree):
    people = [PersonFactory(code=f"DV-{n:03d}", email="") for n in range(3)]
    for person in people:
        MembershipFactory(person=person, unit=tree.cell_a, role=MembershipRole.PARTY_MEMBER)
    return people


def _activate(slip, password="Dang-vien-2026!", **overrides):
    return activation.activate_account(
        **{
            "username": slip.username,
            "code": slip.code,
            "password": password,
            "password_again": password,
            "now": NOW + dt.timedelta(hours=1),
            **overrides,
        }
    )


def test_issue_activations_does_create_logins_without_any_password_for_each_person(
    secretary, tree, newcomers
):
    slips = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=newcomers, now=NOW
    )

    assert [s.username for s in slips] == ["dv-000", "dv-001", "dv-002"]
    for person in newcomers:
        person.refresh_from_db()
        assert person.user is not None and not person.user.has_usable_password()
    assert len({s.code for s in slips}) == 3
    assert AccountEvent.objects.filter(kind="created").count() == 3


def test_activate_account_does_set_the_persons_own_password_once(secretary, tree, newcomers):
    slip = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=newcomers[:1], now=NOW
    )[0]

    user = _activate(slip)

    assert user.check_password("Dang-vien-2026!")
    with pytest.raises(ActivationFailed):
        _activate(slip, password="Mat-khau-khac-2026!")


def test_activate_account_rejects_the_code_after_five_wrong_tries(secretary, tree, newcomers):
    slip = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=newcomers[:1], now=NOW
    )[0]
    for _ in range(5):
        with pytest.raises(ActivationFailed):
            _activate(slip, code="SAIMA23456")

    with pytest.raises(ActivationFailed, match="sai, đã dùng hoặc đã hết hạn"):
        _activate(slip)


def test_activate_account_rejects_an_expired_code(secretary, tree, newcomers):
    slip = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=newcomers[:1], now=NOW
    )[0]

    with pytest.raises(ActivationFailed):
        _activate(slip, now=NOW + dt.timedelta(days=15))


def test_activate_account_rejects_a_weak_password_in_vietnamese(secretary, tree, newcomers):
    slip = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=newcomers[:1], now=NOW
    )[0]

    with pytest.raises(ActivationFailed, match=r"quá ngắn|quá phổ biến"):
        _activate(slip, password="123")


def test_issue_activations_does_leave_a_login_in_use_unchanged(secretary, tree, member):
    slips = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=[member.person], now=NOW
    )

    assert slips == []
    member.refresh_from_db()
    assert member.check_password("matkhau-123")


def test_issue_activations_does_not_let_a_secretary_reopen_a_used_login(secretary, tree, newcomers):
    slip = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=newcomers[:1], now=NOW
    )[0]
    _activate(slip)
    newcomers[0].refresh_from_db()
    closed = activation.deactivate_accounts(
        actor=secretary, unit=tree.cell_a, people=[newcomers[0]], now=NOW
    )
    assert closed == 1  # closing is fine; re-opening a used login is for administrators
    newcomers[0].refresh_from_db()

    reissued = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=[newcomers[0]], now=NOW
    )
    assert reissued == []


def test_deactivate_accounts_does_not_let_a_secretary_close_a_role_holders_login(secretary, tree):
    chair = UserFactory(username="chu-tich")
    person = PersonFactory(user=chair)
    MembershipFactory(person=person, unit=tree.cell_a)
    services.grant_role(user=chair, unit=tree.district, role=Role.AUTHORITY)

    closed = activation.deactivate_accounts(
        actor=secretary, unit=tree.cell_a, people=[person], now=NOW
    )

    assert closed == 0
    chair.refresh_from_db()
    assert chair.is_active


def test_deactivate_accounts_does_sign_the_leaver_out_everywhere(admin_user, tree, member):
    signed_in = Client()
    signed_in.force_login(member)

    closed = activation.deactivate_accounts(
        actor=admin_user, unit=tree.cell_a, people=[member.person], now=NOW
    )

    assert closed == 1
    member.refresh_from_db()
    assert not member.is_active
    assert not UserSession.objects.filter(user=member).exists()
    assert signed_in.get(reverse("orgunits:dashboard")).status_code == 302


def test_unit_accounts_page_does_show_each_members_login_state(client, secretary, tree, member):
    client.force_login(secretary)

    page = client.get(reverse("accounts:unit_accounts", args=[tree.cell_a.pk]))

    assert page.status_code == 200
    assert page.content.decode().count('data-testid="account-row"') == 2
    assert "đang dùng" in page.content.decode()


def test_unit_accounts_page_query_count_does_not_grow_with_members(
    client, secretary, tree, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("accounts:unit_accounts", args=[tree.cell_a.pk])
    client.get(url)
    for _ in range(30):
        MembershipFactory(person=PersonFactory(user=UserFactory()), unit=tree.cell_a)

    with django_assert_max_num_queries(14):
        client.get(url)


def test_unit_accounts_action_does_print_one_slip_per_new_login(client, secretary, tree, newcomers):
    client.force_login(secretary)

    page = client.post(
        reverse("accounts:unit_accounts_action", args=[tree.cell_a.pk]),
        {"action": "issue", "person": [str(p.pk) for p in newcomers]},
    )

    assert page.status_code == 200
    assert page.content.decode().count('data-testid="activation-slip"') == 3
    assert get_user_model().objects.filter(username__startswith="dv-").count() == 3


def test_unit_accounts_action_does_ignore_people_of_other_units(client, secretary, tree, outsider):
    client.force_login(secretary)

    client.post(
        reverse("accounts:unit_accounts_action", args=[tree.cell_a.pk]),
        {"action": "deactivate", "person": [str(outsider.person.pk)]},
    )

    outsider.refresh_from_db()
    assert outsider.is_active


def test_activate_page_does_let_a_member_sign_in_with_their_own_password(
    client, secretary, tree, newcomers
):
    slip = activation.issue_activations(
        actor=secretary, unit=tree.cell_a, people=newcomers[:1], now=timezone.now()
    )[0]

    done = Client().post(
        reverse("accounts:activate"),
        {
            "username": slip.username,
            "code": slip.code.lower(),
            "password": "Dang-vien-2026!",
            "password_again": "Dang-vien-2026!",
        },
    )

    assert done.status_code == 302 and done["Location"] == reverse("login")
    signed = Client().post(
        reverse("login"), {"username": slip.username, "password": "Dang-vien-2026!"}
    )
    assert signed.status_code == 302

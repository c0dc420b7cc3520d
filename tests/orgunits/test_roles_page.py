"""Roles are granted and withdrawn on the unit page by the unit's administrators."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orgunits import services
from orgunits.exceptions import RoleChangeRefused
from orgunits.models import RoleChange
from orgunits.roles import Role
from orgunits.selectors import has_role_on, role_holders

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_admin(tree):
    user = UserFactory(username="unit_admin")
    services.grant_role(user=user, unit=tree.district, role=Role.ADMINISTRATOR)
    return user


def _change(client, unit, **data):
    return client.post(reverse("orgunits:unit_roles", args=[unit.pk]), data, follow=True)


def test_change_role_on_unit_does_grant_with_the_reason_recorded(unit_admin, member, tree):
    services.change_role_on_unit(
        actor=unit_admin,
        unit=tree.cell_a,
        username="member",
        role=Role.SECRETARY,
        grant=True,
        reason="Nghị quyết số 12 của chi bộ",
    )

    assert has_role_on(member, tree.cell_a, ["run_review"])
    change = RoleChange.objects.get(user=member, action="granted")
    assert change.actor == unit_admin and change.reason == "Nghị quyết số 12 của chi bộ"
    assert (member, Role.SECRETARY) in role_holders(tree.cell_a)


def test_change_role_on_unit_rejects_an_officer_without_the_administrator_role(
    org_officer, member, tree
):
    with pytest.raises(RoleChangeRefused):
        services.change_role_on_unit(
            actor=org_officer,
            unit=tree.cell_a,
            username="member",
            role=Role.ADMINISTRATOR,
            grant=True,
            reason="Tự cấp",
        )


def test_change_role_on_unit_rejects_a_login_outside_the_administrators_scope(
    unit_admin, outsider, tree
):
    with pytest.raises(RoleChangeRefused, match="trong phạm vi"):
        services.change_role_on_unit(
            actor=unit_admin,
            unit=tree.cell_a,
            username="outsider",
            role=Role.SECRETARY,
            grant=True,
            reason="Điều động",
        )


def test_change_role_on_unit_rejects_a_grant_without_a_reason(unit_admin, member, tree):
    with pytest.raises(RoleChangeRefused):
        services.change_role_on_unit(
            actor=unit_admin,
            unit=tree.cell_a,
            username="member",
            role=Role.SECRETARY,
            grant=True,
            reason="  ",
        )


def test_unit_page_does_grant_and_withdraw_a_role(client, unit_admin, member, tree):
    client.force_login(unit_admin)

    page = _change(client, tree.cell_a, username="member", role="secretary", reason="Bầu bí thư")
    assert "Đã giao vai trò cho member" in page.content.decode()
    assert page.content.decode().count('data-testid="role-holder"') == 1

    page = _change(
        client,
        tree.cell_a,
        username="member",
        role="secretary",
        reason="Hết nhiệm kỳ",
        action="revoke",
    )
    assert not has_role_on(member, tree.cell_a, ["run_review"])
    assert page.content.decode().count('data-testid="role-holder"') == 0


def test_unit_page_does_show_the_role_form_only_to_administrators(
    client, unit_admin, secretary, tree
):
    client.force_login(unit_admin)
    assert (
        'data-testid="role-form"'
        in client.get(reverse("orgunits:unit_detail", args=[tree.cell_a.pk])).content.decode()
    )
    client.force_login(secretary)
    assert (
        'data-testid="role-form"'
        not in client.get(reverse("orgunits:unit_detail", args=[tree.cell_a.pk])).content.decode()
    )

"""403 and 404 pages speak Vietnamese, keep the menu and say where to go."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_forbidden_page_does_say_why_in_vietnamese_with_the_menu(client, member, tree):
    client.force_login(member)

    page = client.get(reverse("orgunits:roster_import", args=[tree.cell_a.pk]))

    text = page.content.decode()
    assert page.status_code == 403
    assert "Bạn không được thực hiện thao tác này" in text
    assert 'data-testid="user-menu"' in text
    assert reverse("orgunits:dashboard") in text


def test_forbidden_page_does_show_the_reason_the_view_gave(client, member, tree):
    client.force_login(member)

    page = client.get(reverse("accounts:unit_accounts", args=[tree.cell_a.pk]))

    assert page.status_code == 403
    assert "Chỉ bí thư của đơn vị hoặc quản trị viên" in page.content.decode()


def test_not_found_page_does_speak_vietnamese_with_the_menu(client, member):
    client.force_login(member)

    page = client.get("/units/987654321/")

    text = page.content.decode()
    assert page.status_code == 404
    assert "Không tìm thấy trang" in text
    assert 'data-testid="user-menu"' in text


def test_not_found_page_does_render_for_a_visitor_who_is_not_signed_in(client):
    page = client.get("/khong-co-trang-nay/")

    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.content.decode()

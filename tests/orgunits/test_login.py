"""The login page answers bad input with a form error, never a 500."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["a" * 256, "đ" * 300, "a" * 151])
def test_login_rejects_an_overlong_username_with_a_form_error(client, username):
    response = client.post("/accounts/login/", {"username": username, "password": "x"})
    assert response.status_code == 200
    assert "tối đa 150" in response.text


def test_login_does_record_a_failed_attempt_for_a_normal_username(client):
    response = client.post("/accounts/login/", {"username": "khong-co", "password": "x"})
    assert response.status_code == 200
    assert AccessAttempt.objects.filter(username="khong-co").exists()

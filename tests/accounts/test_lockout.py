"""Sign-in throttling: by address, growing waits, never an account lock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from accounts.lockout import client_address, cool_off_for

pytestmark = pytest.mark.django_db


def _attempt(client: Client, username: str, password: str, address: str, **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


@override_settings(AXES_FAILURE_LIMIT=10, LOGIN_THROTTLE_BASE_MINUTES=1)
def test_cool_off_does_double_with_each_failure_past_the_limit_up_to_the_cap():
    assert cool_off_for(9) == dt.timedelta(minutes=1)
    assert cool_off_for(10) == dt.timedelta(minutes=1)
    assert cool_off_for(11) == dt.timedelta(minutes=2)
    assert cool_off_for(13) == dt.timedelta(minutes=8)
    assert cool_off_for(40) == dt.timedelta(minutes=60)
    assert cool_off_for(10**9) == dt.timedelta(minutes=60)


def test_login_does_throttle_the_address_with_a_vietnamese_message_after_ten_failures(secretary):
    client = Client()
    statuses = [_attempt(client, f"ai-do-{n}", "sai", "10.1.1.1").status_code for n in range(10)]
    assert statuses[:9] == [200] * 9  # the tenth failure starts the wait

    response = _attempt(client, "secretary", "matkhau-123", "10.1.1.1")

    assert response.status_code == 429
    assert "Chờ" in response.content.decode() and "phút" in response.content.decode()
    assert int(response["Retry-After"]) >= 60


def test_login_does_not_lock_the_chair_when_a_colleague_mistypes_their_username(secretary):
    colleague, chair = Client(), Client()
    for _ in range(12):
        _attempt(colleague, "secretary", "doan-sai", "10.2.2.2")

    response = _attempt(chair, "secretary", "matkhau-123", "10.3.3.3")

    assert response.status_code == 302  # signed in from the chair's own machine


def test_login_does_make_the_wait_grow_while_an_address_keeps_trying(secretary):
    client = Client()
    for n in range(10):
        _attempt(client, f"x{n}", "sai", "10.4.4.4")
    first = int(_attempt(client, "x", "sai", "10.4.4.4")["Retry-After"])
    second = int(_attempt(client, "x", "sai", "10.4.4.4")["Retry-After"])

    assert second > first


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_login_does_throttle_the_real_client_behind_the_proxy_not_the_proxy(secretary):
    attacker, chair = Client(), Client()
    for n in range(11):
        _attempt(attacker, f"y{n}", "sai", "127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    response = _attempt(
        chair, "secretary", "matkhau-123", "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    assert response.status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_client_address_does_ignore_addresses_the_client_forged_left_of_the_proxy():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )

    assert client_address(request) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_client_address_does_use_the_connection_without_a_trusted_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_address(request) == "10.0.0.5"

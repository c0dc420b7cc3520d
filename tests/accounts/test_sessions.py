"""Idle timeout, absolute lifetime, the session list and signing out everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from accounts.services import SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def _age_session(client: Client, *, signed_in_ago: dt.timedelta, seen_ago: dt.timedelta) -> None:
    now = timezone.now()
    session = client.session
    session[SIGNED_IN_AT] = (now - signed_in_ago).timestamp()
    session[SEEN_AT] = (now - seen_ago).timestamp()
    session.save()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_session_does_sign_out_when_idle_longer_than_30_minutes(member):
    client = _signed_in(member)
    _age_session(client, signed_in_ago=dt.timedelta(hours=1), seen_ago=dt.timedelta(minutes=31))

    response = client.get(reverse("orgunits:dashboard"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "30 phút không thao tác" in response.content.decode()
    assert client.get(reverse("orgunits:dashboard")).status_code == 302  # really signed out


def test_session_does_stay_when_active_within_the_idle_limit(member):
    client = _signed_in(member)
    _age_session(client, signed_in_ago=dt.timedelta(hours=2), seen_ago=dt.timedelta(minutes=29))

    assert client.get(reverse("orgunits:dashboard")).status_code == 200


def test_session_does_sign_out_after_a_working_day_even_when_active(member):
    client = _signed_in(member)
    _age_session(client, signed_in_ago=dt.timedelta(hours=10, minutes=1), seen_ago=dt.timedelta())

    response = client.get(reverse("orgunits:dashboard"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "10 giờ" in response.content.decode()


def test_session_does_answer_htmx_with_a_redirect_header_when_expired(member):
    client = _signed_in(member)
    _age_session(client, signed_in_ago=dt.timedelta(hours=1), seen_ago=dt.timedelta(hours=1))

    response = client.get(reverse("orgunits:dashboard"), HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"].startswith(reverse("login"))


def test_session_list_does_show_each_signed_in_browser(member):
    first = _signed_in(member)
    _signed_in(member)

    response = first.get(reverse("accounts:session_list"))

    assert response.status_code == 200
    assert UserSession.objects.filter(user=member).count() == 2
    assert response.content.decode().count("<tr>") == 3  # header + two sessions
    assert "trình duyệt này" in response.content.decode()


def test_sign_out_everywhere_does_end_every_session_of_the_user(member, secretary):
    here, elsewhere, other_user = _signed_in(member), _signed_in(member), _signed_in(secretary)

    response = here.post(reverse("accounts:sign_out_everywhere"))

    assert response.status_code == 302
    assert elsewhere.get(reverse("orgunits:dashboard")).status_code == 302
    assert here.get(reverse("orgunits:dashboard")).status_code == 302
    assert other_user.get(reverse("orgunits:dashboard")).status_code == 200
    assert not UserSession.objects.filter(user=member).exists()


def test_sign_out_does_forget_the_session_row(member):
    client = _signed_in(member)
    assert UserSession.objects.filter(user=member).count() == 1

    client.post(reverse("logout"))

    assert not UserSession.objects.filter(user=member).exists()

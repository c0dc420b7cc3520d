"""The second factor for approvers: set up once, entered once per session, and again within
15 minutes before a decision or publication."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.second_factor import VERIFIED_AT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.SECOND_FACTOR_REQUIRED = True


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def enrolled_authority(authority):
    TOTPDevice.objects.create(user=authority, name="kiemdiem", confirmed=True)
    return authority


def _verified(user) -> Client:
    client = _signed_in(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post(reverse("accounts:second_factor_verify"), {"token": _code(device)})
    assert response.status_code == 302
    return client


def test_middleware_does_send_an_authority_without_an_app_to_set_it_up(authority):
    response = _signed_in(authority).get(reverse("orgunits:dashboard"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:second_factor_setup")


def test_middleware_does_not_ask_a_member_or_a_secretary_for_a_second_factor(member, secretary):
    assert _signed_in(member).get(reverse("orgunits:dashboard")).status_code == 200
    assert _signed_in(secretary).get(reverse("orgunits:dashboard")).status_code == 200


def test_setup_does_confirm_the_app_and_show_ten_recovery_codes_once(authority):
    client = _signed_in(authority)
    page = client.get(reverse("accounts:second_factor_setup"))
    assert page.status_code == 200 and 'data-testid="totp-qr"' in page.content.decode()
    device = TOTPDevice.objects.get(user=authority, confirmed=False)

    done = client.post(reverse("accounts:second_factor_setup"), {"token": _code(device)})

    codes = re.findall(r"<li>([0-9a-f]{10})</li>", done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("orgunits:dashboard")).status_code == 200


def test_setup_rejects_a_wrong_code_with_a_vietnamese_message(authority):
    client = _signed_in(authority)
    client.get(reverse("accounts:second_factor_setup"))

    page = client.post(reverse("accounts:second_factor_setup"), {"token": "000000"}, follow=True)

    assert "Mã không đúng" in page.content.decode()
    assert not TOTPDevice.objects.filter(user=authority, confirmed=True).exists()


def test_middleware_does_ask_for_the_code_once_in_each_new_session(enrolled_authority):
    client = _signed_in(enrolled_authority)
    first = client.get(reverse("orgunits:dashboard"))
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("accounts:second_factor_verify"))

    device = TOTPDevice.objects.get(user=enrolled_authority)
    client.post(reverse("accounts:second_factor_verify"), {"token": _code(device)})

    assert client.get(reverse("orgunits:dashboard")).status_code == 200


def test_verify_does_accept_a_recovery_code_only_once(enrolled_authority):
    codes = second_factor.regenerate_recovery_codes(user=enrolled_authority)
    client = _signed_in(enrolled_authority)

    client.post(reverse("accounts:second_factor_verify"), {"token": codes[0]})
    assert client.get(reverse("orgunits:dashboard")).status_code == 200

    again = _signed_in(enrolled_authority)
    again.post(reverse("accounts:second_factor_verify"), {"token": codes[0]})
    assert again.get(reverse("orgunits:dashboard")).status_code == 302
    assert second_factor.remaining_recovery_codes(enrolled_authority) == 9


def test_decide_rejects_when_the_code_was_entered_over_15_minutes_ago(
    enrolled_authority, period, tree
):
    client = _verified(enrolled_authority)
    session = client.session
    session[VERIFIED_AT] = (timezone.now() - dt.timedelta(minutes=16)).timestamp()
    session.save()

    response = client.post(reverse("ratings:decide", args=[period.pk, tree.cell_a.pk]), {})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor_verify"))


def test_decide_does_go_on_when_the_code_was_entered_within_15_minutes(
    enrolled_authority, period, tree
):
    client = _verified(enrolled_authority)

    response = client.post(reverse("ratings:decide", args=[period.pk, tree.cell_a.pk]), {})

    assert not response.get("Location", "").startswith(reverse("accounts:second_factor_verify"))


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("appraisal", "decide"),
        ("appraisal", "decision_publish"),
        ("appraisal", "decision_cancel"),
        ("quota", "quota_exception"),
    ],
)
def test_approving_views_do_require_a_recent_second_factor(module, name):
    views = importlib.import_module(f"ratings.views.{module}")

    assert getattr(getattr(views, name), "requires_recent_second_factor", False)

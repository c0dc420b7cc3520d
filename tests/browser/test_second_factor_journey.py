"""An authority signs in for the first time: sets up the authenticator app, keeps the
recovery codes, reaches the home page; in a later session enters a code once."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP

pytestmark = pytest.mark.django_db(transaction=True)


def _code_for(secret: str, offset: int = 0) -> str:
    key = base64.b32decode(secret)
    totp = TOTP(key, step=30, t0=0, digits=6, drift=offset)
    return f"{totp.token():06d}"


def test_authority_sets_up_two_step_verification_then_enters_a_code_next_time(
    page, live_server, authority, console_errors, screenshot, settings
):
    settings.SECOND_FACTOR_REQUIRED = True
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "authority")
    page.fill("input[name=password]", "matkhau-123")
    page.click("[data-testid=login-submit]")

    page.wait_for_url(f"{live_server.url}/accounts/second-factor/setup/")
    assert page.get_by_role("heading", name="Thiết lập xác thực hai bước").is_visible()
    assert page.locator("[data-testid=totp-qr]").is_visible()
    screenshot("authority-second-factor-setup")
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("input[name=token]", _code_for(secret))
    page.get_by_role("button", name="Xác nhận").click()

    codes = page.locator("[data-testid=recovery-codes] li")
    assert codes.count() == 10
    screenshot("authority-recovery-codes")
    page.get_by_role("link", name="Tôi đã lưu các mã").click()
    page.wait_for_url(f"{live_server.url}/")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "authority")
    page.fill("input[name=password]", "matkhau-123")
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/accounts/second-factor/**")
    page.fill("input[name=token]", _code_for(secret, offset=1))  # the next step: not a replay
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url(f"{live_server.url}/")

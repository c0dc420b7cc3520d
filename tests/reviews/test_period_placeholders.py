"""Opening a period on a rule set whose texts still await their official wording: refused,
unless an administrator of the scope confirms it with a written reason, which is audited."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from orgunits import services
from orgunits.roles import Role
from reviews import rulesets
from reviews.exceptions import PlaceholderConfirmationNotAllowed, RuleSetHasPlaceholders
from reviews.models import PlaceholderConfirmation, ReviewPeriod
from reviews.services import periods

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

# The 132 set keeps placeholders (its collective criteria, most manifestations) for good.
WITH_PLACEHOLDERS = "qd132-hd21"
REASON = "Tỉnh đã gửi văn bản hướng dẫn tạm; nhập nguyên văn trước ngày 10/12."


@pytest.fixture
def administrator(tree):
    user = UserFactory(username="district_admin")
    services.grant_role(user=user, unit=tree.district, role=Role.ADMINISTRATOR)
    return user


def _open(tree, **kwargs) -> ReviewPeriod:
    return periods.create_period(
        name="Kiểm điểm năm 2022",
        kind="annual",
        year=2022,
        scope=tree.district,
        opens_on=dt.date(2022, 12, 1),
        ruleset_code=WITH_PLACEHOLDERS,
        **kwargs,
    )


def test_ruleset_placeholders_does_list_each_unfilled_text_in_vietnamese():
    missing = rulesets.get_ruleset(WITH_PLACEHOLDERS).placeholders()

    assert any(line.startswith("Tiêu chí (Tập thể") for line in missing)
    assert any(
        line.startswith("Biểu hiện DD.1 (Suy thoái về đạo đức, lối sống)") for line in missing
    )


def test_create_period_rejects_ruleset_when_it_has_placeholders_and_no_reason(tree, administrator):
    with pytest.raises(RuleSetHasPlaceholders) as raised:
        _open(tree, created_by=administrator, placeholders_confirmed_by=administrator)

    assert "còn" in str(raised.value) and "chưa có nguyên văn" in str(raised.value)
    assert raised.value.missing == rulesets.get_ruleset(WITH_PLACEHOLDERS).placeholders()
    assert not ReviewPeriod.objects.exists()


def test_create_period_rejects_confirmation_when_confirmer_is_not_an_administrator(
    tree, org_officer
):
    with pytest.raises(PlaceholderConfirmationNotAllowed):
        _open(tree, placeholders_reason=REASON, placeholders_confirmed_by=org_officer)

    assert not ReviewPeriod.objects.exists()
    assert not PlaceholderConfirmation.objects.exists()


def test_create_period_does_open_and_audit_when_an_administrator_confirms(tree, administrator):
    period = _open(
        tree,
        created_by=administrator,
        placeholders_reason=f"  {REASON} ",
        placeholders_confirmed_by=administrator,
    )

    ruleset = rulesets.get_ruleset(WITH_PLACEHOLDERS)
    audit = PlaceholderConfirmation.objects.get(period=period)
    assert audit.confirmed_by == administrator
    assert audit.reason == REASON
    assert audit.confirmed_at is not None
    assert (audit.ruleset_code, audit.ruleset_version, audit.ruleset_digest) == (
        ruleset.code,
        ruleset.version,
        ruleset.digest,
    )
    assert audit.placeholders == ruleset.placeholders()


def test_create_period_does_open_without_confirmation_when_nothing_awaits_wording(
    tree, tmp_path: Path, monkeypatch
):
    data = tomllib.loads((Path(settings.BASE_DIR) / "rulesets" / "qd132-hd21.toml").read_text())
    for holder in data["criteria"].values():
        for item in holder["items"]:
            if item.pop("placeholder", False):
                item["title"] = item["title"].strip("[]")
    for group in data["manifestations"]["groups"]:
        group["items"] = [{"text": f"Biểu hiện {i}"} for i in range(1, 10)]
    from tests.reviews.test_rulesets import dump_toml

    path = tmp_path / "qd132-hd21.toml"
    path.write_text(dump_toml(data), encoding="utf-8")
    complete = rulesets.load_ruleset_file(path)
    assert complete.placeholders() == []
    monkeypatch.setattr(periods, "_load", lambda code: complete)

    period = _open(tree)

    assert period.ruleset_digest == complete.digest
    assert not PlaceholderConfirmation.objects.exists()


# -- the page ------------------------------------------------------------------------------------


def _form_data(tree, **extra) -> dict[str, str]:
    return {
        "name": "Kiểm điểm năm 2022",
        "kind": "annual",
        "year": "2022",
        "quarter": "",
        "scope": str(tree.district.pk),
        "opens_on": "2022-12-01",
        "ruleset": WITH_PLACEHOLDERS,
        **extra,
    }


def test_period_create_view_does_refuse_then_open_after_administrator_confirms(
    client, tree, administrator
):
    client.force_login(administrator)
    url = reverse("reviews:period_create")

    refused = client.post(url, _form_data(tree))

    page = refused.content.decode()
    assert refused.status_code == 200
    assert 'data-testid="placeholder-refusal"' in page
    assert 'data-testid="placeholders-reason"' in page
    assert "Biểu hiện DD.1" in page
    assert not ReviewPeriod.objects.exists()

    opened = client.post(url, _form_data(tree, placeholders_reason=REASON))

    period = ReviewPeriod.objects.get()
    assert opened.status_code == 302
    assert opened.url == reverse("reviews:period_detail", kwargs={"pk": period.pk})
    audit = period.placeholder_confirmation
    assert (audit.confirmed_by, audit.reason) == (administrator, REASON)


def test_period_create_view_rejects_confirmation_when_user_is_not_an_administrator(
    client, tree, org_officer
):
    client.force_login(org_officer)
    url = reverse("reviews:period_create")

    refused = client.post(url, _form_data(tree))
    assert 'data-testid="placeholder-refusal"' in refused.content.decode()
    assert 'data-testid="placeholders-reason"' not in refused.content.decode()

    forced = client.post(url, _form_data(tree, placeholders_reason=REASON))

    assert forced.status_code == 200
    assert "Chỉ quản trị viên của đơn vị được xác nhận" in forced.content.decode()
    assert not ReviewPeriod.objects.exists()

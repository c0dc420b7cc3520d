"""The demo seed: a realistic province that can be loaded twice without change."""

from __future__ import annotations

import unicodedata
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Max
from guardian.models import UserObjectPermission

from orgunits.models import Membership, MembershipRole, OrgUnit, PartyStatus, Person, UnitKind

DEMO_USERNAMES = ["dangvien", "bithu", "tochuc", "lanhdao", "quantri"]


def _counts() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "people": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "users": get_user_model().objects.count(),
        "grants": UserObjectPermission.objects.count(),
    }


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    return _seed()


def test_seed_demo_does_nothing_new_when_run_twice(seeded):
    first = _counts()

    _seed()

    assert _counts() == first


def test_seed_demo_does_build_a_realistic_province(seeded):
    assert OrgUnit.objects.count() >= 10
    assert OrgUnit.objects.aggregate(depth=Max("depth"))["depth"] >= 3
    assert Person.objects.count() >= 140
    assert OrgUnit.objects.filter(staff_count__gte=70).exists()
    small_cells = OrgUnit.objects.filter(kind=UnitKind.PARTY_CELL).annotate(n=Count("memberships"))
    assert small_cells.filter(n__gte=3, n__lte=5).exists()
    assert Person.objects.filter(party_status=PartyStatus.EXEMPT).exists()
    assert Person.objects.filter(party_status=PartyStatus.SUSPENDED).count() == 1
    assert Person.objects.filter(is_party_member=False, party_admission_date=None).exists()


def test_seed_demo_does_place_leaders_in_two_units_R_E4(seeded):
    two_sites = Person.objects.annotate(units=Count("memberships__unit", distinct=True)).filter(
        units__gte=2
    )
    assert two_sites.filter(
        memberships__unit__kind=UnitKind.LEADERSHIP_COLLECTIVE,
        memberships__role=MembershipRole.HEAD,
    ).exists()


def test_seed_demo_does_create_the_demo_logins(seeded):
    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
    assert sorted(users) == sorted(DEMO_USERNAMES)
    for username in DEMO_USERNAMES:
        assert username in seeded
        assert users[username].get_full_name()
        assert users[username].check_password("kiemdiem2026")
    assert users["quantri"].is_superuser
    cell = OrgUnit.objects.get(code="SH-KCQ-SNN-VP")
    assert users["bithu"].has_perm("orgunits.run_review", cell)
    assert users["bithu"].person.memberships.get(unit=cell).role == MembershipRole.SECRETARY
    assert users["dangvien"].person.memberships.get(unit=cell).role == (MembershipRole.PARTY_MEMBER)
    assert not users["dangvien"].has_perm("orgunits.run_review", cell)
    assert users["lanhdao"].has_perm("orgunits.decide", OrgUnit.objects.get(code="SH"))


def test_seed_demo_does_store_names_in_nfc(seeded):
    names = [
        *OrgUnit.objects.values_list("name", flat=True),
        *Person.objects.values_list("full_name", flat=True),
        *get_user_model().objects.values_list("first_name", flat=True),
        *get_user_model().objects.values_list("last_name", flat=True),
    ]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)

"""Persona fixtures shared by every test.

The tree: province (Đảng bộ tỉnh) → district committee → two chi bộ; an outsider lives in a
separate root. Each persona is a user whose role applies to a subtree.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from orgunits import services
from orgunits.models import MembershipRole, OrgUnit, UnitKind
from orgunits.roles import Role
from reviews.models import CentralCadre, Report
from reviews.services import circulation, enrolment, periods, reports

from .factories import MembershipFactory, OrgUnitFactory, PersonFactory, UserFactory

# Property tests judge the code, not the machine: on a loaded CI machine drawing inputs can be
# slow, and a time deadline would fail a correct run. Tests may still set their own settings.
hypothesis_settings.register_profile(
    "project", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("project")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, and the replica alias pointed at its copy on the replica server.

    The alias is a test mirror (config/settings/test.py), so Django made no database for it
    and aimed it at the primary; the primary's test database reaches the replica by streaming
    replication under the same name."""
    from django.conf import settings
    from django.db import connections

    if "replica" in settings.DATABASES and "replica" in connections:
        replica = connections["replica"]
        replica.close()
        replica.settings_dict = {
            **settings.DATABASES["replica"],
            "NAME": connections["default"].settings_dict["NAME"],
        }


# Playwright runs an event loop in the test thread; Django's DB setup must still be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class Tree:
    province: OrgUnit
    district: OrgUnit
    cell_a: OrgUnit
    cell_b: OrgUnit
    elsewhere: OrgUnit


@pytest.fixture
def tree(db) -> Tree:
    province = OrgUnitFactory(
        code="T01", name="Đảng bộ tỉnh Sông Hồng", kind=UnitKind.PARTY_COMMITTEE
    )
    district = OrgUnitFactory(
        code="T01-H01",
        name="Đảng bộ xã Yên Lạc",
        kind=UnitKind.GRASSROOTS_COMMITTEE,
        parent=province,
    )
    cell_a = OrgUnitFactory(code="T01-H01-A", name="Chi bộ thôn Đông", parent=district)
    cell_b = OrgUnitFactory(code="T01-H01-B", name="Chi bộ thôn Tây", parent=district)
    elsewhere = OrgUnitFactory(code="T99", name="Đảng bộ tỉnh khác", kind=UnitKind.PARTY_COMMITTEE)
    return Tree(province, district, cell_a, cell_b, elsewhere)


def _person_user(username: str, unit: OrgUnit, role=MembershipRole.PARTY_MEMBER):
    user = UserFactory(username=username)
    person = PersonFactory(user=user)
    MembershipFactory(person=person, unit=unit, role=role)
    return user


@pytest.fixture
def member(tree):
    """A party member of chi bộ A with no role: sees only themselves."""
    return _person_user("member", tree.cell_a)


@pytest.fixture
def secretary(tree):
    """Secretary of chi bộ A: runs that unit's review."""
    user = _person_user("secretary", tree.cell_a, MembershipRole.SECRETARY)
    services.grant_role(user=user, unit=tree.cell_a, role=Role.SECRETARY)
    return user


@pytest.fixture
def org_officer(tree):
    """Organisation officer of the district committee: appraises its subtree."""
    user = UserFactory(username="org_officer")
    services.grant_role(user=user, unit=tree.district, role=Role.ORG_OFFICER)
    return user


@pytest.fixture
def authority(tree):
    """The competent authority of the province: decides for its subtree."""
    user = UserFactory(username="authority")
    services.grant_role(user=user, unit=tree.province, role=Role.AUTHORITY)
    return user


@pytest.fixture
def admin_user(tree):
    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    return user


@pytest.fixture
def outsider(tree):
    """An organisation officer of another province: none of the tree above is theirs."""
    user = _person_user("outsider", tree.elsewhere)
    services.grant_role(user=user, unit=tree.elsewhere, role=Role.ORG_OFFICER)
    return user


# -- A review period in progress on the persona tree ------------------------------------------


@pytest.fixture
def period(tree, org_officer):
    return periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm năm 2026",
        kind="annual",
        year=2026,
        scope=tree.province,
        opens_on=dt.date(2026, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=org_officer,
    )


@pytest.fixture
def leadership(tree):
    """The leadership collective of an agency in the district (state side). Two deputies who
    are not party members make it, with the head a test adds, big enough to hold its own
    review under QĐ 366 (HD 43 §7.4: fewer than 3 members review within their chi bộ)."""
    unit = OrgUnitFactory(
        code="T01-H01-LD",
        name="Tập thể lãnh đạo Ủy ban xã",
        kind=UnitKind.LEADERSHIP_COLLECTIVE,
        parent=tree.district,
    )
    for _ in range(2):
        MembershipFactory(
            person=PersonFactory(is_party_member=False, party_admission_date=None),
            unit=unit,
            role=MembershipRole.DEPUTY_HEAD,
        )
    return unit


@pytest.fixture
def enrolled(period, member, secretary, leadership):
    """Enrolment after the member also became a leader at the leadership collective."""
    MembershipFactory(person=member.person, unit=leadership, role=MembershipRole.HEAD)
    enrolment.enrol_period(period=period)
    return period


@pytest.fixture
def member_report(enrolled, member, tree) -> Report:
    """The member's report at their chi bộ."""
    return Report.objects.select_related("subject__period", "subject__unit").get(
        subject__period=enrolled, subject__person=member.person, subject__unit=tree.cell_a
    )


# -- Quarterly self-assessments of a central cadre (Mẫu 05) -----------------------------------


def quarter_period(scope, officer, quarter: int, year: int = 2026):
    return periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name=f"Tự đánh giá quý {quarter} năm {year}",
        kind="quarterly",
        quarter=quarter,
        year=year,
        scope=scope,
        opens_on=dt.date(year, quarter * 3, 1),
        ruleset_code="qd366-hd43",
        created_by=officer,
    )


@pytest.fixture
def cadre(member, tree, leadership):
    """The member, also head of a leadership collective, managed by the Central Committee."""
    MembershipFactory(person=member.person, unit=leadership, role=MembershipRole.HEAD)
    CentralCadre.objects.create(person=member.person, basis="Quyết định phân cấp quản lý cán bộ")
    return member


@pytest.fixture
def quarter_periods(tree, org_officer, cadre, secretary):
    found = {}
    for q in (1, 2, 3):
        found[q] = quarter_period(tree.province, org_officer, q)
        enrolment.enrol_period(period=found[q])
    return found


@pytest.fixture
def circulated_report(member_report, member, secretary, tree) -> Report:
    """The member's started draft, circulated to chi bộ A before its meeting on 15/12."""
    reports.save_report_draft(
        report_id=member_report.pk,
        user=member,
        base_version=0,
        changes={"sections": {"x": "Dự thảo"}},
    )
    circulation.circulate_drafts(
        period=member_report.subject.period,
        unit=tree.cell_a,
        meeting_on=dt.date(2026, 12, 15),
        user=secretary,
        today=dt.date(2026, 12, 7),
    )
    member_report.refresh_from_db()
    return member_report

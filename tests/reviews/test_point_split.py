"""A province's split of the 30 and 70 points between criteria groups, edited in the app: each
save is a new version of a local rule set over the central one, validated, audited, used by
periods opened afterwards and not by a period already open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from orgunits import services
from orgunits.roles import Role
from reviews import rulesets, selectors
from reviews.exceptions import (
    PointSplitDoesNotAdd,
    PointSplitIncomplete,
    PointSplitNotAllowed,
    PointSplitReasonRequired,
)
from reviews.models import LocalRuleSet, StoredRuleSet
from reviews.services import periods, point_split

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

DECISION = "Hướng dẫn số 05-HD/BTCTU ngày 20/11/2026 của Ban Tổ chức Tỉnh ủy"
REASON = "Tỉnh ủy chia lại điểm nhóm tiêu chí chung cho cán bộ lãnh đạo."
# Leaders (Phụ lục 3): 8 + 8 + 5 + 5 + 4 = 30 and 35 + 20 + 15 = 70.
LEADER_SPLIT = {
    "L_CT": 8,
    "L_DD": 8,
    "L_NL": 5,
    "L_UT": 5,
    "L_TPB": 4,
    "L_CTNV": 35,
    "L_LDQL": 20,
    "L_XLTT": 15,
}


@pytest.fixture
def province_admin(tree):
    user = UserFactory(username="province_admin")
    services.grant_role(user=user, unit=tree.province, role=Role.ADMINISTRATOR)
    return user


def maxima(ruleset=None, **changes) -> dict[str, dict[str, Decimal]]:
    """Every group's maximum in `ruleset` (default: the base), with `changes[class]` applied."""
    ruleset = ruleset or point_split.split_base()
    found = {cls: {c.code: c.max_points for c in items} for cls, items in ruleset.criteria.items()}
    for cls, groups in changes.items():
        found[cls].update({code: Decimal(value) for code, value in groups.items()})
    return found


def leader_maxima(ruleset) -> dict[str, Decimal]:
    return {c.code: c.max_points for c in ruleset.criteria_for_class("leader")}


def save(tree, user, split=None, reason=REASON):
    return point_split.save_point_split(
        province=tree.province,
        maxima=split or maxima(leader=LEADER_SPLIT),
        decision=DECISION,
        reason=reason,
        user=user,
    )


def open_period(tree, user, year=2026):
    return periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name=f"Kiểm điểm năm {year}",
        kind="annual",
        year=year,
        scope=tree.district,
        opens_on=dt.date(year, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=user,
    )


def test_save_point_split_does_create_a_version_that_the_loader_reads_like_a_file(
    tree, province_admin
):
    row = save(tree, province_admin)

    loaded = rulesets.get_ruleset(row.code)
    assert (row.version, loaded.version) == (1, 1)
    assert loaded.extends == "qd366-hd43"
    assert leader_maxima(loaded) == {k: Decimal(v) for k, v in LEADER_SPLIT.items()}
    # Only the maxima change: titles and sub-criteria come from the central rule set.
    base = rulesets.get_ruleset("qd366-hd43")
    assert [c.title for c in loaded.criteria_for_class("leader")] == [
        c.title for c in base.criteria_for_class("leader")
    ]
    assert loaded.overrides and all(".max_points" in key for key in loaded.overrides)
    assert DECISION in loaded.legal_basis


def test_save_point_split_does_number_each_save_as_the_next_version(tree, province_admin):
    first = save(tree, province_admin)
    second = save(tree, province_admin, maxima(leader={**LEADER_SPLIT, "L_CT": 6, "L_DD": 10}))

    assert (first.code, first.version) == (second.code, 1) and second.version == 2
    assert rulesets.get_ruleset(first.code).version == 2
    assert rulesets.stored_ruleset(first.code, 1).criteria_for_class("leader")[0].max_points == 8


def test_save_point_split_does_audit_who_when_and_why(tree, province_admin):
    row = save(tree, province_admin)

    stored = StoredRuleSet.objects.get(pk=row.pk)
    assert stored.created_by == province_admin
    assert stored.created_at is not None
    assert (stored.reason, stored.decision) == (REASON, DECISION)
    assert stored.unit == tree.province


def test_save_point_split_rejects_general_groups_when_they_do_not_sum_to_30(tree, province_admin):
    with pytest.raises(PointSplitDoesNotAdd) as raised:
        save(tree, province_admin, maxima(leader={"L_CT": 10}))

    assert str(raised.value) == (
        "«Cá nhân giữ chức vụ lãnh đạo, quản lý các cấp»: các nhóm tiêu chí chung cộng lại "
        "34 điểm, phải đúng 30 điểm."
    )
    assert not StoredRuleSet.objects.exists()


def test_save_point_split_rejects_task_groups_when_they_do_not_sum_to_70(tree, province_admin):
    with pytest.raises(PointSplitDoesNotAdd) as raised:
        save(tree, province_admin, maxima(collective={"T_KHOI": "45.5"}))

    assert "các nhóm tiêu chí về kết quả cộng lại 65,5 điểm, phải đúng 70 điểm" in str(raised.value)


def test_save_point_split_rejects_a_group_when_its_maximum_is_missing(tree, province_admin):
    split = maxima(leader=LEADER_SPLIT)
    del split["leader"]["L_UT"]

    with pytest.raises(PointSplitIncomplete):
        save(tree, province_admin, split)


def test_save_point_split_rejects_the_change_when_no_reason_is_given(tree, province_admin):
    with pytest.raises(PointSplitReasonRequired):
        save(tree, province_admin, reason="  ")


@pytest.mark.parametrize("who", ["district_admin", "authority"])
def test_save_point_split_rejects_users_when_they_do_not_administer_the_province(
    tree, authority, who
):
    user = authority
    if who == "district_admin":
        user = UserFactory(username="district_admin")
        services.grant_role(user=user, unit=tree.district, role=Role.ADMINISTRATOR)

    with pytest.raises(PointSplitNotAllowed):
        save(tree, user)


def test_a_new_period_does_use_the_province_split_and_an_open_period_keeps_its_snapshot(
    tree, province_admin, org_officer
):
    save(tree, province_admin)
    open_before = open_period(tree, org_officer, year=2026)
    second = save(tree, province_admin, maxima(leader={**LEADER_SPLIT, "L_CT": 6, "L_DD": 10}))
    opened_after = open_period(tree, org_officer, year=2027)

    kept = selectors.ruleset_for_unit(open_before, tree.cell_a)
    used = selectors.ruleset_for_unit(opened_after, tree.cell_a)
    assert (kept.version, leader_maxima(kept)["L_CT"]) == (1, 8)
    assert (used.version, leader_maxima(used)["L_CT"]) == (second.version, 6)
    assert leader_maxima(used)["L_DD"] == 10
    # The period itself still names the central rule set; the split is its province's variant.
    assert opened_after.ruleset_code == "qd366-hd43"
    assert LocalRuleSet.objects.get(period=opened_after).unit == tree.province


def test_a_new_period_of_another_province_does_not_use_this_province_split(
    tree, province_admin, outsider
):
    save(tree, province_admin)
    period = periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm năm 2026 (tỉnh khác)",
        kind="annual",
        year=2026,
        scope=tree.elsewhere,
        opens_on=dt.date(2026, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=outsider,
    )

    assert selectors.ruleset_for_unit(period, tree.elsewhere).code == "qd366-hd43"
    assert leader_maxima(selectors.ruleset_for_unit(period, tree.elsewhere))["L_CT"] == 6


def test_point_split_page_does_show_each_class_with_its_groups_and_maxima(
    client, tree, province_admin
):
    client.force_login(province_admin)

    response = client.get(reverse("reviews:point_split_edit", args=[tree.province.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    for name in (
        "Tập thể (cấp ủy, tổ chức đảng, tập thể lãnh đạo, quản lý)",
        "Cán bộ thuộc diện Trung ương quản lý",
        "Cá nhân giữ chức vụ lãnh đạo, quản lý các cấp",
        "Cá nhân không giữ chức vụ lãnh đạo, quản lý",
        "Đảng viên không công tác trong hệ thống chính trị",
    ):
        assert name in page
    assert 'name="max__leader__L_CT"' in page
    assert "không do Trung ương quy định" in page  # where the split comes from


def test_point_split_page_does_show_the_sum_error_in_vietnamese(client, tree, province_admin):
    client.force_login(province_admin)
    data = {
        point_split_field(cls, code): str(value)
        for cls, groups in maxima(non_leader={"K_CT": 20}).items()
        for code, value in groups.items()
    }

    response = client.post(
        reverse("reviews:point_split_edit", args=[tree.province.pk]),
        {**data, "decision": DECISION, "reason": REASON},
    )

    assert response.status_code == 200
    assert "các nhóm tiêu chí chung cộng lại 35 điểm, phải đúng 30 điểm" in (
        response.content.decode()
    )
    assert not StoredRuleSet.objects.exists()


def test_point_split_page_answers_404_for_a_unit_below_the_province(client, tree):
    user = UserFactory(username="district_admin")
    services.grant_role(user=user, unit=tree.district, role=Role.ADMINISTRATOR)
    client.force_login(user)

    response = client.get(reverse("reviews:point_split_edit", args=[tree.district.pk]))

    assert response.status_code == 404


def point_split_field(cls: str, code: str) -> str:
    return f"max__{cls}__{code}"

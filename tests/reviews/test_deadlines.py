"""Fixed dates of the season (HD 43 §4): rule-set data, the unit schedule, the period page and
the reminders' deadline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from reviews import rulesets, selectors
from reviews.reminders import self_report_due
from reviews.rulesets import RuleSetError, build_ruleset
from reviews.services.periods import create_period

from ..factories import OrgUnitFactory
from .test_rulesets import shipped_data


def _period(tree, opens_on, *, year=2026, code=None):
    return create_period(
        name=f"Kiểm điểm năm {year}",
        kind="annual",
        year=year,
        scope=tree.province,
        opens_on=opens_on,
        ruleset_code=code,
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
    )


def _special_unit(tree, **fields):
    unit = OrgUnitFactory(code="T01-DB", name="Đảng ủy Quân sự tỉnh", parent=tree.province)
    for name, value in {"has_special_calendar": True, **fields}.items():
        setattr(unit, name, value)
    unit.save()
    return unit


def test_qd366_does_set_the_hd43_deadlines_of_the_season():
    ruleset = rulesets.get_ruleset("qd366-hd43")
    dates = {d.code: d.date_for(2026) for d in ruleset.calendar_deadlines}
    assert dates == {
        "finish": dt.date(2026, 12, 31),
        "special_finish": dt.date(2027, 1, 15),
        "records": dt.date(2027, 2, 1),
    }
    assert rulesets.get_ruleset("qd124-hd25").calendar_deadlines == ()


@pytest.mark.parametrize("day", ["02-29", "12-32", "31-12", "1-15"])
def test_ruleset_rejects_deadline_day_when_not_a_day_of_every_year(day):
    data = shipped_data()
    data["calendar"]["deadlines"]["finish"]["day"] = day
    with pytest.raises(RuleSetError, match=r"calendar\.deadlines\.finish\.day"):
        build_ruleset(data, source=Path("test"), file="test.toml")


def test_ruleset_rejects_deadline_when_code_is_unknown():
    data = shipped_data()
    data["calendar"]["deadlines"]["meeting"] = {"name": "Họp", "day": "12-15"}
    with pytest.raises(RuleSetError, match=r"calendar\.deadlines\.meeting"):
        build_ruleset(data, source=Path("test"), file="test.toml")


def test_unit_schedule_does_stop_at_the_finish_deadline_and_later_for_a_special_calendar(tree):
    period = _period(tree, dt.date(2026, 12, 1))
    special = _special_unit(tree, kind=tree.province.kind)
    regular = dict((c, d) for c, _l, d, _o in selectors.unit_schedule(period, tree.province))
    late = dict((c, d) for c, _l, d, _o in selectors.unit_schedule(period, special))
    # The upper tier counts 38 working days from 01/12: into January.
    assert regular["announcement"] == dt.date(2026, 12, 31)
    assert late["announcement"] > dt.date(2026, 12, 31)
    assert late["announcement"] <= dt.date(2027, 1, 15)
    assert [c for c, _n, _d in selectors.unit_deadlines(period, special)] == [
        "special_finish",
        "records",
    ]


def test_self_report_due_does_give_the_special_calendar_unit_its_later_date(tree):
    # Opened on 29/12: three working days later is 04/01/2027 (New Year's Day in between).
    period = _period(tree, dt.date(2026, 12, 29))
    tree.cell_b.has_special_calendar = True
    tree.cell_b.save(update_fields=["has_special_calendar"])
    due = self_report_due(period, [tree.cell_a.pk, tree.cell_b.pk])
    assert due == {tree.cell_a.pk: dt.date(2026, 12, 31), tree.cell_b.pk: dt.date(2027, 1, 4)}


def test_period_page_does_show_the_deadlines_and_the_tiers_that_run_late(client, tree, org_officer):
    period = _period(tree, dt.date(2026, 12, 1))
    _special_unit(tree)
    client.force_login(org_officer)
    page = client.get(reverse("reviews:period_detail", args=[period.pk])).content.decode()
    assert "Hoàn thành kiểm điểm, đánh giá, xếp loại chất lượng trước ngày" in page
    assert "31/12/2026" in page
    assert "15/01/2027" in page
    assert "Hoàn thiện hồ sơ (Mẫu 04 – Danh mục hồ sơ) gửi cấp trên chậm nhất ngày" in page
    assert "01/02/2027" in page
    assert "Có 1 đơn vị trong kỳ có lịch công tác đặc thù" in page
    assert 'data-testid="deadline-late-tier"' in page
    assert "Cấp ủy cấp trên cơ sở: tính theo ngày làm việc thì ngày" in page


def test_period_page_does_show_no_deadlines_under_qd124(client, tree, org_officer):
    period = _period(tree, dt.date(2024, 12, 2), year=2024)
    client.force_login(org_officer)
    page = client.get(reverse("reviews:period_detail", args=[period.pk])).content.decode()
    assert 'data-testid="period-deadlines"' not in page

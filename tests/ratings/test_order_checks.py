"""The appraisal check of the review order (Art. 12(2) QĐ 366, R-L3), read from the meetings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ratings.models import AgendaItem, Rating
from ratings.services import appraisal, meetings
from ratings.services.order_checks import order_checks
from reviews.models import Subject


def _meeting_on(period, unit, chair, day: int):
    return meetings.create_meeting(
        period=period,
        unit=unit,
        chair=chair,
        starts_on=dt.date(2026, 12, day),
        ends_on=dt.date(2026, 12, day),
        duration_days=Decimal("1.0"),
    )


def _checks(period) -> dict[Subject, list]:
    subjects = list(Subject.objects.filter(period=period).select_related("person", "unit"))
    found = order_checks(period, subjects)
    return {s: found.get(s.pk, []) for s in subjects}


def _of(checks, *, unit, person=None):
    return next(c for s, c in checks.items() if s.unit == unit and s.person == person)


def test_order_checks_does_flag_party_organisation_when_rated_before_its_sub_organisations(
    enrolled, tree, secretary, leadership
):
    _meeting_on(enrolled, tree.cell_a, secretary, 8)
    _meeting_on(enrolled, leadership, secretary, 9)
    _meeting_on(enrolled, tree.district, secretary, 7)  # the party organisation went first
    checks = _checks(enrolled)
    [district] = _of(checks, unit=tree.district)
    assert district.ok is False and district.cap == ""
    assert "được kiểm điểm trước" in district.message
    assert "tập thể Chi bộ thôn Đông" in district.message
    assert "tập thể Tập thể lãnh đạo Ủy ban xã" in district.message
    # The chi bộ came after its members, as QĐ 366 orders it.
    [cell] = _of(checks, unit=tree.cell_a)
    assert cell.ok is True and cell.message == "Thứ tự đánh giá đúng quy định."
    assert not any("R-L" in c.message for found in checks.values() for c in found)


def test_order_checks_does_flag_member_when_rated_before_the_leadership_collective(
    enrolled, leadership, secretary, member
):
    meeting = _meeting_on(enrolled, leadership, secretary, 9)
    collective, head, *_deputies = meeting.agenda.order_by("position")
    assert collective.subject.person is None and head.subject.person == member.person
    # The meeting took the head first (an agenda kept from before the rule was enforced).
    AgendaItem.objects.filter(pk=collective.pk).update(position=99)
    AgendaItem.objects.filter(pk=head.pk).update(position=1)
    AgendaItem.objects.filter(pk=collective.pk).update(position=2)
    checks = _checks(enrolled)
    [flag] = _of(checks, unit=leadership, person=member.person)
    assert flag.ok is False
    assert flag.message.startswith("Thứ tự đánh giá chưa đúng: được kiểm điểm trước tập thể ")
    assert _of(checks, unit=leadership) == []


def test_order_checks_does_not_flag_meetings_when_held_on_the_same_day(enrolled, tree, secretary):
    _meeting_on(enrolled, tree.cell_a, secretary, 8)
    _meeting_on(enrolled, tree.district, secretary, 8)
    assert _of(_checks(enrolled), unit=tree.district) == []


def test_appraise_does_record_the_order_check(enrolled, tree, secretary, org_officer):
    _meeting_on(enrolled, tree.cell_a, secretary, 8)
    _meeting_on(enrolled, tree.district, secretary, 7)
    appraisal.appraise(period=enrolled, unit=tree.province, user=org_officer)
    rating = Rating.objects.get(subject__unit=tree.district, subject__person=None)
    order = [c for c in rating.checks if c["code"] == "order"]
    assert [c["ok"] for c in order] == [False]
    assert rating.proposed_level == Rating.objects.get(pk=rating.pk).level  # no cap from it

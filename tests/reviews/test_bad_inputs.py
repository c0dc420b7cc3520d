"""Bad input to the report editor and the period pages: a 400 or a Vietnamese message, never a
500, and nothing written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from reviews import exceptions
from reviews.models import Circulation, Report, ScheduleOverride
from reviews.services import circulation, periods


def _snapshot(report: Report) -> tuple:
    report.refresh_from_db()
    return (report.version, report.sections, report.scores, report.checklist, report.answers)


@pytest.mark.parametrize("version", ["abc", "", "1.5", "9" * 5000, "1e400", "\x00"])
def test_report_edit_rejects_a_malformed_version_with_a_message(
    client, member, member_report, version
):
    client.force_login(member)
    before = _snapshot(member_report)
    url = reverse("reviews:report_edit", args=[member_report.pk])
    response = client.post(url, {"version": version, "sections:a": "x"})
    assert response.status_code == 400
    assert "không đúng dạng" in response.text
    assert _snapshot(member_report) == before


AUTOSAVE_BODIES = {
    "version as infinity": b'{"base_version": 1e400, "changes": {}}',
    "version as a huge number": b'{"base_version": ' + b"9" * 5000 + b', "changes": {}}',
    "a list of changes": b'{"base_version": 0, "changes": [1, 2]}',
    "sections as a string": b'{"base_version": 0, "changes": {"sections": "abc"}}',
    "sections as a list": b'{"base_version": 0, "changes": {"sections": ["a", "b"]}}',
    "a section as an object": b'{"base_version": 0, "changes": {"sections": {"a": {"b": 1}}}}',
    "scores as a list": b'{"base_version": 0, "changes": {"scores": [1]}}',
    "a checklist item as a string": b'{"base_version": 0, "changes": {"checklist": {"a": "x"}}}',
    "a checklist note as a list": (
        b'{"base_version": 0, "changes": {"checklist": {"a": {"note": [1]}}}}'
    ),
    "a remediation item as a list": b'{"base_version": 0, "changes": {"remediation": {"1": []}}}',
    "a self level as a list": b'{"base_version": 0, "changes": {"self_level": ["HT"]}}',
    "a self level as a number": b'{"base_version": 0, "changes": {"self_level": 5}}',
    "deep nesting": b'{"base_version": 0, "changes": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "a NUL byte in a section": b'{"base_version": 0, "changes": {"sections": {"a": "x\\u0000"}}}',
    "not UTF-8": b'{"base_version": 0, "changes": {"sections": {"a": "\xff\xfe"}}}',
    "not an object": b"[1, 2, 3]",
}


@pytest.mark.parametrize("name", sorted(AUTOSAVE_BODIES))
def test_report_autosave_rejects_a_body_of_the_wrong_shape(client, member, member_report, name):
    client.force_login(member)
    before = _snapshot(member_report)
    response = client.post(
        reverse("reviews:report_autosave", args=[member_report.pk]),
        AUTOSAVE_BODIES[name],
        content_type="application/json",
    )
    assert response.status_code == 400, name
    assert json.loads(response.content)["error"]
    assert _snapshot(member_report) == before


FAR_DAYS = [dt.date(9999, 12, 31), dt.date(1, 1, 1), dt.date(2024, 12, 31), dt.date(2028, 1, 1)]


@pytest.mark.parametrize("day", FAR_DAYS)
def test_circulate_drafts_rejects_a_meeting_day_when_outside_the_period_window(
    member_report, secretary, tree, day
):
    period = member_report.subject.period
    with pytest.raises(exceptions.DateOutsidePeriod):
        circulation.circulate_drafts(
            period=period, unit=tree.cell_a, meeting_on=day, user=secretary
        )
    assert not Circulation.objects.exists()


@pytest.mark.parametrize("day", FAR_DAYS)
def test_set_schedule_override_rejects_a_day_when_outside_the_period_window(
    member_report, tree, day
):
    period = member_report.subject.period
    with pytest.raises(exceptions.DateOutsidePeriod):
        periods.set_schedule_override(
            period=period, unit=tree.cell_a, milestone="meeting_start", day=day
        )
    assert not ScheduleOverride.objects.exists()


def test_period_circulate_does_show_a_vietnamese_message_for_a_far_date(
    client, secretary, member_report, tree
):
    period = member_report.subject.period
    client.force_login(secretary)
    response = client.post(
        reverse("reviews:period_circulate", args=[period.pk, tree.cell_a.pk]),
        {"meeting_on": "9999-12-31"},
    )
    assert response.status_code == 302
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "01/01/2025" in shown and "31/12/2027" in shown
    assert not Circulation.objects.exists()

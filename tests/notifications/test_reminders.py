"""Deadline reminders (reviews/reminders.py, reviews/tasks.py), tasks run eagerly.

The persona tree: the member is enrolled at chi bộ A and, as its head, at the leadership
collective; both are due on Friday 4 December 2026 (see conftest). The secretary runs chi bộ A,
the organisation officer appraises the district.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from notifications.models import EmailDigest, Notification
from orgunits.models import OrgUnit
from reviews import reminders, selectors
from reviews.models import Milestone, Report, ReportStatus, ScheduleOverride
from reviews.reminders import ReminderKind
from reviews.tasks import remind_batch, send_deadline_reminders

from .days import (
    DUE,
    ONE_BEFORE,
    ONE_LATE,
    SATURDAY,
    THREE_BEFORE,
    THREE_LATE,
    TWO_BEFORE,
    TWO_LATE,
)

pytestmark = pytest.mark.django_db


def run(day: dt.date, **kwargs) -> int:
    """The daily job, as beat starts it (eager here); returns the number of batches."""
    return send_deadline_reminders.apply_async(args=[day.isoformat()], kwargs=kwargs).get()


def kinds_of(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_self_report_due_matches_the_unit_schedule_with_overrides(enrolled, tree, leadership):
    ScheduleOverride.objects.create(
        period=enrolled,
        unit=tree.cell_b,
        milestone=Milestone.SELF_REPORT_DUE,
        day=dt.date(2026, 12, 10),
    )
    units = list(OrgUnit.objects.all())
    due = reminders.self_report_due(enrolled, [u.pk for u in units])
    for unit in units:
        schedule = {code: day for code, _, day, _ in selectors.unit_schedule(enrolled, unit)}
        assert due[unit.pk] == schedule[Milestone.SELF_REPORT_DUE], unit
    assert due[tree.cell_a.pk] == DUE
    assert due[tree.cell_b.pk] == dt.date(2026, 12, 10)


def test_remind_does_nothing_three_working_days_before_the_deadline(enrolled, with_emails):
    assert run(THREE_BEFORE) == 0
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("day", [TWO_BEFORE, ONE_BEFORE, DUE])
def test_remind_does_remind_the_author_before_the_deadline(day, enrolled, member, with_emails):
    run(day)
    notes = Notification.objects.filter(recipient=member).order_by("item_key")
    reports = Report.objects.filter(subject__person=member.person).order_by("pk")
    assert [n.item_key for n in notes] == sorted(f"report:{r.pk}:self_report_due" for r in reports)
    assert {n.kind for n in notes} == {ReminderKind.DUE_SOON}
    note = notes[0]
    assert "04/12/2026" in note.title
    # Stored in Vietnamese, the official language, with a link to the editor.
    assert "Hạn" in note.title or "hạn" in note.title
    assert note.url.startswith("/reports/") and note.url.endswith("/edit/")


def test_remind_does_not_remind_an_author_who_has_submitted(enrolled, member, with_emails):
    Report.objects.filter(subject__person=member.person).update(status=ReportStatus.SUBMITTED)
    run(ONE_BEFORE)
    assert not Notification.objects.filter(recipient=member).exists()


def test_remind_does_remind_again_on_a_returned_report(enrolled, member, with_emails):
    Report.objects.filter(subject__person=member.person).update(status=ReportStatus.RETURNED)
    run(ONE_BEFORE)
    assert Notification.objects.filter(recipient=member).count() == 2


def test_remind_does_nothing_on_a_non_working_day(enrolled, with_emails):
    assert run(SATURDAY) == 0
    assert Notification.objects.count() == 0


def test_remind_does_escalate_to_the_secretary_once_overdue(
    enrolled, member, secretary, org_officer, tree, with_emails
):
    run(ONE_LATE)
    assert kinds_of(member) == []  # the author was told before; now the secretary is
    note = Notification.objects.get(recipient=secretary)
    assert note.kind == ReminderKind.OVERDUE_UNIT
    assert note.item_key == f"period:{enrolled.pk}:unit:{tree.cell_a.pk}:self_report_due"
    assert tree.cell_a.name in note.title
    open_at_a = Report.objects.filter(subject__period=enrolled, subject__unit=tree.cell_a).count()
    assert f"{open_at_a} " in note.body
    assert note.url == reverse(
        "reviews:period_progress", kwargs={"pk": enrolled.pk, "unit_pk": tree.cell_a.pk}
    )
    assert kinds_of(org_officer) == []  # not yet: only one working day late

    run(TWO_LATE)
    assert kinds_of(org_officer) == []


def test_remind_does_escalate_to_the_officer_after_two_working_days(
    enrolled, secretary, org_officer, tree, leadership, with_emails
):
    run(THREE_LATE)
    note = Notification.objects.get(recipient=org_officer)
    assert note.kind == ReminderKind.OVERDUE_ESCALATED
    # One notification for the officer's whole district, listing the late units.
    assert note.item_key == f"period:{enrolled.pk}:unit:{tree.district.pk}:self_report_due"
    assert tree.cell_a.name in note.body and leadership.name in note.body
    assert kinds_of(secretary) == [ReminderKind.OVERDUE_UNIT]


def test_remind_does_nothing_new_when_the_job_runs_twice(
    enrolled, member, secretary, org_officer, with_emails
):
    run(THREE_LATE)
    run(ONE_BEFORE)
    notes, digests, mails = (
        Notification.objects.count(),
        EmailDigest.objects.count(),
        len(mail.outbox),
    )
    assert notes and digests == mails
    run(THREE_LATE)
    run(ONE_BEFORE)
    assert (Notification.objects.count(), EmailDigest.objects.count()) == (notes, digests)
    assert len(mail.outbox) == mails


def test_remind_batch_does_nothing_new_when_delivered_twice(enrolled, member, with_emails):
    args = [ONE_BEFORE.isoformat(), [member.pk], None]
    assert remind_batch.apply_async(args=args).get() == 2
    assert remind_batch.apply_async(args=args).get() == 0
    assert Notification.objects.filter(recipient=member).count() == 2
    assert len(mail.outbox) == 1


def test_digest_does_send_one_vietnamese_email_per_recipient_per_day(
    enrolled, member, secretary, with_emails
):
    with translation.override("en"):  # whatever the caller's language, the e-mail is Vietnamese
        run(ONE_BEFORE)
    to_member = [m for m in mail.outbox if m.to == [member.email]]
    assert len(to_member) == 1
    message = to_member[0]
    # Both of the member's reports (chi bộ and leadership collective) in one e-mail.
    for note in Notification.objects.filter(recipient=member):
        assert note.title in message.body
        assert f"http://127.0.0.1:8000{note.url}" in message.body
    assert "03/12/2026" in message.subject
    assert "nhắc việc" in message.subject.lower()
    assert "Kính gửi" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'lang="vi"' in html
    assert EmailDigest.objects.get(recipient=member).notification_count == 2
    # The secretary, also a member of chi bộ A, gets their own single digest.
    assert len([m for m in mail.outbox if m.to == [secretary.email]]) == 1


def test_digest_does_not_go_to_a_user_without_an_address(enrolled, member):
    run(ONE_BEFORE)
    assert Notification.objects.filter(recipient=member).count() == 2
    assert mail.outbox == []
    assert not EmailDigest.objects.exists()


def test_remind_does_fan_out_in_batches_owning_their_recipients(
    enrolled, member, secretary, org_officer, with_emails
):
    recipients = reminders.recipients_for_day(day=THREE_LATE)
    assert {secretary.pk, org_officer.pk} <= set(recipients)
    assert run(THREE_LATE, batch_size=1) == len(recipients)
    batched = set(Notification.objects.values_list("recipient", "item_key", "kind"))
    assert (
        len(mail.outbox)
        == EmailDigest.objects.count()
        == len({r for r, _, _ in batched if r in {member.pk, secretary.pk, org_officer.pk}})
    )
    Notification.objects.all().delete()
    EmailDigest.objects.all().delete()
    assert run(THREE_LATE) == 1  # one batch of ≤ 500 recipients
    assert set(Notification.objects.values_list("recipient", "item_key", "kind")) == batched


def test_remind_batches_are_cut_at_the_batch_size():
    assert reminders.batches(list(range(1201)), 500) == [
        list(range(0, 500)),
        list(range(500, 1000)),
        list(range(1000, 1201)),
    ]


def test_recipients_does_include_group_grants(enrolled, tree, with_emails):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from tests.factories import UserFactory

    group = Group.objects.create(name="Văn phòng huyện ủy")
    officer = UserFactory(username="group_officer")
    officer.groups.add(group)
    assign_perm("orgunits.appraise", group, tree.district)
    assert officer.pk in reminders.recipients_for_day(day=THREE_LATE)
    run(THREE_LATE)
    assert kinds_of(officer) == [ReminderKind.OVERDUE_ESCALATED]

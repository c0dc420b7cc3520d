"""notifications.services: delivery once, one digest a day, and the outbox (no Celery worker;
the broker-down case uses a real, closed port)."""

from __future__ import annotations

import datetime as dt
import importlib
import socket
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django_celery_beat.models import PeriodicTask

from notifications import services
from notifications.models import EmailDigest, Notification, OutboxMessage
from notifications.services import NotificationDraft
from reviews.tasks import remind_batch

from .conftest import celery_broker
from .days import ONE_BEFORE

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 3)


def _note(user, key="report:1:self_report_due", kind="due_soon", day=DAY):
    return services.notify(
        recipient_id=user.pk, kind=kind, item_key=key, day=day, title="Nhắc việc", url="/x/"
    )


def test_notify_does_record_once_per_recipient_item_kind_and_day(member):
    first, created = _note(member)
    again, created_again = _note(member)
    assert created and not created_again and again.pk == first.pk
    _note(member, kind="overdue_unit")
    _note(member, day=DAY + dt.timedelta(days=1))
    assert Notification.objects.filter(recipient=member).count() == 3


def test_notify_many_does_skip_what_exists_and_count_what_is_new(member, secretary):
    drafts = [
        NotificationDraft(member.pk, "due_soon", f"report:{i}:self_report_due", f"Việc {i}")
        for i in range(3)
    ] + [NotificationDraft(secretary.pk, "overdue_unit", "period:1:unit:1:x", "Quá hạn")]
    assert services.notify_many(day=DAY, drafts=drafts[:2]) == 2
    assert services.notify_many(day=DAY, drafts=drafts) == 2
    assert services.notify_many(day=DAY, drafts=drafts) == 0
    assert Notification.objects.count() == 4


def test_send_digest_does_send_one_email_per_recipient_per_day(member, with_emails):
    _note(member, key="a")
    _note(member, key="b")
    assert services.send_digest(recipient_id=member.pk, day=DAY)
    assert not services.send_digest(recipient_id=member.pk, day=DAY)
    assert len(mail.outbox) == 1
    assert "a" and "Nhắc việc" in mail.outbox[0].body
    _note(member, key="c", day=DAY + dt.timedelta(days=1))
    assert services.send_digest(recipient_id=member.pk, day=DAY + dt.timedelta(days=1))
    assert len(mail.outbox) == 2


def test_send_digest_does_nothing_without_notifications(member, with_emails):
    assert not services.send_digest(recipient_id=member.pk, day=DAY)
    assert mail.outbox == [] and not EmailDigest.objects.exists()


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses everything (the one thing outside the system)."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_send_digest_does_retry_after_a_failed_send(member, with_emails, settings):
    _note(member)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(ConnectionRefusedError):
        services.send_digest(recipient_id=member.pk, day=DAY)
    assert not EmailDigest.objects.exists()  # the claim was rolled back with the failure
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_digest(recipient_id=member.pk, day=DAY)
    assert len(mail.outbox) == 1


def test_enqueue_does_run_the_task_after_commit_in_eager_mode(
    enrolled, member, with_emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.enqueue(remind_batch, ONE_BEFORE.isoformat(), [member.pk], None)
    assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(recipient=member).count() == 2
    assert not OutboxMessage.objects.exists()


def test_enqueue_rejects_arguments_that_are_not_json(member):
    with pytest.raises(TypeError):
        services.enqueue(remind_batch, DAY, [member.pk])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_enqueue_does_keep_the_task_in_the_outbox_when_the_broker_is_down(
    member, django_capture_on_commit_callbacks
):
    with celery_broker(f"redis://127.0.0.1:{_closed_port()}/0"):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            services.enqueue(remind_batch, "2026-12-03", [member.pk], None)
        first = time.monotonic() - started
        with django_capture_on_commit_callbacks(execute=True):
            services.enqueue(remind_batch, "2026-12-03", [member.pk], None)
        second = time.monotonic() - started - first
        kept = list(OutboxMessage.objects.order_by("pk"))
        assert [m.args for m in kept] == [["2026-12-03", [member.pk], None]] * 2
        assert first < 5 and second < 0.5  # the second does not even try the dead broker

        assert services.flush_outbox() == 0
        kept[0].refresh_from_db()
        assert kept[0].attempts == 1 and kept[0].sent_at is None
        assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2


def test_beat_schedule_has_the_daily_reminders_and_the_outbox_flush():
    # Run the data migration again (it is idempotent): transactional tests truncate its rows.
    from django.apps import apps

    importlib.import_module("notifications.migrations.0002_periodic_tasks").forward(apps, None)
    assert PeriodicTask.objects.filter(task__startswith="notifications.").count() == 1
    daily = PeriodicTask.objects.get(task="reviews.tasks.send_deadline_reminders")
    assert (daily.crontab.hour, daily.crontab.minute) == ("6", "30")
    assert str(daily.crontab.timezone) == "Asia/Ho_Chi_Minh"
    flush = PeriodicTask.objects.get(task="notifications.tasks.flush_outbox")
    assert (flush.interval.every, flush.interval.period) == (1, "minutes")
    assert flush.expire_seconds == 50


def test_announce_does_not_mail_a_second_notice_of_the_same_day_separately(
    member_report, member, org_officer, tree, with_emails, django_capture_on_commit_callbacks
):
    """Two events reach the member on one day (a suggestion, then a second one): both are under
    the bell, but only one e-mail goes out that day; the next day's notice gets its own."""
    from django.utils import timezone

    from reviews.services import reports

    day = timezone.localdate()

    with django_capture_on_commit_callbacks(execute=True):
        reports.issue_suggestion(
            subject=member_report.subject, issuing_unit=tree.district, user=org_officer, text="Một"
        )
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.announce(
            user_ids=[member.pk], kind="due_soon", item_key="report:x:due", day=day, title="Hai"
        )
        services.announce(
            user_ids=[member.pk], kind="due_soon", item_key="report:y:due", day=day, title="Ba"
        )
    assert Notification.objects.filter(recipient=member, day=day).count() == 3
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    assert EmailDigest.objects.filter(recipient=member, day=day).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.announce(
            user_ids=[member.pk],
            kind="due_soon",
            item_key="report:z:due",
            day=day + dt.timedelta(days=1),
            title="Bốn",
        )
    assert len(mail.outbox) == 2

"""Delivering notifications once, mailing the daily digest once, and enqueueing tasks safely.

Guarantees, and where each one comes from:

- **In-app: exactly once** per (recipient, item, kind, day). Every write is an insert that
  does nothing on conflict with the `notification_once_per_day` constraint, so a rerun, a
  redelivered message or two workers racing end with one row.
- **E-mail: one digest per (recipient, day).** The `digest_once_per_day` row is inserted in
  the same transaction that sends the mail: a second sender waits on the row, then finds it
  and stops; a failed send rolls the row back so the next try sends. SMTP cannot take part in
  the transaction, so a worker killed between the SMTP "250 OK" and the commit sends the
  digest again on redelivery — at least once is the right side to err on for a deadline.
- **Enqueueing: never lost, never blocking the web.** `enqueue` publishes after the
  transaction commits (a task never reads rows that do not exist yet); when the broker is
  unreachable it stores an `OutboxMessage` instead, and `flush_outbox` (beat, every minute)
  sends those later. Outbox delivery is at least once, so only idempotent tasks go through it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import Task, current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from psycopg2.extras import execute_values

from .models import Notification, OutboxMessage

logger = logging.getLogger(__name__)

# What a publish raises when Redis is down or unreachable: kombu wraps most of it, the redis
# client and the socket layer raise the rest (e.g. the result backend's subscription).
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)
# After a failed publish, go straight to the outbox for a while: each attempt against a dead
# broker costs about a second of a web worker's time.
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0

EMAIL_LANGUAGE = "vi"


@dataclass(frozen=True)
class NotificationDraft:
    """A notification to record; the day is given once for the whole batch."""

    recipient_id: int
    kind: str
    item_key: str
    title: str
    body: str = ""
    url: str = ""


def notify(
    *,
    recipient_id: int,
    kind: str,
    item_key: str,
    day: dt.date,
    title: str,
    body: str = "",
    url: str = "",
) -> tuple[Notification, bool]:
    """Record one notification; the same (recipient, item, kind, day) again returns the first
    one unchanged, with False."""
    return Notification.objects.get_or_create(
        recipient_id=recipient_id,
        item_key=item_key,
        kind=kind,
        day=day,
        defaults={"title": title[:255], "body": body, "url": url[:500]},
    )


def notify_many(
    *, day: dt.date, drafts: Iterable[NotificationDraft], hide_time: bool = False
) -> int:
    """Record many notifications in bulk, skipping any whose (recipient, item, kind, day)
    already exists; returns how many were new. With `hide_time` the rows are stamped with
    the start of the day, not the moment (an anonymous comment must not be timed)."""
    stamp = (
        timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if hide_time else timezone.now()
    )
    rows = [
        (d.recipient_id, d.kind, d.item_key, day, d.title[:255], d.body, d.url[:500], stamp)
        for d in drafts
    ]
    if not rows:
        return 0
    table = Notification._meta.db_table
    created = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            inserted = execute_values(
                cursor.cursor,
                f"INSERT INTO {table} "  # noqa: S608 - the table name is ours, values are bound
                "(recipient_id, kind, item_key, day, title, body, url, created_at) VALUES %s "
                "ON CONFLICT ON CONSTRAINT notification_once_per_day DO NOTHING RETURNING 1",
                rows[start : start + 1000],
                template="(%s, %s, %s, %s, %s, %s, %s, %s)",
                page_size=1000,
                fetch=True,
            )
            created += len(inserted)
    return created


def announce(
    *,
    user_ids: Iterable[int],
    kind: str,
    item_key: str,
    day: dt.date,
    title: str,
    body: str = "",
    url: str = "",
    hide_time: bool = False,
) -> int:
    """Tell each user once about one event (in the app, and by e-mail where they have an
    address, after the transaction commits); returns how many notifications were new."""
    recipients = sorted(set(user_ids))
    created = notify_many(
        day=day,
        drafts=[NotificationDraft(uid, kind, item_key, title, body, url) for uid in recipients],
        hide_time=hide_time,
    )
    if created:
        from .tasks import send_digests  # the tasks module wraps these services

        # One e-mail a day at most (the digest's promise): a user already mailed today reads
        # this one under the bell.
        enqueue(send_digests, day.isoformat(), recipients)
    return created


def mark_read(*, user_id: int, ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """Mark the user's notifications among `ids` read; returns how many were unread."""
    return Notification.objects.filter(
        recipient_id=user_id, pk__in=list(ids), read_at__isnull=True
    ).update(read_at=now or timezone.now())


# -- e-mail digest ----------------------------------------------------------------------------


def _address(user: Any) -> str:
    if user.email:
        return user.email
    person = getattr(user, "person", None)
    return getattr(person, "email", "") or ""


def _display_name(user: Any) -> str:
    person = getattr(user, "person", None)
    return user.get_full_name() or getattr(person, "full_name", "") or user.get_username()


def _digest_message(
    user: Any, day: dt.date, notes: list[Notification]
) -> mail.EmailMultiAlternatives:
    # Always Vietnamese, whatever language the caller (a web request, a worker) has active.
    context = {
        "user": user,
        "name": _display_name(user),
        "day": day,
        "notifications": notes,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    with translation.override(EMAIL_LANGUAGE):
        subject = " ".join(
            render_to_string("notifications/email/digest_subject.txt", context).split()
        )
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    message = mail.EmailMultiAlternatives(subject=subject, body=text, to=[_address(user)])
    message.attach_alternative(html, "text/html")
    return message


def _claim_digest(recipient_id: int, day: dt.date, count: int) -> bool:
    # Inside the caller's transaction: waits for a concurrent claim of the same key, then
    # inserts nothing if that one committed.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_emaildigest (recipient_id, day, sent_at, notification_count)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT ON CONSTRAINT digest_once_per_day DO NOTHING",
            [recipient_id, day, timezone.now(), count],
        )
        return cursor.rowcount == 1


def send_digests(*, day: dt.date, user_ids: Iterable[int]) -> int:
    """Send each recipient's digest of the day's notifications, at most one per (recipient,
    day) ever; returns how many e-mails went out now."""
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in Notification.objects.filter(recipient_id__in=list(user_ids), day=day).order_by(
        "created_at", "pk"
    ):
        by_user[note.recipient_id].append(note)
    if not by_user:
        return 0
    users = get_user_model().objects.filter(pk__in=list(by_user)).select_related("person")
    sent = 0
    with mail.get_connection() as smtp:
        for user in users:
            if not _address(user):
                continue
            notes = by_user[user.pk]
            with transaction.atomic():
                if not _claim_digest(user.pk, day, len(notes)):
                    continue
                message = _digest_message(user, day, notes)
                message.connection = smtp
                # A failure raises and rolls the claim back: the next try sends.
                message.send()
            sent += 1
    return sent


def send_digest(*, recipient_id: int, day: dt.date) -> bool:
    """E-mail the recipient's notifications of the day unless their digest for the day has
    gone already; True when it was sent now."""
    return send_digests(day=day, user_ids=[recipient_id]) == 1


# -- enqueueing through the outbox -----------------------------------------------------------


def _publish_or_keep(task: Task, args: list[Any]) -> None:
    global _broker_down_until
    eager = task.app.conf.task_always_eager
    if not eager and time.monotonic() < _broker_down_until:
        _keep(task.name, args, "broker recently unreachable; not retried yet")
        return
    try:
        task.apply_async(args=args)
    except BROKER_ERRORS as exc:
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        _keep(task.name, args, repr(exc))


def _keep(task_name: str, args: list[Any], error: str) -> None:
    OutboxMessage.objects.create(task_name=task_name, args=args, last_error=error[:2000])
    logger.warning("Broker unreachable; %s kept in the outbox (%s)", task_name, error)


def enqueue(task: Task, *args: Any) -> None:
    """Send `task(*args)` once the current transaction commits (now, outside one); when the
    broker is unreachable keep it in the outbox instead of failing the caller."""
    arguments = list(args)
    # Fail in the caller, not later in the outbox: arguments are ids and plain values.
    json.dumps(arguments)
    transaction.on_commit(lambda: _publish_or_keep(task, arguments))


def reset_broker_backoff() -> None:
    """Try the broker again on the next enqueue (after it is known to be back; tests)."""
    global _broker_down_until
    _broker_down_until = 0.0


def flush_outbox(*, limit: int = 1000, now: dt.datetime | None = None) -> int:
    """Publish pending outbox messages in order until the broker fails or `limit` is reached;
    returns how many were sent. Concurrent flushes skip each other's rows."""
    sent = 0
    while sent < limit:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("pk")
                .first()
            )
            if message is None:
                break
            message.attempts += 1
            try:
                # By name: routing follows CELERY_TASK_ROUTES; no result is kept.
                current_app.send_task(message.task_name, args=message.args, ignore_result=True)
            except BROKER_ERRORS as exc:
                message.last_error = repr(exc)[:2000]
                message.save(update_fields=["attempts", "last_error"])
                logger.warning("Outbox flush stopped: broker still unreachable (%s)", exc)
                break
            # A crash before this commit publishes the message again next time: at least once.
            message.sent_at = now or timezone.now()
            message.save(update_fields=["attempts", "sent_at"])
        sent += 1
    if sent:
        reset_broker_backoff()
    return sent

"""Celery tasks of the review app: the daily deadline reminders and their batches.

Both tasks take ids and ISO dates, are idempotent (every notification is an insert on the
unique (recipient, item, kind, day) key, every digest on (recipient, day)) and are therefore
late-acknowledged and requeued when their worker dies: a redelivered or repeated message has
one effect. They run on the "reminders" queue (CELERY_TASK_ROUTES), away from the interactive
"documents" queue.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from notifications.tasks import send_digests

from . import reminders


def _day(day_iso: str | None) -> dt.date:
    # Beat sends no argument: the run's day is read here, at the edge, never in the logic.
    return dt.date.fromisoformat(day_iso) if day_iso else timezone.localdate()


@shared_task(
    name="reviews.tasks.send_deadline_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_deadline_reminders(
    day_iso: str | None = None,
    period_ids: list[int] | None = None,
    batch_size: int = reminders.BATCH_SIZE,
) -> int:
    """Fan the day's reminders out: one `remind_batch` per ≈500 recipients; returns the
    number of batches (0 on a non-working day)."""
    day = _day(day_iso)
    user_ids = reminders.recipients_for_day(day=day, period_ids=period_ids)
    chunks = reminders.batches(user_ids, batch_size)
    for chunk in chunks:
        remind_batch.apply_async(args=[day.isoformat(), chunk, period_ids])
    return len(chunks)


@shared_task(
    name="reviews.tasks.remind_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def remind_batch(day_iso: str, user_ids: list[int], period_ids: list[int] | None = None) -> int:
    """Record every notification of the day for these users, then send their digests;
    returns the number of new notifications (0 when redelivered)."""
    created = reminders.remind_users(
        day=dt.date.fromisoformat(day_iso), user_ids=user_ids, period_ids=period_ids
    )
    send_digests.apply_async(args=[day_iso, user_ids])
    return created

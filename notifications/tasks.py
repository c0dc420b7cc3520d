"""Celery tasks of the notifications app: thin wrappers over the services, taking ids.

`acks_late` + `reject_on_worker_lost` are set per task, only where running the task twice has
one effect (docs/background-jobs.md): the message is acknowledged after the task finishes, so
a worker that dies mid-task leaves it to be delivered again.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction

from . import services
from .models import TaskProbe


@shared_task(
    name="notifications.tasks.send_digests",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_digests(day_iso: str, user_ids: list[int]) -> int:
    """Send the day's digest to each of the users who has notifications and none yet."""
    return services.send_digests(day=dt.date.fromisoformat(day_iso), user_ids=user_ids)


# Not late-acknowledged: beat sends it every minute anyway, and the outbox is at least once.
@shared_task(name="notifications.tasks.flush_outbox", ignore_result=True)
def flush_outbox() -> int:
    """Publish what the web could not enqueue while the broker was down."""
    return services.flush_outbox()


@shared_task(
    name="notifications.tasks._test_slow_idempotent",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def _test_slow_idempotent(key: str, seconds: float) -> bool:
    """Fault-test probe: record a start, sleep, record the one completion of `key`.

    Refuses to run unless KIEMDIEM_FAULT_TEST_TASKS is set (only the fault tests' workers set
    it) and only touches its own table, so a stray message is harmless.
    """
    if not settings.KIEMDIEM_FAULT_TEST_TASKS:
        return False
    TaskProbe.objects.create(key=key, phase="started", pid=os.getpid())
    time.sleep(min(float(seconds), 30.0))
    try:
        with transaction.atomic():
            TaskProbe.objects.create(key=key, phase="completed", pid=os.getpid())
    except IntegrityError:
        return False  # completed by an earlier delivery
    return True

"""Faults with a real Redis and real Celery workers started here (issue 6, part 4).

Each test gets a throwaway redis-server on a free port and workers running
`celery -A config worker` under the test settings against this test's database; the rows are
committed (`transaction=True`) so the workers see them. Nothing is mocked. Every wait is
bounded; a missing redis-server or celery fails loudly instead of skipping.
"""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid

import pytest
from django.db import transaction
from django.urls import reverse

from notifications.models import EmailDigest, Notification, OutboxMessage, TaskProbe
from notifications.services import enqueue, flush_outbox
from notifications.tasks import _test_slow_idempotent
from reviews.tasks import remind_batch

from .conftest import celery_broker
from .days import ONE_BEFORE
from .processes import RedisServer, Worker, wait_for

pytestmark = [pytest.mark.celery_real, pytest.mark.django_db(transaction=True)]

REMIND = "reviews.tasks.remind_batch"
DIGESTS = "notifications.tasks.send_digests"
# Short enough for a test to wait out, far longer than the probe's run in the new worker.
VISIBILITY = "5"


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("celery-faults")


@pytest.fixture(scope="module")
def redis_server(log_dir):
    server = RedisServer(log_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server):
    """The module's Redis, running and empty, with this process publishing to it."""
    if not redis_server.answers():
        redis_server.start()
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=2) as s:
        s.sendall(b"FLUSHALL\r\n")
        assert s.recv(16).startswith(b"+OK")
    with celery_broker(redis_server.url):
        yield redis_server


@pytest.fixture
def start_worker(broker, log_dir):
    """Start a worker (stopped at the end of the test, whatever happened)."""
    started: list[Worker] = []

    def start(concurrency: int = 1, **env: str) -> Worker:
        worker = Worker(broker.url, log_dir, concurrency=concurrency, **env)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


def probes(key: str, phase: str) -> int:
    return TaskProbe.objects.filter(key=key, phase=phase).count()


def test_task_delivered_twice_has_one_effect(start_worker, enrolled, member, with_emails):
    # Two pool processes: both deliveries may run at the same moment.
    worker = start_worker(concurrency=2)
    args = [ONE_BEFORE.isoformat(), [member.pk], None]
    remind_batch.apply_async(args=args)
    remind_batch.apply_async(args=args)

    wait_for(lambda: worker.succeeded(REMIND) == 2, 60, "both deliveries", worker.tail())
    wait_for(lambda: worker.succeeded(DIGESTS) == 2, 60, "both digest runs", worker.tail())
    # One notification per report (chi bộ and leadership collective), one e-mail.
    assert Notification.objects.filter(recipient=member).count() == 2
    assert EmailDigest.objects.filter(recipient=member).count() == 1
    assert EmailDigest.objects.get(recipient=member).notification_count == 2


def test_worker_killed_with_sigkill_mid_task_completes_once_after_redelivery(start_worker):
    key = f"sigkill-{uuid.uuid4().hex}"
    first = start_worker(CELERY_VISIBILITY_TIMEOUT=VISIBILITY)
    _test_slow_idempotent.apply_async(args=[key, 4])
    wait_for(lambda: probes(key, "started") == 1, 30, "the task to start", first.tail())

    first.kill()  # worker and pool process at once: the message is never acknowledged
    assert probes(key, "completed") == 0

    second = start_worker(CELERY_VISIBILITY_TIMEOUT=VISIBILITY)
    wait_for(lambda: probes(key, "completed") == 1, 45, "the redelivered run", second.tail())
    assert probes(key, "started") == 2
    assert probes(key, "completed") == 1


def test_pool_process_killed_mid_task_is_requeued_and_completes_once(start_worker):
    # reject_on_worker_lost: the parent sees its child die and puts the message back at once.
    key = f"child-{uuid.uuid4().hex}"
    worker = start_worker()
    _test_slow_idempotent.apply_async(args=[key, 3])
    wait_for(lambda: probes(key, "started") == 1, 30, "the task to start", worker.tail())

    child = TaskProbe.objects.get(key=key, phase="started").pid
    os.kill(child, signal.SIGKILL)

    wait_for(lambda: probes(key, "completed") == 1, 45, "the requeued run", worker.tail())
    assert probes(key, "started") == 2
    assert TaskProbe.objects.get(key=key, phase="completed").pid != child


def test_redis_down_web_keeps_serving_and_the_outbox_sends_later(
    broker, start_worker, client, enrolled, member, with_emails
):
    worker = start_worker()
    broker.stop()
    client.force_login(member)

    started = time.monotonic()
    assert client.get(reverse("orgunits:dashboard")).status_code == 200
    assert client.get(reverse("notifications:list")).status_code == 200
    with transaction.atomic():
        enqueue(remind_batch, ONE_BEFORE.isoformat(), [member.pk], None)
    # Later enqueues skip the dead broker for a while and go straight to the outbox.
    enqueue(remind_batch, ONE_BEFORE.isoformat(), [member.pk], None)
    assert time.monotonic() - started < 10

    kept = list(OutboxMessage.objects.order_by("pk"))
    assert [(m.task_name, m.sent_at) for m in kept] == [(REMIND, None), (REMIND, None)]
    assert kept[0].args == [ONE_BEFORE.isoformat(), [member.pk], None]
    assert "Error" in kept[0].last_error
    assert flush_outbox() == 0  # still down: nothing sent, nothing lost
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2
    assert not Notification.objects.exists()

    broker.start()  # an empty Redis: whatever was in the old one is gone, the outbox is not
    wait_for(
        lambda: flush_outbox() >= 0 and not OutboxMessage.objects.filter(sent_at=None).exists(),
        30,
        "the outbox to reach the restarted broker",
    )
    wait_for(lambda: worker.succeeded(REMIND) == 2, 90, "the worker to run both", worker.tail())
    wait_for(lambda: worker.succeeded(DIGESTS) == 2, 60, "the digests", worker.tail())
    # Sent twice (at least once), one effect: two reports, two notifications, one e-mail.
    assert Notification.objects.filter(recipient=member).count() == 2
    assert EmailDigest.objects.filter(recipient=member).count() == 1
    assert flush_outbox() == 0

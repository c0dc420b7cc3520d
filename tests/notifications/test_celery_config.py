"""The Celery configuration the design relies on (docs/background-jobs.md)."""

from __future__ import annotations

from config.celery import app
from notifications import tasks as notification_tasks
from reviews import tasks as review_tasks

IDEMPOTENT = [
    review_tasks.send_deadline_reminders,
    review_tasks.remind_batch,
    notification_tasks.send_digests,
    notification_tasks._test_slow_idempotent,
]


def test_messages_are_json_only():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == app.conf.result_serializer == "json"


def test_late_acknowledgement_is_per_idempotent_task_not_global():
    assert app.conf.task_acks_late is False
    assert app.conf.task_reject_on_worker_lost in (None, False)
    for task in IDEMPOTENT:
        assert task.acks_late and task.reject_on_worker_lost, task.name
        assert task.ignore_result, task.name  # results live in the database
    assert not notification_tasks.flush_outbox.acks_late


def test_visibility_timeout_outlasts_the_hard_time_limit():
    limits = (app.conf.task_soft_time_limit, app.conf.task_time_limit)
    assert limits[0] < limits[1] <= 600
    assert app.conf.broker_transport_options["visibility_timeout"] >= 3600
    assert app.conf.worker_prefetch_multiplier == 1


def test_tasks_are_routed_to_their_queues():
    def queue(name: str) -> str:
        route = app.amqp.router.route({}, name)
        return route["queue"].name

    assert {q.name for q in app.conf.task_queues} == {"celery", "documents", "reminders"}
    assert queue("reviews.tasks.send_deadline_reminders") == "reminders"
    assert queue("reviews.tasks.remind_batch") == "reminders"
    assert queue("notifications.tasks.send_digests") == "reminders"
    assert queue("notifications.tasks.flush_outbox") == "celery"
    assert queue("documents.tasks.render_document") == "documents"

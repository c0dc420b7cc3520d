"""Fixtures for notifications and reminders: e-mail addresses for the personas, a calendar of
days around the test period's self-report deadline, and a way to point Celery at a broker."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import kombu.pools
import pytest

from config.celery import app as celery_app
from notifications import services


@pytest.fixture
def with_emails(member, secretary, org_officer, authority):
    for user in (member, secretary, org_officer, authority):
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Publish to a real broker at `url` (not eagerly) for the duration; restore afterwards.

    The environment variable wins over the configuration in Celery, so both are set.
    """
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved_conf = {key: celery_app.conf[key] for key in keys}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    celery_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    _reset_pools()
    services.reset_broker_backoff()
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        celery_app.conf.update(saved_conf)
        _reset_pools()
        services.reset_broker_backoff()


def _reset_pools() -> None:
    # The producer pools are bound to the broker URL they were first built with.
    kombu.pools.reset()
    celery_app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        celery_app.__dict__["amqp"]._producer_pool = None

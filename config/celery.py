"""Celery application.

The broker comes from CELERY_BROKER_URL (Redis). When it is empty, tasks run eagerly in the
calling process (settings.CELERY_TASK_ALWAYS_EAGER), which keeps a laptop or a unit test working
without Redis; production always sets a broker. Every CELERY_* setting lives in
config/settings/base.py with the reason for its value; docs/background-jobs.md explains the whole
design (queues, late acknowledgement per idempotent task, visibility timeout, the outbox).

Run workers with `celery -A config worker` (all queues) or one per queue (`-Q documents`,
`-Q reminders,celery`) and exactly one `celery -A config beat` (database scheduler).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kiemdiem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

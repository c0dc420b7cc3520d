"""Celery application.

The broker comes from CELERY_BROKER_URL. When it is empty, tasks run eagerly in the calling
process (settings.CELERY_TASK_ALWAYS_EAGER), which keeps a laptop or a unit test working without
Redis; production always sets a broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kiemdiem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

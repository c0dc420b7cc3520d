"""The beat schedule lives in the database (django-celery-beat's DatabaseScheduler).

- "Deadline reminders": every day at 06:30 Asia/Ho_Chi_Minh; the task finds what is due from
  each open period's calendar, so no task is ever scheduled weeks ahead with a countdown.
- "Outbox flush": every minute; sends what the web stored while Redis was unreachable. Expires
  after 50 s so flushes do not pile up while the workers are down.

Operators may change the times in the admin; reverting this migration removes the two rows.
"""

from django.db import migrations
from django.utils import timezone

REMINDERS = "Deadline reminders (daily)"
OUTBOX = "Outbox flush (every minute)"


def forward(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.update_or_create(
        name=REMINDERS,
        defaults={
            "task": "reviews.tasks.send_deadline_reminders",
            "crontab": crontab,
            "interval": None,
            "args": "[]",
            "kwargs": "{}",
            "enabled": True,
            "description": "Reminders before, escalations after the self-report deadline.",
        },
    )
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=OUTBOX,
        defaults={
            "task": "notifications.tasks.flush_outbox",
            "interval": every_minute,
            "crontab": None,
            "args": "[]",
            "kwargs": "{}",
            "expire_seconds": 50,
            "enabled": True,
            "description": "Send tasks kept while the broker was unreachable.",
        },
    )
    # Tell a running beat to reload its schedule (signals do not fire in migrations).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name__in=[REMINDERS, OUTBOX]).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]

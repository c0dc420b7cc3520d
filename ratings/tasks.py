"""Celery tasks of the historical-levels import: thin wrappers over ratings/history_staging.py,
taking ids. Like the roster's, they run on the interactive "documents" queue with a time
limit: the soft limit refuses the upload with advice, the hard one kills a parser that ignores
it. The file was checked against documents/sheet_limits.py first."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import history_staging

CHECK_SOFT_LIMIT = 120
WRITE_SOFT_LIMIT = 300


@shared_task(
    name="ratings.tasks.check_history_upload",
    soft_time_limit=CHECK_SOFT_LIMIT,
    time_limit=CHECK_SOFT_LIMIT + 30,
    ignore_result=True,
)
def check_history_upload(upload_id: int) -> None:
    """Check a staged file of historical levels (a dry run) unless checked already."""
    try:
        history_staging.check_history_upload(upload_id=upload_id)
    except SoftTimeLimitExceeded:
        history_staging.refuse_timed_out(upload_id=upload_id)


@shared_task(
    name="ratings.tasks.write_history_upload",
    soft_time_limit=WRITE_SOFT_LIMIT,
    time_limit=WRITE_SOFT_LIMIT + 30,
    ignore_result=True,
)
def write_history_upload(upload_id: int) -> None:
    """Import a confirmed file of historical levels unless imported already."""
    try:
        history_staging.write_history_upload(upload_id=upload_id)
    except SoftTimeLimitExceeded:
        history_staging.refuse_timed_out(upload_id=upload_id)

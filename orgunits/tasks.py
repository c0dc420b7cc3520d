"""Celery tasks of the roster import: thin wrappers over the staging services, taking ids.

Both run on the interactive "documents" queue (an officer watches the page) with a time
limit: the soft limit marks the upload refused with advice, the hard one kills a parser that
ignores it. The file was checked against documents/sheet_limits.py first, so an ordinary
roster (50,000 rows ≈ 40 s) stays well inside them.
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from .services.roster import staging

CHECK_SOFT_LIMIT = 120
WRITE_SOFT_LIMIT = 300


@shared_task(
    name="orgunits.tasks.check_roster_upload",
    soft_time_limit=CHECK_SOFT_LIMIT,
    time_limit=CHECK_SOFT_LIMIT + 30,
    ignore_result=True,
)
def check_roster_upload(upload_id: int) -> None:
    """Check a staged roster (a dry run) unless it has been checked already."""
    try:
        staging.check_roster_upload(upload_id=upload_id)
    except SoftTimeLimitExceeded:
        staging.refuse_timed_out(upload_id=upload_id)


@shared_task(
    name="orgunits.tasks.write_roster_upload",
    soft_time_limit=WRITE_SOFT_LIMIT,
    time_limit=WRITE_SOFT_LIMIT + 30,
    ignore_result=True,
)
def write_roster_upload(upload_id: int) -> None:
    """Import a confirmed roster unless it has been imported already."""
    try:
        staging.write_roster_upload(upload_id=upload_id)
    except SoftTimeLimitExceeded:
        staging.refuse_timed_out(upload_id=upload_id)

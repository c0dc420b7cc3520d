"""Celery tasks of the documents app: thin wrappers over the services, taking ids."""

from __future__ import annotations

from celery import shared_task

from . import services


# Late acknowledgement with requeue on worker loss: render_job is idempotent (a finished job is
# left alone, the file is renamed into place), so a worker killed mid-render costs one rerun.
@shared_task(
    name="documents.tasks.render_document",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def render_document(job_id: int) -> None:
    """Render the job's PDF unless it is done already."""
    services.render_job(job_id=job_id)

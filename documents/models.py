"""One rendering of one document at one state of its content (see the package docstring)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class DocumentJob(models.Model):
    """A file (PDF, Excel or CSV) of (kind, object) at one content fingerprint: rendered once,
    then served."""

    kind = models.CharField(_("kind"), max_length=32)
    object_id = models.PositiveBigIntegerField(_("object"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    # documents/<fingerprint>.<pdf|xlsx|csv> under MEDIA_ROOT, written by the worker.
    file = models.FileField(_("file"), upload_to="documents/", blank=True)
    # Shown to the person as is: what went wrong and what to do.
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    # The last change of status; a job queued or running for far too long is sent again.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document job")
        verbose_name_plural = _("document jobs")
        constraints = [
            # The cache: the same content is rendered once.
            models.UniqueConstraint(
                fields=["kind", "object_id", "fingerprint"], name="documentjob_once_per_content"
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="documentjob_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED, JobStatus.REFUSED}

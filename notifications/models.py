"""In-app notifications, the daily e-mail digest and the outbox of tasks not yet enqueued.

A low-level app: it knows users, not reviews. Callers (reviews' reminders) decide what to say;
this app stores it once per (recipient, item, kind, day), mails it once per (recipient, day) and
keeps what could not reach the broker. Not tracked by pghistory: the rows are high-volume
derived messages, not decisions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one user about one item, at most once per kind and day."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # Free text chosen by the caller ("due_soon", "overdue_unit", ...): this app has no
    # opinion on what is worth saying.
    kind = models.CharField(_("kind"), max_length=32)
    # What the message is about, e.g. "report:123:self_report_due".
    item_key = models.CharField(_("item"), max_length=128)
    day = models.DateField(_("day"))
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-day", "-created_at", "-pk"]
        constraints = [
            # The delivery guarantee: a rerun, a redelivered message or two workers racing
            # all end on this key.
            models.UniqueConstraint(
                fields=["recipient", "item_key", "kind", "day"], name="notification_once_per_day"
            )
        ]
        indexes = [
            # The bell's count on every page.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            # The digest reads a recipient's day.
            models.Index(fields=["recipient", "day"], name="notification_recipient_day"),
        ]

    def __str__(self) -> str:
        return self.title


class EmailDigest(models.Model):
    """The one e-mail a recipient gets on a day, listing that day's notifications."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"))
    notification_count = models.PositiveIntegerField(_("notification count"), default=0)

    class Meta:
        verbose_name = _("e-mail digest")
        verbose_name_plural = _("e-mail digests")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_per_day")
        ]


class OutboxMessage(models.Model):
    """A task that could not be enqueued because the broker was unreachable; sent later."""

    task_name = models.CharField(_("task name"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{self.args}"


class TaskProbe(models.Model):
    """Rows written only by the fault tests' probe task (empty in production): each run's
    start, and the one completion per key."""

    key = models.CharField(max_length=100)
    phase = models.CharField(max_length=16)
    pid = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(phase="completed"),
                name="probe_completes_once",
            )
        ]

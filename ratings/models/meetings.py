"""Rating meetings: the convened list and attendance, and the agenda in its required order."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from orgunits.models import OrgUnit, Person
from reviews.models import ReviewPeriod, Subject


class MeetingKind(models.TextChoices):
    LEADERSHIP_COLLECTIVE = "leadership_collective", _("Leadership collective meeting")
    PARTY_CELL = "party_cell", _("Party cell meeting")
    KEY_CADRE_CONFERENCE = "key_cadre_conference", _("Key-cadre conference")
    FULL_STAFF_CONFERENCE = "full_staff_conference", _("Full-staff conference")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


@pghistory.track()
class Meeting(models.Model):
    """A review meeting of one unit in one period, chaired by a secretary or head."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="meetings")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=32, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=255)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    # Meetings are counted in days and half-days (the rule sets say "1.5 days").
    duration_days = models.DecimalField(_("duration (days)"), max_digits=3, decimal_places=1)
    location = models.CharField(_("place"), max_length=255, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chair"),
    )
    # The meeting's secretary (thư ký hội nghị), chosen by the chair among those present; the
    # name is kept as printed in the minutes.
    secretary = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting secretary"),
    )
    secretary_name = models.CharField(_("minutes taken by"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="meeting_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """One person convened to the meeting: present, or absent with a reason."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"), null=True)
    absence_reason = models.CharField(_("reason for absence"), max_length=255, blank=True)
    is_counting_member = models.BooleanField(_("vote-counting committee"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_unique")
        ]


class AgendaItem(models.Model):
    """One subject discussed at the meeting, in the required order (R-L3)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveIntegerField()
    conclusion = models.TextField(_("chair's conclusion"), blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "subject"], name="agenda_unique_subject"),
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_unique_position"),
        ]

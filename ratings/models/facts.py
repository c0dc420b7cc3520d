"""The facts of an appraisal the system cannot know by itself (QĐ 366 Art. 11): task shares,
the 5 socio-economic targets, findings of degradation, of wrongdoing in cadre work or disunity,
and a low-confidence share from outside the system. Entered by the organisation officer with a
reason; every change is in the audit trail."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from reviews.models import Subject

PCT_FIELDS = (
    "tasks_completed_pct",
    "tasks_on_time_pct",
    "tasks_exceeded_pct",
    "tasks_behind_pct",
    "unit_tasks_completed_pct",
    "low_confidence_pct",
)
FINDING_FIELDS = (
    "degradation_found",
    "cadre_work_wrongdoing",
    "disunity",
    "position_seeking",
    "prohibited_conduct",
)


def _pct(label: str) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


@pghistory.track()
class AppraisalFacts(models.Model):
    """One subject's facts in one period; an empty share means "not entered"."""

    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="facts")
    tasks_completed_pct = _pct(_("tasks completed (%)"))
    tasks_on_time_pct = _pct(_("tasks completed on time (%)"))
    tasks_exceeded_pct = _pct(_("tasks exceeding the target (%)"))
    tasks_behind_pct = _pct(_("tasks behind schedule (%)"))
    unit_tasks_completed_pct = _pct(_("tasks of the unit led completed (%)"))
    socio_economic_targets_met = models.BooleanField(
        _("the 5 basic socio-economic targets met"), null=True, blank=True
    )
    degradation_found = models.BooleanField(_("degradation found"), default=False)
    cadre_work_wrongdoing = models.BooleanField(_("wrongdoing in cadre work"), default=False)
    disunity = models.BooleanField(_("internal disunity"), default=False)
    position_seeking = models.BooleanField(_("buying posts or power"), default=False)
    prohibited_conduct = models.BooleanField(
        _("breach of what party members must not do, or of setting an example"), default=False
    )
    low_confidence_pct = _pct(_("low-confidence votes (%)"))
    low_confidence_source = models.CharField(
        _("source of the confidence vote"), max_length=300, blank=True
    )
    reason = models.TextField(_("reason and source of the facts"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    *(
                        models.Q(**{f"{name}__isnull": True})
                        | models.Q(**{f"{name}__gte": 0, f"{name}__lte": 100})
                        for name in PCT_FIELDS
                    )
                ),
                name="appraisal_facts_pct_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}"

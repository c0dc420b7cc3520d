"""A rating found wrong, cancelled and redone by the competent level (QĐ 366 Art. 15(3)): the
old and the new level, the reason, and the decision (Mẫu 03) that records it."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from orgunits.models import OrgUnit

from .appraisal import Rating


@pghistory.track()
class Rerating(models.Model):
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="reratings")
    issuer = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing body")
    )
    old_level = models.CharField(_("level cancelled"), max_length=8)
    new_level = models.CharField(_("new level"), max_length=8)
    reason = models.TextField(_("reason"))
    number = models.CharField(_("decision number"), max_length=64, blank=True)
    decided_on = models.DateField(_("date of the decision"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(old_level=models.F("new_level")),
                name="rerating_changes_the_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating.subject}: {self.old_level} → {self.new_level}"

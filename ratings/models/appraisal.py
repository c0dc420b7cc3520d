"""Appraisal and decision: discipline records, each subject's rating, quota exceptions and the
decisions that lock and publish levels. Every change is in the audit trail (pghistory), with the
reason carried in the history context."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from orgunits.models import OrgUnit, Person
from reviews.models import QuotaGroup, ReviewPeriod, Subject


class DisciplineForm(models.TextChoices):
    REPRIMAND = "reprimand", _("Reprimand (khiển trách)")
    WARNING = "warning", _("Warning (cảnh cáo)")
    REMOVAL = "removal", _("Removal from post (cách chức)")
    EXPULSION = "expulsion", _("Expulsion (khai trừ)")
    DISSOLUTION = "dissolution", _("Dissolution (giải tán)")


@pghistory.track()
class DisciplineRecord(models.Model):
    """A disciplinary decision; it counts against the year and the unit of the violation
    (R-K3), once (R-K2), unless self-detected and remedied (R-K1)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="discipline"
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discipline",
        help_text=_("For a disciplined collective."),
    )
    unit_at_time = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit at the time")
    )
    violation_date = models.DateField(_("date of the violation"))
    decision_date = models.DateField(_("date of the decision"))
    form = models.CharField(_("form"), max_length=16, choices=DisciplineForm.choices)
    is_corruption = models.BooleanField(_("corruption case"), default=False)
    self_detected_remedied = models.BooleanField(
        _("self-detected and consequences remedied"), default=False
    )
    # QĐ 366 Art. 11 counts discipline "do vi phạm liên quan đến thực hiện chức trách, nhiệm vụ".
    duty_related = models.BooleanField(_("related to the duties held"), default=True)
    description = models.TextField(_("description"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(unit__isnull=False),
                name="discipline_has_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(decision_date__gte=models.F("violation_date")),
                name="discipline_decision_after_violation",
            ),
        ]


class RatingStatus(models.TextChoices):
    APPRAISED = "appraised", _("Appraised")
    DECIDED = "decided", _("Decided")
    PUBLISHED = "published", _("Published")
    REOPENED = "reopened", _("Reopened for re-rating")


@pghistory.track()
class Rating(models.Model):
    """A subject's level through appraisal and decision."""

    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="rating")
    # The automatic proposal and the checks behind it: [{code, ok, level_cap, message}].
    proposed_level = models.CharField(_("proposed level"), max_length=8, blank=True)
    checks = models.JSONField(default=list)
    # The officer's level; differs from the proposal only with a written reason.
    level = models.CharField(_("level"), max_length=8, blank=True)
    change_reason = models.TextField(_("reason for the change"), blank=True)
    quota_adjusted = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=RatingStatus.choices, default=RatingStatus.APPRAISED
    )
    decision = models.ForeignKey(
        "Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="ratings"
    )
    reopened_reason = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        indexes = [
            # The summary's KHT list: the few decided KHT among a province's ratings.
            models.Index(
                fields=["subject"],
                condition=models.Q(level="KHT", status__in=["decided", "published"]),
                name="rating_decided_kht",
            )
        ]


@pghistory.track()
class QuotaException(models.Model):
    """R-Q5: the competent level allows an outstanding organisation a higher HTXS ratio (at
    most the rule set's `quota.exception_max_ratio`), for one quota group or for every group
    of a unit's subtree in the period, with a written reason. The latest one approved for a
    group applies."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        QuotaGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="exceptions"
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ratio = models.DecimalField(_("ratio allowed"), max_digits=5, decimal_places=4)
    reason = models.TextField(_("reason"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(group__isnull=True, unit__isnull=False)
                | models.Q(group__isnull=False, unit__isnull=True),
                name="quota_exception_group_or_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(ratio__gt=0, ratio__lte=1), name="quota_exception_ratio"
            ),
        ]


class DecisionStatus(models.TextChoices):
    DECIDED = "decided", _("Decided")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled by the superior level")


@pghistory.track()
class Decision(models.Model):
    """The competent level's decision recognising the levels of a unit's subjects."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.PROTECT, related_name="decisions")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="decisions")
    # The body that decides and issues the document: the unit on which the decider holds the
    # competent authority's role (the decided unit or an ancestor). Empty on older rows.
    issued_by = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issuing body"),
    )
    number = models.CharField(_("number"), max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("date"))
    status = models.CharField(
        max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.DECIDED
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Why the competent level decided over subjects whose checks were not met (no report, …).
    override_reason = models.TextField(_("reason for deciding over unmet checks"), blank=True)
    cancel_reason = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )


@pghistory.track()
class StateRating(models.Model):
    """A civil servant's rating on the state side (NĐ 335), entered or imported by the unit;
    R-Q6 compares its HTXS share with the party members' share of the same unit."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="state_ratings")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="state_ratings")
    level = models.CharField(_("level"), max_length=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "person"], name="state_rating_unique")
        ]

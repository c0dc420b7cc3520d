"""Counts kept at write time (issue #14): how many subjects of each kind stand at each level,
per period and unit, and how many imported levels per year and unit.

The rows are written by PostgreSQL statement triggers on the raw tables (reviews_subject,
ratings_rating, ratings_historicallevel), installed by migration 0013 and defined in
`ratings/rollup_sql.py`. A trigger runs in the transaction of the statement that changed the
rows, whoever issued it: the decision services (decide, publish, cancel, re-rate, change a
level, appraisal, discipline), enrolment, `generate_province`'s COPY, the historical-levels
import, the admin, a `QuerySet.update()`. Hooks in each service would each be one more place to
forget; the trigger is one place, and `manage.py check_rollups` compares it with the raw rows.

A row is never deleted: its count may fall to 0, and its `version` (drawn from one sequence)
only grows, so the largest version over a subtree changes whenever anything in it changes.
"""

from __future__ import annotations

from django.db import models

from orgunits.models import OrgUnit
from reviews.models import QuotaGroup, ReviewPeriod, Subject


class Measure(models.TextChoices):
    FINAL = "final", "final"  # the decided (or published) level
    PROPOSED = "proposed", "proposed"  # the appraisal's proposal


class LevelCount(models.Model):
    """Subjects of one (period, unit, quota group, class, eligibility) at one level.

    Each subject is counted twice: once under `final` (with `decided` and the decided level,
    or not decided and level '') and once under `proposed` (level '' when none)."""

    # No database constraints: the rows follow the raw tables through triggers, and a period
    # or unit deleted leaves rows at 0 rather than blocking the delete.
    period = models.ForeignKey(
        ReviewPeriod, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    quota_group = models.ForeignKey(
        QuotaGroup,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    subject_class = models.CharField(max_length=16)
    eligibility = models.CharField(max_length=16)
    measure = models.CharField(max_length=8, choices=Measure.choices)
    decided = models.BooleanField()
    level = models.CharField(max_length=8)
    n = models.IntegerField(default=0)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "period",
                    "unit",
                    "quota_group",
                    "subject_class",
                    "eligibility",
                    "measure",
                    "decided",
                    "level",
                ],
                nulls_distinct=False,
                name="level_count_key",
            )
        ]
        # The newest change in a subtree: walk the versions down to the first row inside it.
        indexes = [models.Index(fields=["version"], name="level_count_version")]


class MultiSiteSubject(models.Model):
    """A subject of a person who has more than one subject in the period (R-E4): the few rows
    the summary reads one by one to count such a person once."""

    subject = models.OneToOneField(
        Subject,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    period_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["period_id", "person_id"], name="multi_site_person")]


class HistoryCount(models.Model):
    """Imported levels of one (year, unit, class) at one level."""

    year = models.PositiveSmallIntegerField()
    # Null for the individuals' rows that name no unit (placed by membership when read).
    # Indexed by the key, which begins with the unit (a subtree reads its units' rows).
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    subject_class = models.CharField(max_length=16)
    level = models.CharField(max_length=8)
    n = models.IntegerField(default=0)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "subject_class", "level"],
                nulls_distinct=False,
                name="history_count_key",
            )
        ]
        indexes = [models.Index(fields=["version"], name="history_count_version")]

"""Results kept over the years: levels of earlier years imported from spreadsheets, the
officer's own text of the summary report, and archived personal dossiers."""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from documents.uploads import StagedUpload
from orgunits.models import OrgUnit, Person
from reviews.models import ReviewPeriod, SubjectClass


class HistoricalLevel(models.Model):
    """A level of a year before the app existed, for year-over-year comparisons.

    An individual's row names the person (and, when the file says so, the unit where they were
    rated); a collective's row names the unit. Re-importing a file matches rows by (year,
    person code or unit code, subject class), so it changes nothing the second time.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="historical_levels",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="historical_levels",
        verbose_name=_("unit"),
    )
    subject_class = models.CharField(
        _("subject class"), max_length=16, choices=SubjectClass.choices
    )
    level = models.CharField(_("level"), max_length=8)
    source = models.CharField(_("source"), max_length=255, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("historical level")
        verbose_name_plural = _("historical levels")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "person", "subject_class"],
                condition=models.Q(person__isnull=False),
                name="historical_level_unique_person",
            ),
            models.UniqueConstraint(
                fields=["year", "unit", "subject_class"],
                condition=models.Q(person__isnull=True),
                name="historical_level_unique_collective",
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(unit__isnull=False),
                name="historical_level_has_subject",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(subject_class="collective", person=None)
                    | (~models.Q(subject_class="collective") & models.Q(person__isnull=False))
                ),
                name="historical_level_collective_has_no_person",
            ),
        ]
        indexes = [models.Index(fields=["year", "subject_class"])]

    def __str__(self) -> str:
        return f"{self.year} – {self.person or self.unit} – {self.level}"


@pghistory.track()
class SummaryNarrative(models.Model):
    """The officer's own text for sections II and III of a unit's summary report."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    section_2 = models.TextField(_("II. Organisation of the review"), blank=True)
    section_3 = models.TextField(_("III. General assessment"), blank=True)
    place = models.CharField(_("place"), max_length=128, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="summary_narrative_unique")
        ]


def dossier_path(instance: DossierArchive, filename: str) -> str:
    return f"dossiers/{instance.person_id}/{uuid.uuid4().hex}.pdf"


class DossierScope(models.Model):
    """The part of a person's record a dossier covers: the review sites inside some subtrees
    (their paths, comma-separated, sorted), or the whole record (empty). A dossier is rendered
    per scope, so an officer's copy never holds the reports and comments of sites outside
    their units."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    paths = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "paths"], name="dossier_scope_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.paths or '*'}"

    @property
    def within(self) -> tuple[str, ...] | None:
        """The subtree paths, or None for the whole record."""
        return tuple(self.paths.split(",")) if self.paths else None


class DossierArchive(models.Model):
    """A personal dossier (hồ sơ) as handed out: the PDF, the checksum printed in it
    (of the bundled content) and the SHA-256 of the file itself."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="dossiers")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Empty for copies made before dossiers were scoped: they held the whole record.
    scope = models.ForeignKey(
        DossierScope, on_delete=models.PROTECT, null=True, blank=True, related_name="archives"
    )
    years = models.PositiveSmallIntegerField(default=3)
    sha256 = models.CharField(_("content checksum (SHA-256)"), max_length=64)
    file_sha256 = models.CharField(_("file checksum (SHA-256)"), max_length=64)
    file = models.FileField(upload_to=dossier_path)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]


class HistoryUpload(StagedUpload):
    """An uploaded file of historical levels on its way through a worker (see
    documents/uploads.py and ratings/history_staging.py)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")

    class Meta(StagedUpload.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.file_name} → {self.unit_id} ({self.status})"

"""Review periods, the subjects enrolled in them, their reports and the comments on them."""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from orgunits.models import OrgUnit, Person


class PeriodKind(models.TextChoices):
    ANNUAL = "annual", _("Annual")
    QUARTERLY = "quarterly", _("Quarterly")
    TERM = "term", _("End of term")
    AD_HOC = "ad_hoc", _("Ad hoc (đột xuất)")


class PeriodStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


@pghistory.track()
class ReviewPeriod(models.Model):
    """One review season for a subtree, run under one rule set."""

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    # The code and version the period ran under: past periods keep their rules.
    ruleset_code = models.CharField(_("rule set"), max_length=64)
    ruleset_version = models.PositiveIntegerField(_("rule set version"))
    # A copy of the merged parameters and their digest, so later edits of the file leave the
    # period's rules as they were.
    ruleset_snapshot = models.JSONField(default=dict, editable=False)
    ruleset_digest = models.CharField(max_length=64, blank=True, editable=False)
    scope = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="review_periods", verbose_name=_("scope")
    )
    opens_on = models.DateField(_("opens on"))
    status = models.CharField(
        _("status"), max_length=16, choices=PeriodStatus.choices, default=PeriodStatus.PREPARING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("review period")
        verbose_name_plural = _("review periods")
        ordering = ["-year", "-quarter", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="quarterly", quarter__gte=1, quarter__lte=4)
                    | (~models.Q(kind="quarterly") & models.Q(quarter=None))
                ),
                name="period_quarter_only_for_quarterly",
            ),
            models.UniqueConstraint(
                fields=["scope", "kind", "year", "quarter"],
                name="period_unique_per_scope",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_quarterly(self) -> bool:
        return self.kind == PeriodKind.QUARTERLY


class LocalRuleSet(models.Model):
    """A local variant of the period's rule set for one subtree (e.g. a province's practice)."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="local_rules")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    ruleset_code = models.CharField(_("rule set"), max_length=64)
    ruleset_version = models.PositiveIntegerField(_("rule set version"))
    ruleset_snapshot = models.JSONField(default=dict, editable=False)
    ruleset_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="localrules_unique_unit")
        ]


class StoredRuleSet(models.Model):
    """One version of a local rule set edited in the app (a province's point split), read by
    the rule-set loader like a file: `data` is the table a TOML file would hold (code, version,
    extends and the overridden keys). Rows are never updated: a change is a new version, and
    the row is its audit (who, when, why)."""

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="stored_rulesets", verbose_name=_("unit")
    )
    code = models.CharField(_("rule set"), max_length=64)
    version = models.PositiveIntegerField(_("rule set version"))
    extends = models.CharField(max_length=64)
    data = models.JSONField()
    decision = models.CharField(_("provincial decision"), max_length=255)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("saved at"), db_default=Now())

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="storedruleset_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class PlaceholderConfirmation(models.Model):
    """Audit: a period was opened although its rule set still had texts awaiting their official
    wording, confirmed by an administrator (None: from the command line) with a reason."""

    period = models.OneToOneField(
        ReviewPeriod, on_delete=models.PROTECT, related_name="placeholder_confirmation"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), db_default=Now())
    reason = models.TextField(_("reason"))
    ruleset_code = models.CharField(_("rule set"), max_length=64)
    ruleset_version = models.PositiveIntegerField(_("rule set version"))
    ruleset_digest = models.CharField(max_length=64)
    placeholders = models.JSONField(default=list)


class WorkdayOverride(models.Model):
    """A day the government swapped or added: the working-day calendar's exceptions."""

    day = models.DateField(_("day"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    reason = models.CharField(_("reason"), max_length=255)

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} – {self.reason}"


class Milestone(models.TextChoices):
    SELF_REPORT_DUE = "self_report_due", _("Self-reports due")
    CIRCULATION = "circulation", _("Drafts circulated")
    MEETING_START = "meeting_start", _("Meetings from")
    MEETING_END = "meeting_end", _("Meetings until")
    APPRAISAL_DUE = "appraisal_due", _("Appraisal due")
    DECISION_DUE = "decision_due", _("Decision due")
    ANNOUNCEMENT = "announcement", _("Results announced")


@pghistory.track()
class ScheduleOverride(models.Model):
    """A unit's own date for one milestone, replacing the rule set's computed date."""

    period = models.ForeignKey(
        ReviewPeriod, on_delete=models.CASCADE, related_name="schedule_overrides"
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    milestone = models.CharField(_("milestone"), max_length=32, choices=Milestone.choices)
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "milestone"], name="schedule_override_unique"
            )
        ]


class SubjectClass(models.TextChoices):
    # The five subject classes of QĐ 366; each rule set maps them to its forms.
    COLLECTIVE = "collective", _("Collective")
    CENTRAL_CADRE = "central_cadre", _("Cadre managed by the Central Committee")
    LEADER = "leader", _("Leader or manager")
    NON_LEADER = "non_leader", _("Individual without a leadership post")
    OUTSIDE = "outside", _("Party member outside the political system")


class Eligibility(models.TextChoices):
    ELIGIBLE = "eligible", _("Reviewed and rated")
    NOT_REVIEWED = "not_reviewed", _("Not reviewed")
    NOT_RATED = "not_rated", _("Reviewed, not rated")
    CAPPED = "capped", _("Rated, not above “completed tasks”")


class QuotaGroup(models.Model):
    """Subjects of similar position and role among whom the 20% cap applies (R-Q2)."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="quota_groups")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    subject_class = models.CharField(max_length=16, choices=SubjectClass.choices)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("quota group")
        verbose_name_plural = _("quota groups")
        constraints = [
            models.UniqueConstraint(fields=["period", "name"], name="quotagroup_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Subject(models.Model):
    """A collective or an individual to be reviewed at one site in one period (R-E4)."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="subjects")
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="subjects", verbose_name=_("unit")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subjects",
        verbose_name=_("person"),
    )
    subject_class = models.CharField(
        _("subject class"), max_length=16, choices=SubjectClass.choices
    )
    quota_group = models.ForeignKey(
        QuotaGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="subjects"
    )
    eligibility = models.CharField(
        _("eligibility"), max_length=16, choices=Eligibility.choices, default=Eligibility.ELIGIBLE
    )
    eligibility_reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Rated on the results of the time actually worked, not capped (HD 43 §7.5).
    rated_on_time_worked = models.BooleanField(
        _("rated on the time actually worked"), default=False, db_default=False
    )
    eligibility_overridden = models.BooleanField(default=False)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    needs_residence_comment = models.BooleanField(_("needs a residence comment"), default=False)
    residence_comment = models.TextField(_("residence comment"), blank=True)
    residence_comment_from = models.CharField(
        _("commenting residence party cell"), max_length=255, blank=True
    )
    residence_comment_on = models.DateField(_("received on"), null=True, blank=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "person"],
                condition=models.Q(person__isnull=False),
                name="subject_unique_person_site",
            ),
            models.UniqueConstraint(
                fields=["period", "unit"],
                condition=models.Q(person__isnull=True),
                name="subject_unique_collective",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(subject_class="collective", person=None)
                    | (~models.Q(subject_class="collective") & models.Q(person__isnull=False))
                ),
                name="subject_collective_has_no_person",
            ),
        ]
        indexes = [models.Index(fields=["period", "unit"])]

    def __str__(self) -> str:
        return self.person.full_name if self.person_id else self.unit.name

    @property
    def is_collective(self) -> bool:
        return self.subject_class == SubjectClass.COLLECTIVE


class Suggestion(models.Model):
    """A point a superior level asks the subject to address (gợi ý kiểm điểm)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="suggestions")
    issuing_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("suggestion"))
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["created_at", "pk"]


class ReportStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    DRAFTING = "drafting", _("Drafting")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")


@pghistory.track(
    pghistory.InsertEvent(),
    # Autosaves would flood the history; status changes are what the audit needs.
    pghistory.UpdateEvent("status_changed", condition=pghistory.AnyChange("status")),
)
class Report(models.Model):
    """The self-review (Mẫu 2A/2B/2C) or collective report (Mẫu 01) of a subject."""

    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="report")
    form_code = models.CharField(_("form"), max_length=8)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.NOT_STARTED
    )
    # Free text per form section key; scores per criterion code; the degradation checklist
    # per item code ({"present": bool, "note": str}); carried-forward remediation status per
    # item id; answers per suggestion id. The rule set's form defines the keys.
    sections = models.JSONField(default=dict, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    checklist = models.JSONField(default=dict, blank=True)
    remediation = models.JSONField(default=dict, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    self_level = models.CharField(_("self-proposed level"), max_length=8, blank=True)
    total_points = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # Optimistic concurrency: every save must name the version it was based on.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    circulated_on = models.DateField(_("circulated on"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.form_code} – {self.subject}"


class ReportCount(models.Model):
    """Individual reports per (period, unit, status), kept by database triggers on reports and
    subjects (migration 0007) in the statement that changes them, whoever runs it: the
    progress table sums these rows by path prefix instead of grouping every report.

    No foreign-key constraints: a cascade deleting a period may delete these rows before the
    reports whose triggers then adjust them; a deleted period only leaves its counts behind."""

    period = models.ForeignKey(
        ReviewPeriod, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=16, choices=ReportStatus.choices)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "status"], name="reviews_reportcount_unique"
            )
        ]


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the original name is kept in the row, never trusted on disk.
    return f"attachments/{instance.report_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """Evidence attached to a report (products, documents)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, db_default=Now())


@pghistory.track()
class Circulation(models.Model):
    """A unit's drafts sent to the meeting's participants ahead of the meeting."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="circulations")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    meeting_on = models.DateField(_("meeting date"))
    circulated_on = models.DateField(_("circulated on"))
    lead_working_days = models.IntegerField()
    required_working_days = models.PositiveSmallIntegerField()
    circulated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="circulation_unique_unit")
        ]

    @property
    def lead_time_ok(self) -> bool:
        return self.lead_working_days >= self.required_working_days


class ResponseKind(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted (tiếp thu)")
    EXPLAINED = "explained", _("Explained (giải trình)")


class Comment(models.Model):
    """A participant's comment (góp ý) on a circulated report and the author's answer.

    Not tracked by pghistory: the history context records the acting user, which would
    de-anonymise anonymous comments. Anonymous comments store no author and only a date.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_anonymous = models.BooleanField(default=False)
    text = models.TextField(_("comment"))
    created_on = models.DateField(_("date"))
    response_kind = models.CharField(
        _("response"), max_length=16, choices=ResponseKind.choices, blank=True
    )
    response_text = models.TextField(_("response text"), blank=True)
    responded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["created_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_anonymous=False) | models.Q(author=None),
                name="comment_anonymous_has_no_author",
            )
        ]


class RemediationStatus(models.TextChoices):
    OPEN = "open", _("Not yet remedied")
    IN_PROGRESS = "in_progress", _("Being remedied")
    DONE = "done", _("Remedied")


@pghistory.track()
class RemediationItem(models.Model):
    """A shortcoming to remedy, carried into the subject's next review (section III)."""

    origin_period = models.ForeignKey(ReviewPeriod, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="remediation_items"
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="remediation_items"
    )
    text = models.TextField(_("shortcoming and measure"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RemediationStatus.choices, default="open"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(unit__isnull=False),
                name="remediation_has_owner",
            )
        ]


@pghistory.track()
class CentralCadre(models.Model):
    """A person managed by the Central Committee (cán bộ thuộc diện Trung ương quản lý).

    Enrolment reviews them in that subject class, and the rule set may assess the class each
    quarter (QĐ 366 Art. 15).
    """

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="central_cadre", verbose_name=_("person")
    )
    basis = models.CharField(_("basis"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("cadre managed by the Central Committee")
        verbose_name_plural = _("cadres managed by the Central Committee")

    def __str__(self) -> str:
        return self.person.full_name


@pghistory.track()
class QuarterResult(models.Model):
    """The competent level's result for one quarterly self-assessment (Mẫu 05)."""

    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="quarter_result")
    level = models.CharField(_("level"), max_length=8)
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("quarter result")
        verbose_name_plural = _("quarter results")

"""The organisation tree, the people in it and their memberships."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from documents.uploads import StagedUpload

from .text import given_name, nfc, search_key

VI_COLLATION = "vi-x-icu"


class UnitKind(models.TextChoices):
    # Levels are deliberately not hard-coded (tỉnh/huyện/xã changed in 2025): only kinds are.
    PARTY_COMMITTEE = "party_committee", _("Party committee (đảng bộ)")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Grassroots party committee")
    SECTION_COMMITTEE = "section_committee", _("Section party committee (đảng ủy bộ phận)")
    GRASSROOTS_CELL = "grassroots_cell", _("Grassroots party cell (chi bộ cơ sở)")
    PARTY_CELL = "party_cell", _("Party cell (chi bộ)")
    AGENCY = "agency", _("Agency (cơ quan)")
    DEPARTMENT = "department", _("Department / division (phòng, ban)")
    PUBLIC_SERVICE_UNIT = "public_service_unit", _("Public service unit")
    ENTERPRISE = "enterprise", _("Enterprise")
    LEADERSHIP_COLLECTIVE = "leadership_collective", _("Leadership collective")
    OTHER = "other", _("Other")


@pghistory.track()
class OrgUnit(MP_Node):
    """A node of the organisation tree: a party organisation, an agency or a unit."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255, db_collation=VI_COLLATION)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    staff_count = models.PositiveIntegerField(_("staff count (biên chế)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Collectives formed less than 6 months before the review are not rated (R-E2).
    established_on = models.DateField(_("established on"), null=True, blank=True)
    # Units whose work calendar is special (HD 43 §4) finish by the rule set's later date.
    has_special_calendar = models.BooleanField(
        _("special work calendar"), default=False, db_default=False
    )

    steplen = 4

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        permissions = [
            ("run_review", _("Run the review and meetings of the unit (secretary, chair)")),
            ("appraise", _("Appraise for the subtree (organisation officer)")),
            ("decide", _("Decide ratings for the subtree (competent authority)")),
            ("administer", _("Administer the subtree (roster, roles)")),
        ]
        indexes = [
            models.Index(
                fields=["path"], name="orgunit_path_prefix", opclasses=["text_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.code = nfc(self.code)
        self.name = nfc(self.name)
        super().save(*args, **kwargs)


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class PartyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXEMPT = "exempt", _("Exempt from party work and activities")
    SUSPENDED = "suspended", _("Suspended from party activities")


@pghistory.track()
class Person(models.Model):
    """An official, party member or employee; may be linked to a login."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    full_name = models.CharField(_("full name"), max_length=255, db_collation=VI_COLLATION)
    # Derived from full_name on save: Vietnamese lists sort by given name, then full name.
    given_name = models.CharField(max_length=64, db_collation=VI_COLLATION, editable=False)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    is_party_member = models.BooleanField(_("party member"), default=False)
    party_admission_date = models.DateField(_("party admission date"), null=True, blank=True)
    party_status = models.CharField(
        _("party status"),
        max_length=16,
        choices=PartyStatus.choices,
        default=PartyStatus.ACTIVE,
    )
    works_in_political_system = models.BooleanField(
        _("works in the political system"), default=True
    )
    has_leadership_post = models.BooleanField(_("holds a leadership post"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["given_name", "full_name", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_party_member=True) | models.Q(party_admission_date=None),
                name="person_admission_only_for_members",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.refresh_derived_names()
        super().save(*args, **kwargs)

    def refresh_derived_names(self) -> None:
        """Normalise the name to NFC and recompute the sort and search keys."""
        self.code = nfc(self.code)
        self.full_name = nfc(self.full_name)
        self.given_name = given_name(self.full_name)
        self.search_name = search_key(self.full_name)


class MembershipRole(models.TextChoices):
    SECRETARY = "secretary", _("Secretary (bí thư)")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary (phó bí thư)")
    COMMITTEE_MEMBER = "committee_member", _("Committee member (cấp ủy viên)")
    PARTY_MEMBER = "party_member", _("Party member (đảng viên)")
    HEAD = "head", _("Head (người đứng đầu)")
    DEPUTY_HEAD = "deputy_head", _("Deputy head (cấp phó)")
    STAFF = "staff", _("Civil servant / public employee")


@pghistory.track()
class Membership(models.Model):
    """A person's place in a unit; one person can hold several (R-E4)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=32, choices=MembershipRole.choices)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # Sinh hoạt tạm thời: the member attends this cell for a while but is rated at their
    # official cell (HD 43 §7.6), so this membership is never a review site.
    is_temporary = models.BooleanField(
        _("temporary attendance (sinh hoạt tạm thời)"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit", "role"], name="membership_unique_person_unit_role"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date=None)
                | models.Q(start_date=None)
                | models.Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()} – {self.unit}"


class AbsenceKind(models.TextChoices):
    SICK_LEAVE = "sick_leave", _("Sick leave")
    MATERNITY = "maternity", _("Maternity leave")
    OTHER = "other", _("Other absence")


@pghistory.track()
class Absence(models.Model):
    """A period away from work; long absences cap or suspend the rating (R-E3)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="absences", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AbsenceKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="absence_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_kind_display()} {self.start_date}–{self.end_date}"


class RoleChange(models.Model):
    """The audit trail of roles: every grant and withdrawal, by whom and when. (Roles are
    guardian permissions, whose table lives in a third-party app we do not migrate.)"""

    class Action(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REVOKED = "revoked", _("Revoked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=32)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["created_at", "pk"]


class RosterUpload(StagedUpload):
    """An uploaded roster on its way through a worker (see documents/uploads.py)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")

    class Meta(StagedUpload.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.file_name} → {self.unit_id} ({self.status})"

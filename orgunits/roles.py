"""Roles granted on a unit. Each is a django-guardian object permission on OrgUnit and
applies to the unit's whole subtree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SECRETARY = "secretary", _("Unit secretary / chair")
    ORG_OFFICER = "org_officer", _("Organisation officer")
    AUTHORITY = "authority", _("Competent authority")
    ADMINISTRATOR = "administrator", _("Administrator")


ROLE_PERMISSION: dict[str, str] = {
    Role.SECRETARY: "run_review",
    Role.ORG_OFFICER: "appraise",
    Role.AUTHORITY: "decide",
    Role.ADMINISTRATOR: "administer",
}
PERMISSION_ROLE: dict[str, str] = {perm: role for role, perm in ROLE_PERMISSION.items()}

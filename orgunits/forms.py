"""Forms of the orgunits app: shape only, the rules live in the services."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .roles import Role

ROSTER_SUFFIXES = (".xlsx", ".csv")


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx or .csv)"),
        help_text=_("Use the template: three sheets, or one table per .csv file."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(ROSTER_SUFFIXES), "data-testid": "roster-file"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in ROSTER_SUFFIXES:
            raise forms.ValidationError("Chỉ nhận tệp .xlsx hoặc .csv.", code="file_type")
        limit = settings.ROSTER_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"Tệp quá lớn ({filesizeformat(upload.size)}); tối đa {filesizeformat(limit)}.",
                code="file_size",
            )
        return upload


class RoleChangeForm(forms.Form):
    """Grant or withdraw a role on a unit (shape only; the service checks the rules)."""

    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example the decision that assigns the role."),
    )

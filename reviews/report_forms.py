"""Forms of the report pages: shapes only, the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgunits.limits import TEXT_LIMITS

from .models import ResponseKind


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Evidence file (PDF, PNG, JPG, DOCX, XLSX; at most 10 MB)"))


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=TEXT_LIMITS["comment"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    anonymous = forms.BooleanField(label=_("Send anonymously"), required=False)

    def __init__(self, *args, allow_anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_anonymous:
            del self.fields["anonymous"]


class ResponseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Answer"), choices=ResponseKind.choices)
    text = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=TEXT_LIMITS["comment"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SubmitForm(forms.Form):
    """Submitting locks the report: the author says so explicitly, as for deciding."""

    confirm = forms.BooleanField(
        label=_(
            "Submit the report? Once submitted you can no longer edit it, unless the secretary"
            " returns it to you."
        ),
        error_messages={"required": _("Tick the confirmation to submit the report.")},
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning"),
        max_length=TEXT_LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CentralCadreForm(forms.Form):
    is_central = forms.BooleanField(
        label=_("Cadre managed by the Central Committee"), required=False
    )
    basis = forms.CharField(
        label=_("Basis (decision number and date)"),
        max_length=TEXT_LIMITS["short_text"],
        required=False,
    )

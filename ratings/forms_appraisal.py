"""Forms of the appraisal, quota, decision and discipline pages: shape only, no rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgunits.limits import TEXT_LIMITS
from orgunits.models import OrgUnit
from reviews.models import RemediationStatus

from .models import DisciplineForm

LEVEL_CHOICES = [
    ("HTXS", _("HTXS – completed tasks excellently")),
    ("HTT", _("HTT – completed tasks well")),
    ("HT", _("HT – completed tasks")),
    ("KHT", _("KHT – did not complete tasks")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ChangeLevelForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=TEXT_LIMITS["reason"],
        widget=forms.TextInput(attrs={"placeholder": _("Reason (required)")}),
    )


class DecideForm(forms.Form):
    number = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput())
    override_reason = forms.CharField(
        label=_("Reason for deciding although some checks are not met"),
        help_text=_("Needed only when a subject still has an unmet check (e.g. no report)."),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I have checked the list: the decision cannot be edited afterwards, only cancelled "
            "and replaced by another decision."
        ),
        error_messages={"required": _("Tick the confirmation to issue the decision.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()


class PublishForm(forms.Form):
    """Publishing tells every person their level: it cannot be taken back."""

    confirm = forms.BooleanField(
        label=_(
            "Publish to everyone concerned: each person sees their level; this cannot be undone."
        ),
        error_messages={"required": _("Tick the confirmation to publish the results.")},
    )


class QuotaExceptionForm(forms.Form):
    SCOPE_GROUP, SCOPE_UNIT = "group", "unit"

    percent = forms.DecimalField(
        label=_("HTXS ratio allowed (% of those rated HTT)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        localize=False,
    )
    scope = forms.ChoiceField(
        label=_("Applies to"),
        choices=[
            (SCOPE_GROUP, _("This quota group")),
            (SCOPE_UNIT, _("Every quota group of the organisation")),
        ],
        initial=SCOPE_GROUP,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (the group's outstanding results)"),
        max_length=TEXT_LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=TEXT_LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DisciplineRecordForm(forms.Form):
    violation_date = forms.DateField(label=_("Date of the violation"), widget=DateInput())
    decision_date = forms.DateField(
        label=_("Date of the disciplinary decision"), widget=DateInput()
    )
    form = forms.ChoiceField(label=_("Form of discipline"), choices=DisciplineForm.choices)
    unit_at_time = forms.ModelChoiceField(
        label=_("Unit at the time of the violation"), queryset=OrgUnit.objects.none()
    )
    is_corruption = forms.BooleanField(label=_("Corruption case"), required=False)
    self_detected_remedied = forms.BooleanField(
        label=_("Self-detected and consequences remedied"), required=False
    )
    not_duty_related = forms.BooleanField(
        label=_("The violation is not related to the duties held"), required=False
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_LIMITS["description"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit_at_time"].queryset = units.order_by("path")

    def clean(self):
        data = super().clean()
        violated, decided = data.get("violation_date"), data.get("decision_date")
        if violated and decided and decided < violated:
            self.add_error("decision_date", _("The decision cannot precede the violation."))
        return data


class RemediationForm(forms.Form):
    text = forms.CharField(
        label=_("Shortcoming and remedy"),
        max_length=TEXT_LIMITS["remediation"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RemediationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=RemediationStatus.choices)


def _share_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        localize=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
    )


TARGETS_CHOICES = [
    ("", _("Not entered")),
    ("yes", _("Met")),
    ("no", _("Not met")),
]


class AppraisalFactsForm(forms.Form):
    """The facts of QĐ 366 Art. 11 the system cannot know; an empty share is "not known"."""

    tasks_completed_pct = _share_field(_("Tasks completed (%)"))
    tasks_on_time_pct = _share_field(_("Tasks completed on time (%)"))
    tasks_exceeded_pct = _share_field(_("Tasks exceeding the target (%)"))
    tasks_behind_pct = _share_field(_("Tasks behind schedule (%)"))
    unit_tasks_completed_pct = _share_field(_("Tasks of the unit led completed (%)"))
    socio_economic_targets = forms.ChoiceField(
        label=_("The 5 basic socio-economic targets"), choices=TARGETS_CHOICES, required=False
    )
    degradation_found = forms.BooleanField(label=_("Degradation found"), required=False)
    cadre_work_wrongdoing = forms.BooleanField(
        label=_("Wrongdoing in cadre work concluded"), required=False
    )
    disunity = forms.BooleanField(label=_("Internal disunity concluded"), required=False)
    position_seeking = forms.BooleanField(label=_("Buying posts or power"), required=False)
    prohibited_conduct = forms.BooleanField(
        label=_("Breach of what party members must not do, or of setting an example"),
        required=False,
    )
    low_confidence_pct = _share_field(_("Low-confidence votes (%), if not voted in the system"))
    low_confidence_source = forms.CharField(
        label=_("Source of the confidence vote"), max_length=300, required=False
    )
    reason = forms.CharField(
        label=_("Reason and source of the facts"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def initial_from(cls, facts) -> dict:
        if facts is None:
            return {}
        initial = {name: getattr(facts, name) for name in cls.base_fields if hasattr(facts, name)}
        met = facts.socio_economic_targets_met
        initial["socio_economic_targets"] = "" if met is None else ("yes" if met else "no")
        return initial

    def facts(self) -> dict:
        """The cleaned data as the service's facts mapping."""
        data = dict(self.cleaned_data)
        targets = data.pop("socio_economic_targets", "")
        data.pop("reason", None)
        data.pop("low_confidence_source", None)
        data["socio_economic_targets_met"] = {"yes": True, "no": False}.get(targets)
        return data


class RerateForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=LEVEL_CHOICES)
    number = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why the decided level was wrong"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()

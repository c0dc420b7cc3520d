"""Forms of the reviews app: shape only, the rules live in the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgunits.limits import TEXT_LIMITS
from orgunits.models import OrgUnit

from .models import Eligibility, Milestone, PeriodKind


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO, whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        # Indent by depth so the tree reads as a tree in a plain <select>.
        return f"{'— ' * (obj.depth - 1)}{obj.name} ({obj.code})"


class PeriodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—"), (1, "1"), (2, "2"), (3, "3"), (4, "4")],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only for quarterly assessments."),
    )
    scope = UnitChoiceField(label=_("Scope"), queryset=OrgUnit.objects.none())
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput())
    ruleset = forms.ChoiceField(label=_("Rule set"))

    def __init__(
        self,
        *args,
        units: QuerySet[OrgUnit],
        rulesets: Iterable[tuple[str, str]],
        default_ruleset: str,
        suggested: tuple[int, str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = units.order_by("path")
        self.fields["ruleset"].choices = list(rulesets)
        self.fields["ruleset"].initial = default_ruleset
        self.fields["year"].initial = timezone.localdate().year
        self.fields["kind"].initial = PeriodKind.ANNUAL
        if suggested is not None:
            year, title = suggested
            self.fields["ruleset"].help_text = _(
                "For the year %(year)s this rule set applies: %(title)s."
            ) % {"year": year, "title": title}
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"period-{name}")

    def clean(self) -> dict:
        data = super().clean()
        kind, quarter = data.get("kind"), data.get("quarter")
        if kind == PeriodKind.QUARTERLY and not quarter:
            self.add_error("quarter", _("A quarterly assessment needs its quarter."))
        elif kind and kind != PeriodKind.QUARTERLY and quarter:
            self.add_error("quarter", _("Only quarterly assessments have a quarter."))
        return data


class ScheduleOverrideForm(forms.Form):
    milestone = forms.ChoiceField(label=_("Milestone"), choices=Milestone.choices)
    day = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class CirculationForm(forms.Form):
    meeting_on = forms.DateField(
        label=_("Meeting date"),
        widget=DateInput(),
        help_text=_("The drafts started so far are sent to the meeting's participants today."),
    )

    def __init__(self, *args, initial_meeting: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if initial_meeting is not None:
            self.fields["meeting_on"].initial = initial_meeting


class EligibilityOverrideForm(forms.Form):
    eligibility = forms.ChoiceField(label=_("Eligibility"), choices=Eligibility.choices)
    # Required in the form and again in the service: an override always says why.
    reason = forms.CharField(
        label=_("Reason"),
        max_length=TEXT_LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SuggestionForm(forms.Form):
    text = forms.CharField(
        label=_("Suggestion"),
        max_length=TEXT_LIMITS["suggestion"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A point the report must address."),
    )


class ResidenceCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=TEXT_LIMITS["residence_comment"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    commenting_cell = forms.CharField(
        label=_("Commenting residence party cell"), max_length=255, required=False
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())


class PointSplitForm(forms.Form):
    """Each criteria group's maximum (one field per group), the provincial document and why."""

    decision = forms.CharField(
        label=_("Provincial document that sets the split"),
        max_length=TEXT_LIMITS["short_text"],
        help_text=_("Number, symbol and date of the province's decision or guidance."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=TEXT_LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, groups: Iterable[tuple[str, str, object]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for cls, code, initial in groups:
            self.fields[self.field_name(cls, code)] = forms.DecimalField(
                label=code,
                initial=initial,
                min_value=Decimal("0.5"),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=1,
            )

    @staticmethod
    def field_name(cls: str, code: str) -> str:
        return f"max__{cls}__{code}"

    def maxima(self) -> dict[str, dict[str, Decimal]]:
        found: dict[str, dict[str, Decimal]] = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("max__"):
                _prefix, cls, code = name.split("__", 2)
                found.setdefault(cls, {})[code] = value
        return found

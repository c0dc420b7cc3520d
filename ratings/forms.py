"""Forms of the ratings app: shape only, the rules live in the services."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from orgunits.limits import MAX_INTEGER, RECEIPT_LENGTH, TEXT_LIMITS
from orgunits.models import Person
from reviews.forms import DateInput

from .models import Candidate, MeetingKind, RoundKind, RoundMode

DURATIONS = [("1.0", "1"), ("1.5", "1,5"), ("2.0", "2")]


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=255,
        required=False,
        help_text=_("Left empty, a title is made from the period and the unit."),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput())
    duration_days = forms.TypedChoiceField(
        label=_("Duration (days)"), choices=DURATIONS, coerce=Decimal, initial="1.0"
    )
    location = forms.CharField(label=_("Place"), max_length=255, required=False)

    def __init__(self, *args, suggested_kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = suggested_kind
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"meeting-{name}")

    def clean(self) -> dict:
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        return data


class AttendanceForm(forms.Form):
    person = forms.IntegerField(min_value=1, max_value=MAX_INTEGER)
    present = forms.TypedChoiceField(
        choices=[("1", _("Present")), ("0", _("Absent"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(max_length=255, required=False)


class CountingCommitteeForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("Vote-counting committee"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, people: QuerySet[Person], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people


class ConclusionForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Chair's conclusion"),
        required=False,
        max_length=TEXT_LIMITS["conclusion"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AgendaMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class RoundForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of round"), choices=RoundKind.choices)
    mode = forms.ChoiceField(label=_("Ballots"), choices=RoundMode.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"round-{name}")


def choice_field_name(candidate: Candidate) -> str:
    return f"c-{candidate.pk}"


class BallotForm(forms.Form):
    """One ballot paper: a required choice among the round's options per candidate."""

    receipt = forms.CharField(required=False, max_length=RECEIPT_LENGTH, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        candidates: Sequence[Candidate],
        options: Iterable[dict[str, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        choices = [(o["code"], o["label"]) for o in options]
        for candidate in self.candidates:
            self.fields[choice_field_name(candidate)] = forms.ChoiceField(
                label=str(candidate.subject),
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose one option for this person.")},
            )

    def choices(self) -> dict[str, str]:
        """{candidate id: option code}, for the service; only after is_valid()."""
        return {str(c.pk): self.cleaned_data[choice_field_name(c)] for c in self.candidates}


def count_field_name(candidate: Candidate, code: str) -> str:
    return f"n-{candidate.pk}-{code}"


class PaperCountForm(forms.Form):
    """One committee member's entry of the hand count: the figures and candidate × option."""

    issued = forms.IntegerField(label=_("Ballots issued"), min_value=0, max_value=MAX_INTEGER)
    returned = forms.IntegerField(label=_("Ballots returned"), min_value=0, max_value=MAX_INTEGER)
    valid = forms.IntegerField(label=_("Valid ballots"), min_value=0, max_value=MAX_INTEGER)
    invalid = forms.IntegerField(label=_("Invalid ballots"), min_value=0, max_value=MAX_INTEGER)

    def __init__(
        self,
        *args,
        candidates: Sequence[Candidate],
        options: Iterable[dict[str, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        self.codes = [o["code"] for o in options]
        for candidate in self.candidates:
            for code in self.codes:
                self.fields[count_field_name(candidate, code)] = forms.IntegerField(
                    label=f"{candidate.subject} – {code}",
                    min_value=0,
                    max_value=MAX_INTEGER,
                    initial=0,
                )

    def grid(self) -> list[tuple[Candidate, list[forms.BoundField]]]:
        return [
            (c, [self[count_field_name(c, code)] for code in self.codes]) for c in self.candidates
        ]

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            str(c.pk): {code: self.cleaned_data[count_field_name(c, code)] for code in self.codes}
            for c in self.candidates
        }

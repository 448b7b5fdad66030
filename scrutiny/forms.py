from __future__ import annotations

from datetime import timedelta

from django import forms

from .models import Action, ChallengeRecord


class CouncilChallengeForm(forms.ModelForm):
    class Meta:
        model = ChallengeRecord
        fields = ["classification", "council_comment", "questions"]
        widgets = {
            "classification": forms.RadioSelect,
            "council_comment": forms.Textarea(attrs={"rows": 6, "class": "govuk-textarea"}),
            "questions": forms.Textarea(attrs={"rows": 4, "class": "govuk-textarea"}),
        }


class ProviderResponseForm(forms.ModelForm):
    class Meta:
        model = ChallengeRecord
        fields = ["provider_response"]
        widgets = {
            "provider_response": forms.Textarea(attrs={"rows": 8, "class": "govuk-textarea"}),
        }


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["text", "owner", "due_date", "status"]
        labels = {"text": "Action", "due_date": "Due date"}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
            "owner": forms.TextInput(attrs={"class": "govuk-input govuk-!-width-one-half"}),
            "due_date": forms.DateInput(
                attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}
            ),
            "status": forms.Select(attrs={"class": "govuk-select"}),
        }
        error_messages = {
            "text": {"required": "Enter the action"},
            "due_date": {"invalid": "Enter the due date as a real date, for example 31/12/2016"},
        }


class PublishForm(forms.Form):
    presented_on = forms.DateField(
        label="Date of the panel meeting",
        widget=forms.DateInput(
            attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}
        ),
        error_messages={
            "required": "Enter the date of the panel meeting",
            "invalid": "Enter the date of the panel meeting as a real date",
        },
    )

    asked_to = forms.CharField(
        label="The panel is asked to",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "govuk-textarea"}),
        help_text="Printed on the paper's first page, as a council paper's recommendations "
        "are: for example, note the quarter's performance and agree the areas for challenge.",
    )

    def __init__(self, *args, quarter=None, **kwargs):
        self.quarter = quarter  # rules.ParsedPeriod: the quarter presented
        super().__init__(*args, **kwargs)

    def clean_presented_on(self):
        """A quarter is presented after it ends (its figures are in), and within two years."""
        meeting = self.cleaned_data["presented_on"]
        if self.quarter is not None:
            first = self.quarter.end + timedelta(days=1)
            last = first.replace(year=first.year + 2)
            if not first <= meeting <= last:
                raise forms.ValidationError(
                    f"Enter a meeting date from {first:%-d %B %Y}, after {self.quarter.label} "
                    f"ends, to {last:%-d %B %Y}"
                )
        return meeting

from __future__ import annotations

from datetime import timedelta

from crispy_forms_gds.layout import Field, Fixed, Fluid, Layout, Size
from django import forms

from core.forms import GovukForm

from .models import Action, ChallengeRecord

PLAIN_TEXT = "Plain text; leave a blank line between paragraphs."


class CouncilChallengeForm(GovukForm, forms.ModelForm):
    class Meta:
        model = ChallengeRecord
        fields = ["classification", "council_comment", "questions"]
        widgets = {"classification": forms.RadioSelect}
        labels = {"classification": "How does the council class this measure this quarter?"}
        help_texts = {"council_comment": f"The council's assessment of performance. {PLAIN_TEXT}"}

    def layout(self):
        return Layout(
            Field.radios("classification", legend_size=Size.MEDIUM, small=True),
            Field.textarea("council_comment", label_size=Size.MEDIUM, rows=6),
            Field.textarea("questions", label_size=Size.MEDIUM, rows=4),
        )


class ProviderResponseForm(GovukForm, forms.ModelForm):
    class Meta:
        model = ChallengeRecord
        fields = ["provider_response"]
        help_texts = {"provider_response": PLAIN_TEXT}

    def layout(self):
        return Layout(Field.textarea("provider_response", label_size=Size.MEDIUM, rows=8))


class ActionForm(GovukForm, forms.ModelForm):
    class Meta:
        model = Action
        fields = ["text", "owner", "due_date", "status"]
        labels = {"text": "Action", "due_date": "Due date"}
        # A date input's value is ISO 8601 whatever the site's own date format.
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "text": {"required": "Enter the action"},
            "due_date": {"invalid": "Enter the due date as a real date, for example 31/12/2016"},
        }

    def layout(self):
        return Layout(
            Field.textarea("text", rows=3),
            Field.text("owner", field_width=Fluid.ONE_HALF),
            Field.text("due_date", field_width=Fixed.TEN),
            Field.select("status"),
        )


class PublishForm(GovukForm, forms.Form):
    presented_on = forms.DateField(
        label="Date of the panel meeting",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date of the panel meeting",
            "invalid": "Enter the date of the panel meeting as a real date",
        },
    )

    asked_to = forms.CharField(
        label="The panel is asked to",
        required=False,
        max_length=4000,
        widget=forms.Textarea,
        help_text="Printed on the paper's first page, as a council paper's recommendations "
        "are: for example, note the quarter's performance and agree the areas for challenge.",
    )

    def __init__(self, *args, quarter=None, **kwargs):
        self.quarter = quarter  # rules.ParsedPeriod: the quarter presented
        super().__init__(*args, **kwargs)

    def layout(self):
        return Layout(
            Field.text("presented_on", field_width=Fixed.TEN), Field.textarea("asked_to", rows=4)
        )

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

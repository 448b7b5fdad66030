from __future__ import annotations

from django import forms

from .importers import KINDS


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        choices=list(KINDS.items()),
        initial="returns",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the file holds"},
    )
    file = forms.FileField(
        error_messages={
            "required": "Select a CSV or XLSX file",
            "empty": "The selected file is empty",
        }
    )
    provisional = forms.BooleanField(required=False)
    # A child-level return's: whose it is (where the file does not say), and an SSDA903's year.
    authority = forms.ChoiceField(required=False, choices=[("", "As the file says")])
    year = forms.CharField(required=False, max_length=10)

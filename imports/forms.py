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

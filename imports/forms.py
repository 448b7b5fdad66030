from __future__ import annotations

from crispy_forms_gds.layout import HTML, Field, Fixed, Layout, Size
from django import forms

from core.forms import GovukForm

from .importers import KINDS


class UploadForm(GovukForm, forms.Form):
    kind = forms.ChoiceField(
        label="What does the file hold?",
        choices=list(KINDS.items()),
        initial="returns",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the file holds"},
    )
    file = forms.FileField(
        label="File (CSV or XLSX), or a child-level return (XML or .zip)",
        help_text="UTF-8 or Windows (Excel) CSV, separated by commas, semicolons or tabs, or an "
        "Excel workbook. A child-level return: the census's XML, the SSDA903's XML, or either's "
        "files in one .zip.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,.xml,.zip,text/csv"}),
        error_messages={
            "required": "Select a CSV or XLSX file",
            "empty": "The selected file is empty",
        },
    )
    provisional = forms.BooleanField(required=False, label="These figures are provisional")
    # A child-level return's: whose it is (where the file does not say), and an SSDA903's year.
    authority = forms.ChoiceField(
        label="Whose return", required=False, choices=[("", "As the file says")]
    )
    year = forms.CharField(
        label="What an SSDA903 covers (if its dates do not say)",
        help_text="A financial year, such as 2016-17; or, for a return taken in-year, the "
        "quarter it runs to, such as 2017-18 Q3",
        required=False,
        max_length=10,
    )

    def layout(self):
        return Layout(
            Field.radios("kind", legend_size=Size.MEDIUM),
            Field.text("file", label_size=Size.MEDIUM),
            # A child-level return's own fields, folded away in GOV.UK's details component.
            HTML('{% include "imports/partials/child_level_open.html" %}'),
            Field.select("authority"),
            Field.text("year", field_width=Fixed.TEN),
            HTML("</div></details>"),
            Field.checkbox("provisional", small=True),
        )

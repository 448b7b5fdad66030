from __future__ import annotations

import django_filters
from django import forms
from django.utils.safestring import SafeString

from core.html import format_html, format_html_join
from core.widgets import Select
from indicators.models import Category, Indicator
from indicators.rules import Status
from indicators.spc import Assurance, Variation


class FilterForm(forms.Form):
    """The filter's selects side by side (outturn-filter), each in a GOV.UK form group with
    its label. Drawn here (`as_govuk`), not by crispy-forms-gds as the other forms are: a
    filter read from the address has no hint or width to show and one error only (a choice it
    does not offer), and crispy drew its three selects through a dozen templates, about 5 ms
    of the quarter view's first drawing after a write. tests/reports/test_quarter_page.py
    holds it to the GOV.UK markup."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "govuk-select"

    def as_govuk(self) -> SafeString:
        return format_html_join("", "{}", ((_group(field),) for field in self))


def _group(field) -> SafeString:
    """One select in its form group; a choice the filter does not offer (an address typed or
    kept from before) is said beside it, as GOV.UK shows an error, the select pointing at the
    message (Django marks it aria-invalid and describedby "<id>_error")."""
    errors = " ".join(field.errors)
    return format_html(
        '<div id="div_{}" class="govuk-form-group{} govuk-!-margin-bottom-0">'
        '<label for="{}" class="govuk-label">{}</label>{}{}</div>',
        field.auto_id,
        " govuk-form-group--error" if errors else "",
        field.id_for_label,
        field.label,
        format_html(
            '<p id="{}_error" class="govuk-error-message"><span class="govuk-visually-hidden">'
            "Error:</span> {}</p>",
            field.auto_id,
            errors,
        )
        if errors
        else "",
        field.as_widget(attrs={"class": "govuk-select govuk-select--error"} if errors else None),
    )


class MeasureFilter(django_filters.FilterSet):
    """Filter the quarter's measures by category, by their computed status and by their
    statistical signal (special cause concern, consistently failing…)."""

    category = django_filters.ModelChoiceFilter(
        label="Category",
        queryset=Category.objects.all(),
        empty_label="All categories",
        widget=Select,
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[(s.value, s.label) for s in Status],
        empty_label="All statuses",
        method="filter_status",
        widget=Select,
    )

    signal = django_filters.ChoiceFilter(
        label="Signal (SPC)",
        choices=[
            (Variation.CONCERN.value, "Special cause: concern"),
            (Variation.IMPROVEMENT.value, "Special cause: improvement"),
            (Assurance.CONSISTENT_FAIL.value, "Consistently failing the target"),
            (Assurance.CONSISTENT_PASS.value, "Consistently passing the target"),
        ],
        empty_label="Any signal",
        method="filter_signal",
        widget=Select,
    )

    class Meta:
        model = Indicator
        fields = ["category", "status", "signal"]
        form = FilterForm

    def __init__(self, *args, statuses: dict[int, Status], signals: dict[int, set], **kwargs):
        self.statuses = statuses
        self.signals = signals
        super().__init__(*args, **kwargs)

    def filter_signal(self, queryset, name, value):
        return queryset.filter(id__in=[i for i, found in self.signals.items() if value in found])

    def filter_status(self, queryset, name, value):
        return queryset.filter(id__in=[i for i, s in self.statuses.items() if s == value])

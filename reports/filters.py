from __future__ import annotations

import django_filters
from crispy_forms_gds.layout import Field, Layout
from django import forms

from core.forms import GovukForm
from indicators.models import Category, Indicator
from indicators.rules import Status
from indicators.spc import Assurance, Variation


class FilterForm(GovukForm, forms.Form):
    """The filter's fields side by side (outturn-filter), each a GOV.UK select."""

    def layout(self):
        return Layout(
            *(Field.select(name, wrapper_class="govuk-!-margin-bottom-0") for name in self.fields)
        )


class MeasureFilter(django_filters.FilterSet):
    """Filter the quarter's measures by category, by their computed status and by their
    statistical signal (special cause concern, consistently failing…)."""

    category = django_filters.ModelChoiceFilter(
        label="Category",
        queryset=Category.objects.all(),
        empty_label="All categories",
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[(s.value, s.label) for s in Status],
        empty_label="All statuses",
        method="filter_status",
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

from __future__ import annotations

import django_filters
from django import forms

from indicators.models import Category, Indicator
from indicators.rules import Status
from indicators.spc import Assurance, Variation


class MeasureFilter(django_filters.FilterSet):
    """Filter the quarter's measures by category, by their computed status and by their
    statistical signal (special cause concern, consistently failing…)."""

    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        empty_label="All categories",
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in Status],
        empty_label="All statuses",
        method="filter_status",
        widget=forms.Select(attrs={"class": "govuk-select"}),
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
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    class Meta:
        model = Indicator
        fields = ["category", "status", "signal"]

    def __init__(self, *args, statuses: dict[int, Status], signals: dict[int, set], **kwargs):
        self.statuses = statuses
        self.signals = signals
        super().__init__(*args, **kwargs)

    def filter_signal(self, queryset, name, value):
        return queryset.filter(id__in=[i for i, found in self.signals.items() if value in found])

    def filter_status(self, queryset, name, value):
        return queryset.filter(id__in=[i for i, s in self.statuses.items() if s == value])

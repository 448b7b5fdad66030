from __future__ import annotations

import django_filters
from django import forms

from indicators.models import Category, Indicator
from indicators.rules import Status


class MeasureFilter(django_filters.FilterSet):
    """Filter the quarter's measures by category and by their computed status."""

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

    class Meta:
        model = Indicator
        fields = ["category", "status"]

    def __init__(self, *args, statuses: dict[int, Status], **kwargs):
        self.statuses = statuses
        super().__init__(*args, **kwargs)

    def filter_status(self, queryset, name, value):
        return queryset.filter(id__in=[i for i, s in self.statuses.items() if s == value])

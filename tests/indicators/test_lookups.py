"""indicators.lookups.with_figures: what has a stored figure, by a semi-join, is exactly what a
DISTINCT over the join with the figures found (the compare, authority, measure and quarter
pages all ask it)."""

from __future__ import annotations

import pytest

from authorities.models import Authority
from indicators.lookups import with_figures
from indicators.models import Indicator, Period, Value

pytestmark = pytest.mark.django_db


def test_the_same_as_a_distinct_join_for_each_kind_of_thing_asked(demo):
    doncaster = Authority.objects.get(slug="doncaster")
    indicator = Value.objects.filter(authority=doncaster).first().indicator
    asked = [
        (Period.objects, {"indicator": indicator}, "value__indicator"),
        (Period.objects.filter(kind="quarter"), {"authority": doncaster}, "value__authority"),
        (Indicator.objects, {"authority": doncaster}, "value__authority"),
        (Authority.objects, {"indicator": indicator}, "value__indicator"),
    ]
    for queryset, of, joined in asked:
        found = list(with_figures(queryset, **of).order_by("pk"))
        by_join = list(
            queryset.filter(**{joined: next(iter(of.values()))}).distinct().order_by("pk")
        )
        assert found, (queryset.model, of)
        assert found == by_join, (queryset.model, of)


def test_conditions_on_the_figures_narrow_it(demo):
    indicator = Value.objects.first().indicator
    every = set(with_figures(Period.objects, indicator=indicator))
    england = set(with_figures(Period.objects, indicator=indicator, authority__kind="nation"))
    assert england <= every
    nowhere = with_figures(Period.objects, indicator=indicator, authority__kind="no such kind")
    assert not nowhere.exists()

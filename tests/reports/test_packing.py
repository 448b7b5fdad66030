"""What pages cache is pickled with its model objects packed (reports.caching.pickled):
read back, each is the object that was cached — every attribute, the database it came from,
the related objects it held — without a query, and one object named twice is one object."""

from __future__ import annotations

import pytest

from indicators.models import Target, Value
from reports.caching import pickled, unpickled
from reports.quarter import MeasureRow
from tests.factories import TargetFactory, ValueFactory, period

pytestmark = pytest.mark.django_db


def attributes(instance) -> dict:
    return {k: v for k, v in instance.__dict__.items() if k != "_state"}


def test_a_row_read_back_is_the_row_cached(django_assert_num_queries):
    value = ValueFactory(period=period("2016-17 Q2"), value=61.5, numerator=123, denominator=200)
    earlier = ValueFactory(
        authority=value.authority, indicator=value.indicator, period=period("2016-17 Q1")
    )
    TargetFactory(indicator=value.indicator, authority=value.authority)
    this = Value.objects.get(pk=value.pk)
    before = Value.objects.get(pk=earlier.pk)
    before.period = period("2016-17 Q1")  # as the quarter gives it the period before
    target = Target.objects.get(indicator=value.indicator, authority=value.authority)
    row = MeasureRow(indicator=value.indicator, value=this, previous=before, target=target)

    cached, same = unpickled(pickled([row, before]))
    with django_assert_num_queries(0):
        for name in ("value", "previous", "target"):
            original, back = getattr(row, name), getattr(cached, name)
            assert type(back) is type(original)
            assert attributes(back) == attributes(original), name
            assert back == original
            assert back._state.db == original._state.db == "default"
            assert back._state.adding is False
        assert cached.previous.period.code == "2016-17 Q1"  # held, not read again
        assert cached.value.numerator == 123
        assert same is cached.previous
        assert cached.indicator == value.indicator.pk  # a row names its measure by id


def test_anything_else_pickles_as_it_would():
    for value in [None, 0, 1.5, "text", [1, (2, 3)], {"a": {1, 2}}, period("2016-17 Q2").parsed]:
        assert unpickled(pickled(value)) == value

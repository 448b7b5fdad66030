"""indicators.bulk.lists_by: the same lists on both databases, whichever gathers them."""

from __future__ import annotations

import pytest

from indicators import bulk
from indicators.models import Value
from tests.factories import AuthorityFactory, IndicatorFactory, ValueFactory, period

pytestmark = pytest.mark.django_db


def test_a_columns_values_are_gathered_for_each_combination_of_the_keys():
    first, second = IndicatorFactory(), IndicatorFactory()
    q1, q2 = period("2016-17 Q1"), period("2016-17 Q2")
    for value, indicator, quarter in [
        (10.0, first, q1),
        (20.5, first, q1),
        (30.0, first, q2),
        (40.0, second, q1),
    ]:
        ValueFactory(authority=AuthorityFactory(), indicator=indicator, period=quarter, value=value)
    lists = bulk.lists_by(
        Value.objects.filter(value__isnull=False).order_by("-value"),
        ["indicator_id", "period_id"],
        "value",
    )
    assert {key: sorted(values) for key, values in lists.items()} == {
        (first.id, q1.id): [10.0, 20.5],
        (first.id, q2.id): [30.0],
        (second.id, q1.id): [40.0],
    }
    assert bulk.lists_by(Value.objects.none(), ["indicator_id"], "value") == {}

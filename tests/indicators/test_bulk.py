"""indicators.bulk.lists_by: the same lists on both databases, whichever gathers them."""

from __future__ import annotations

import pytest
from django.db import connection

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


def test_postgresql_hands_over_the_same_rows_in_binary_as_in_text(django_assert_num_queries):
    """The national distributions are read in PostgreSQL's binary format (a float array
    arrives as machine floats): the same numbers, to the last bit, as Django's own read in
    text, and one statement, counted as any other."""
    if connection.vendor != "postgresql":
        pytest.skip("binary results are PostgreSQL's; SQLite hands over rows as Python objects")
    from django.contrib.postgres.aggregates import ArrayAgg

    indicator, quarter = IndicatorFactory(), period("2016-17 Q1")
    awkward = [0.1 + 0.2, 1e-300, 123456.789, -0.0, 2.5, 1 / 3]
    for value in awkward:
        ValueFactory(authority=AuthorityFactory(), indicator=indicator, period=quarter, value=value)
    grouped = (
        Value.objects.filter(indicator=indicator)
        .order_by()
        .values("indicator_id", "period_id")
        .annotate(gathered=ArrayAgg("value"))
        .values_list("indicator_id", "period_id", "gathered")
    )
    with django_assert_num_queries(1) as logged:
        binary = bulk._binary_rows(grouped)
    assert "$1" not in logged.captured_queries[0]["sql"]  # logged with its parameters
    text = list(grouped)
    assert [(i, p, sorted(v)) for i, p, v in binary] == [(i, p, sorted(v)) for i, p, v in text]
    assert sorted(binary[0][2]) == sorted(awkward)
    assert all(type(v) is float for v in binary[0][2])
    assert bulk._binary_rows(grouped.none()) == []

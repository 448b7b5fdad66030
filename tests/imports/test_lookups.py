"""Every file's periods are read by one function, each spelling once."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from imports.lookups import parse_periods
from indicators.rules import PeriodKind


@pytest.mark.parametrize(
    ("kind", "texts", "codes", "errors"),
    [
        (None, ["Q2 2016/17", "2016-07", "2016/17"], ["2016-17 Q2", "2016-07", "2016-17"], {}),
        (
            PeriodKind.QUARTER,
            ["2016-17 Q2", "2016-17"],
            ["2016-17 Q2", None],
            {"2016-17": "is a year, not a quarter"},
        ),
        (
            PeriodKind.YEAR,
            ["2016/17", "2016-07"],
            ["2016-17", None],
            {"2016-07": "is a month, not a year"},
        ),
        (PeriodKind.YEAR, ["next year"], [None], {"next year": None}),
    ],
)
def test_periods_are_read_once_and_of_the_kind_asked_for(kind, texts, codes, errors):
    found, said = parse_periods(pd.Series(texts), kind)
    assert [None if isinstance(c, float) and math.isnan(c) else c for c in found] == codes
    assert set(said) == set(errors)
    for text, words in errors.items():
        if words:
            assert said[text] == words

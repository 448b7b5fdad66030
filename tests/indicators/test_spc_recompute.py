"""The recompute's SPC over every series at once (indicators.recompute.spc_columns: each
series laid out as a row, each prefix one pass, baselines and rebases) equals indicators.spc's
rules on one series for every figure, as the series stood at that figure. (The rules
themselves are written once, in spc, over rows.)"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import spc
from indicators.recompute import spc_columns

POLARITIES = ["higher_is_better", "lower_is_better", "none"]

segment = st.one_of(
    st.lists(st.integers(0, 12).map(float), max_size=10),  # noise
    st.integers(0, 5).map(lambda start: [float(start + i) for i in range(8)]),  # rising
    st.integers(7, 12).map(lambda start: [float(start - i) for i in range(8)]),  # falling
    st.tuples(st.integers(0, 12), st.integers(6, 9)).map(lambda c: [float(c[0])] * c[1]),
    st.just([6.0, 6.0, 11.0, 6.0, 11.0]),  # near a limit, twice in three
)
one_series = st.tuples(
    st.lists(segment, max_size=5).map(lambda parts: [v for part in parts for v in part][:40]),
    st.sampled_from(POLARITIES),
    st.one_of(st.none(), st.integers(0, 12).map(float)),
    # a rebase: the position the chart starts again at, and the points its limits are fixed on
    st.one_of(st.none(), st.tuples(st.integers(1, 30), st.one_of(st.none(), st.integers(2, 20)))),
)


def rebases_of(all_series) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator_id": 1,
                "authority_id": number,
                "kind": "quarter",
                "sequence": rebase[0],
                "fixed_points": rebase[1],
            }
            for number, (_, _, _, rebase) in enumerate(all_series)
            if rebase
        ],
        columns=["indicator_id", "authority_id", "kind", "sequence", "fixed_points"],
    )


def frame_of(all_series) -> pd.DataFrame:
    rows = []
    for number, (values, polarity, target, _) in enumerate(all_series):
        for sequence, value in enumerate(values or [1.0]):
            rows.append(
                {
                    "authority_id": number,
                    "indicator_id": 1,
                    "kind": "quarter",
                    "sequence": sequence,
                    "value": value,
                    "polarity": polarity,
                    "target": math.nan if target is None else target,
                }
            )
    return pd.DataFrame(rows)


@settings(max_examples=150, deadline=None)
@given(st.lists(one_series, min_size=1, max_size=6))
def test_every_figure_equals_the_pure_rules(all_series):
    computed = spc_columns(frame_of(all_series), rebases_of(all_series))
    for number, (values, polarity, target, rebase) in enumerate(all_series):
        values = values or [1.0]
        mine = computed[computed["authority_id"] == number].reset_index(drop=True)
        for k in range(len(values)):
            start, fixed = rebase if rebase and rebase[0] <= k else (0, None)
            prefix = values[start : k + 1]
            row = mine.loc[k]
            expected = spc.latest_variation(prefix, polarity, fixed)
            if expected is None:
                assert row["variation"] == ""
                assert math.isnan(row["spc_mean"])
                assert math.isnan(row["spc_points"])
                continue
            found = spc.limits(prefix, fixed)
            assert row["variation"] == expected, (prefix, polarity)
            assert row["spc_mean"] == pytest.approx(found.mean, abs=1e-6)
            assert row["spc_upper"] == pytest.approx(found.upper, abs=1e-6)
            assert row["spc_lower"] == pytest.approx(found.lower, abs=1e-6)
            assert row["spc_points"] == found.points
            assurance = spc.assurance(target, found, polarity)
            assert row["assurance"] == (assurance or ""), (prefix, target, polarity)


def test_a_figure_without_a_value_is_left_out_of_the_series():
    values = [10.0, 12.0] * 8
    frame = frame_of([(values, "higher_is_better", None, None)])
    gap = pd.DataFrame([{**frame.iloc[0].to_dict(), "sequence": 99, "value": math.nan}])
    computed = spc_columns(pd.concat([frame, gap], ignore_index=True))
    assert computed.iloc[-1]["variation"] == ""
    assert computed.iloc[-2]["variation"] == spc.Variation.COMMON_CAUSE

"""XmR rules (indicators/spc.py), table-driven from NHSRplotthedots' own tests and documented
behaviour, with hypothesis properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators import spc
from indicators.spc import Assurance, Variation


def _one(columns, *rows):
    """A column rule of indicators.spc on one series (a row of one)."""
    return columns(*(np.asarray([row]).reshape(1, -1) for row in rows))[0].tolist()


# ptd_seven_point_one_side_mean's cases: the 7th point of a run ends it.
RUN_CASES = [
    ([], []),
    ([1] * 6, [0] * 6),
    ([1] * 6 + [-1], [0] * 7),
    ([1] * 8 + [-1], [0] * 6 + [1, 1, 0]),
    ([-1] * 8 + [1], [0] * 6 + [1, 1, 0]),
    ([-1] + [1] * 8 + [-1], [0] * 7 + [1, 1, 0]),
    ([1] + [-1] * 8 + [1], [0] * 7 + [1, 1, 0]),
]


@pytest.mark.parametrize(("sides", "ends"), RUN_CASES)
def test_seven_points_on_one_side(sides, ends):
    assert _one(spc.run_end_columns, sides) == ends


# ptd_seven_point_trend's cases: +1 ends 7 rising points, -1 7 falling; a tie breaks it.
TREND_CASES = [
    ([], []),
    (list(range(1, 7)), [0] * 6),
    ([1, 2, 3, 3, 4, 5, 6], [0] * 7),
    (list(range(1, 8)), [0] * 6 + [1]),
    ([2, *range(1, 8), 3], [0] * 7 + [1, 0]),
    (list(range(7, 0, -1)), [0] * 6 + [-1]),
    ([2, *range(7, 0, -1), 3], [0] * 7 + [-1, 0]),
]


@pytest.mark.parametrize(("values", "ends"), TREND_CASES)
def test_seven_point_trends(values, ends):
    assert _one(spc.trend_end_columns, np.asarray(values, dtype=float)) == ends


def test_part_of_seven_marks_the_whole_run():
    assert _one(spc.part_of_seven_columns, [0] * 6) == [False] * 6
    ends = _one(spc.run_end_columns, [-1] + [1] * 8 + [-1])
    assert _one(spc.part_of_seven_columns, ends) == [False] + [True] * 8 + [False]
    falling = _one(spc.part_of_seven_columns, [0] * 6 + [-1])  # a falling trend counts too
    assert falling == [True] * 7


# ptd_two_in_three's cases (all three on one side of the mean).
TWO_IN_THREE_CASES = [
    ([], []),
    ([0, 0, 0], [0, 0, 0]),
    ([1, 0, 1], [1, 1, 1]),
    ([0, 1, 1], [1, 1, 1]),
    ([1, 1, 0], [1, 1, 1]),
    ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 1, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [0, 1, 1, 1, 1, 0, 0]),
]


@pytest.mark.parametrize(("near", "expected"), TWO_IN_THREE_CASES)
def test_two_in_three_near_a_limit(near, expected):
    found = _one(spc.two_in_three_columns, [bool(n) for n in near], [1] * len(near))
    assert found == [bool(e) for e in expected]


def test_two_in_three_needs_all_three_on_one_side():
    assert _one(spc.two_in_three_columns, [True, False, True], [1, -1, 1]) == [False] * 3


def test_limits_screen_large_moving_ranges():
    # moving ranges 1 x 18 and one of 40: mean 3.05; 40 >= 3.267 x 3.05, so it is screened
    values = [10, 11] * 9 + [10, 50]
    found = spc.limits(values)
    assert found.mean == pytest.approx(sum(values) / 20)
    assert found.upper - found.mean == pytest.approx(2.66 * 1.0)
    assert found.near_upper - found.mean == pytest.approx(2 * 2.66 / 3)


def test_limits_can_be_fixed_on_a_baseline():
    values = [10, 11] * 8 + [30] * 4
    assert spc.limits(values, fixed_points=16).mean == pytest.approx(10.5)
    assert spc.limits(values).mean > 10.5


STEADY = [10, 12] * 8  # 16 points, alternating: mean 11, limits 11 ± 5.32, nothing special


@pytest.mark.parametrize(
    ("tail", "polarity", "variation"),
    [
        ([], "higher_is_better", Variation.COMMON_CAUSE),
        ([30], "higher_is_better", Variation.IMPROVEMENT),  # above the upper limit
        ([30], "lower_is_better", Variation.CONCERN),
        ([30], "none", Variation.NEUTRAL_HIGH),
        ([-10], "higher_is_better", Variation.CONCERN),
        ([-10], "none", Variation.NEUTRAL_LOW),
        # seven in a row below the mean, inside the limits: a shift, concern when higher is better
        ([10.5] * 7, "higher_is_better", Variation.CONCERN),
        ([10.5] * 7, "lower_is_better", Variation.IMPROVEMENT),
        # two of three near the upper limit (between 2 and 3 sigma), on one side
        ([16, 11.6, 16], "higher_is_better", Variation.IMPROVEMENT),
    ],
)
def test_the_latest_points_variation(tail, polarity, variation):
    assert spc.latest_variation(STEADY + tail, polarity) == variation


def test_a_falling_trend_is_read_by_its_direction():
    values = [10, 12] * 8 + [13, 12.5, 12, 11.5, 11, 10.5, 10]
    assert spc.special_causes(values)[-1] == -1
    assert spc.latest_variation(values, "higher_is_better") == Variation.CONCERN


@pytest.mark.parametrize(
    ("points", "judged", "trial"),
    [(2, False, None), (11, False, None), (12, True, True), (14, True, True), (15, True, False)],
)
def test_limits_from_12_points_are_trial_until_15(points, judged, trial):
    """Issue 28, finding 13: as Making Data Count and NHSRplotthedots practise it."""
    values = [1.0, 2.0] * 10
    variation = spc.latest_variation(values[:points], "higher_is_better")
    assert (variation is not None) == judged
    if judged:
        assert spc.limits(values[:points]).trial is trial
        assert spc.limits(values[:points]).points == points
    assert spc.limits(values[:20], fixed_points=13).trial  # a baseline fixed on 13


@pytest.mark.parametrize(
    ("target", "polarity", "assurance"),
    [
        (20, "higher_is_better", Assurance.CONSISTENT_FAIL),  # above the upper limit
        (20, "lower_is_better", Assurance.CONSISTENT_PASS),
        (2, "higher_is_better", Assurance.CONSISTENT_PASS),  # below the lower limit
        (2, "lower_is_better", Assurance.CONSISTENT_FAIL),
        (11, "higher_is_better", Assurance.HIT_AND_MISS),
        (11, "none", None),
        (None, "higher_is_better", None),
    ],
)
def test_assurance_against_the_target(target, polarity, assurance):
    assert spc.assurance(target, spc.limits(STEADY), polarity) == assurance


series = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_subnormal=False),
    min_size=2,
    max_size=40,
)


@given(series)
def test_limits_are_symmetric_about_the_mean(values):
    found = spc.limits(values)
    assert math.isclose(found.upper - found.mean, found.mean - found.lower, abs_tol=1e-6)
    assert found.lower <= found.mean <= found.upper


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(2, 40))
def test_a_constant_series_has_no_special_cause(value, length):
    assert spc.special_causes([value] * length) == [0] * length


@given(series)
def test_mirroring_the_polarity_swaps_improvement_and_concern(values):
    swap = {Variation.IMPROVEMENT: Variation.CONCERN, Variation.CONCERN: Variation.IMPROVEMENT}
    for direction in spc.special_causes(values):
        higher = spc.point_variation(direction, "higher_is_better")
        lower = spc.point_variation(direction, "lower_is_better")
        assert lower == swap.get(higher, higher)


def test_a_series_points_variations_read_through_its_polarity():
    """A chart's points in one pass (`point_variations`): below, on and above the centre's
    run for each polarity, as the NHS's making-data-count icons read them."""
    directions = [-1, 0, 1, 1, 0]
    assert spc.point_variations(directions, "higher_is_better") == [
        Variation.CONCERN,
        Variation.COMMON_CAUSE,
        Variation.IMPROVEMENT,
        Variation.IMPROVEMENT,
        Variation.COMMON_CAUSE,
    ]
    assert spc.point_variations(directions, "lower_is_better") == [
        Variation.IMPROVEMENT,
        Variation.COMMON_CAUSE,
        Variation.CONCERN,
        Variation.CONCERN,
        Variation.COMMON_CAUSE,
    ]
    assert spc.point_variations(directions, "none") == [
        Variation.NEUTRAL_LOW,
        Variation.COMMON_CAUSE,
        Variation.NEUTRAL_HIGH,
        Variation.NEUTRAL_HIGH,
        Variation.COMMON_CAUSE,
    ]
    assert spc.point_variations([], "higher_is_better") == []


# Confidence intervals: values as published for the methods (Wilson 1927 as in Newcombe 1998,
# table I; Byar's approximation as in Fingertips' technical guidance).
@pytest.mark.parametrize(
    ("numerator", "denominator", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe's example 1
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_score_intervals(numerator, denominator, low, high):
    found = spc.wilson(numerator, denominator)
    assert found.low == pytest.approx(low, abs=1e-4)
    assert found.high == pytest.approx(high, abs=1e-4)


@pytest.mark.parametrize(
    ("count", "low", "high"),
    [(0, 0.0, 3.689), (10, 4.795, 18.390), (100, 81.36, 121.63)],
)
def test_byars_poisson_intervals(count, low, high):
    found = spc.byar(count)
    assert found.low == pytest.approx(low, abs=0.01)
    assert found.high == pytest.approx(high, abs=0.01)


def test_a_figure_interval_is_in_its_own_unit():
    percent = spc.figure_interval("percent", 12, 16)
    assert (round(percent.low), round(percent.high)) == (51, 90)
    rate = spc.figure_interval("rate_per_10000", 10, 20_000)
    assert rate.low == pytest.approx(4.795 / 2, abs=0.01)
    assert spc.figure_interval("count", 5, 10) is None
    assert spc.figure_interval("percent", None, 10) is None


@pytest.mark.parametrize(
    ("england", "polarity", "said"),
    [
        (60, "higher_is_better", spc.Significance.SIMILAR),
        (40, "higher_is_better", spc.Significance.BETTER),
        (40, "lower_is_better", spc.Significance.WORSE),
        (95, "higher_is_better", spc.Significance.WORSE),
        (95, "none", spc.Significance.LOWER),
        (None, "higher_is_better", None),
    ],
)
def test_against_england_through_the_polarity(england, polarity, said):
    interval = spc.figure_interval("percent", 12, 16)  # 51% to 90%
    assert spc.against_england(interval, england, polarity) == said

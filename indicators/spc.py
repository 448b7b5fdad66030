"""Statistical process control: XmR (individuals) charts by NHS England's "Making Data Count"
rules, as the NHS-R community's NHSRplotthedots computes them. Pure functions, no Django.
Each rule is written once, over rows of series at once (NumPy: one series per row, NaN where
a series has no point): the recompute calls them on every series of a national import, a
page on one; the one-series functions (`limits`, `special_causes`, `point_variation`,
`assurance`) are those same rules on a row of one.

- Limits: the mean of the points; the moving ranges |x[i] - x[i-1]|; moving ranges of 3.267
  times their mean or more are screened out and the mean moving range taken again; process
  limits at mean ± 2.66 × mean moving range, and "near" limits at two thirds of that.
- A point is special cause when it is outside a process limit, one of 7 or more points in a
  row on the same side of the mean, one of 7 or more points each higher (or each lower) than
  the one before, or a point between a near limit and its process limit with another within
  the three points around it, all three on the same side of the mean.
- A special-cause point is high or low by the side of the mean it sits on (by its direction,
  for a trend), and so improvement or concern through the indicator's polarity; a volumetric
  measure's is neutral high or low.
- Assurance against a target: the whole band between the limits on the better side of the
  target is a consistent pass; wholly on the worse side, a consistent fail; else hit and miss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .rules import Polarity

LIMIT = 2.66  # 3 / d2 for moving ranges of two points
NEAR = 2 * LIMIT / 3  # "two sigma"
SCREEN = 3.267  # D4: moving ranges at or above this multiple of their mean are screened out
RUN = 7  # points on one side of the mean, or rising or falling, that make a shift or trend
# Making Data Count's practice, as NHSRplotthedots follows it: limits may be drawn from 12
# points, but until 15 they are trial limits, said so wherever they are read; below 12 there
# are too few points for a control chart.
MIN_POINTS = 12
FIRM_POINTS = 15


class Variation(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"

    @property
    def label(self) -> str:
        return _VARIATION_WORDS[self][0]

    @property
    def symbol(self) -> str:
        return _VARIATION_WORDS[self][1]


_VARIATION_WORDS = {
    Variation.COMMON_CAUSE: ("Common cause variation: no significant change", "~"),
    Variation.IMPROVEMENT: ("Special cause: improvement", "▲"),
    Variation.CONCERN: ("Special cause: concern", "▼"),
    Variation.NEUTRAL_HIGH: ("Special cause: unusually high", "↑"),
    Variation.NEUTRAL_LOW: ("Special cause: unusually low", "↓"),
}


class Assurance(StrEnum):
    CONSISTENT_PASS = "consistent_pass"
    CONSISTENT_FAIL = "consistent_fail"
    HIT_AND_MISS = "hit_and_miss"

    @property
    def label(self) -> str:
        return {
            Assurance.CONSISTENT_PASS: "Consistently passing the target",
            Assurance.CONSISTENT_FAIL: "Consistently failing the target",
            Assurance.HIT_AND_MISS: "Hit and miss against the target",
        }[self]

    @property
    def symbol(self) -> str:
        return {
            Assurance.CONSISTENT_PASS: "P",
            Assurance.CONSISTENT_FAIL: "F",
            Assurance.HIT_AND_MISS: "?",
        }[self]


@dataclass(frozen=True)
class Limits:
    mean: float
    lower: float
    upper: float
    near_lower: float
    near_upper: float
    points: int  # how many figures the limits were drawn from

    @property
    def trial(self) -> bool:
        return is_trial(self.points)


def is_trial(points: int | None) -> bool:
    """Limits drawn from fewer than FIRM_POINTS figures are trial limits."""
    return points is not None and points < FIRM_POINTS


def limits(values: Sequence[float], fixed_points: int | None = None) -> Limits:
    """The XmR limits of `values` (in time order, at least two), from its first
    `fixed_points` only where the limits are fixed on a baseline."""
    mean, average, points = _one_series(values, fixed_points)
    return Limits(
        mean,
        mean - LIMIT * average,
        mean + LIMIT * average,
        mean - NEAR * average,
        mean + NEAR * average,
        points,
    )


def xmr(values: np.ndarray, begin: np.ndarray, fix: np.ndarray):
    """For each row of `values` (a series): its window from its baseline's first point
    `begin` (NaN before it), the mean of the baseline's points (its first `fix`, where
    fixed; 0: all) and their average moving range, moving ranges of SCREEN times the first
    average or more screened out. The mean is taken twice over, as R does (the second pass
    corrects the first's rounding), and a constant series' mean is its value exactly, so no
    point of it falls outside its limits."""
    k = values.shape[1]
    columns = np.arange(k)[None, :]
    in_group = columns >= begin[:, None]
    stats_end = np.where(fix > 0, np.minimum(k, begin + fix), k)
    window = np.where(in_group, values, np.nan)
    base = np.where(in_group & (columns < stats_end[:, None]), window, np.nan)
    counted_points = (stats_end - begin).astype("float64")
    first = np.nansum(base, axis=1) / counted_points
    mean = first + np.nansum(base - first[:, None], axis=1) / counted_points
    lowest, highest = np.nanmin(base, axis=1), np.nanmax(base, axis=1)
    mean = np.where(lowest == highest, lowest, mean)
    ranges = np.abs(np.diff(base, axis=1))
    average = np.nanmean(ranges, axis=1)
    kept = ranges < SCREEN * average[:, None]  # NaN ranges compare False: left out
    counted = kept.sum(axis=1)
    average = np.where(
        counted > 0, np.where(kept, ranges, 0).sum(axis=1) / np.maximum(counted, 1), 0
    )
    return window, mean, average


def _one_series(values: Sequence[float], fixed_points: int | None) -> tuple[float, float, int]:
    """`xmr` on one series: its mean, average moving range and how many points drew them."""
    points = min(fixed_points, len(values)) if fixed_points else len(values)
    if points < 2:
        raise ValueError("an XmR chart needs at least two points")
    _, mean, average = xmr(_row(values), np.zeros(1, dtype=np.int64), np.array([points]))
    return float(mean[0]), float(average[0]), points


def _row(values: Sequence[float]) -> np.ndarray:
    return np.asarray([values], dtype="float64").reshape(1, -1)


def run_end_columns(sides: np.ndarray) -> np.ndarray:
    """1 where the point ends 7 in a row on the same side of the mean (ptd_seven_point_one_
    side_mean), for each row of `sides` (+1, -1, or 0 on the mean)."""
    n = sides.shape[1]
    ends = np.zeros(sides.shape, dtype=np.int8)
    if n >= RUN:
        last = sides[:, RUN - 1 :]
        same = last != 0
        for back in range(1, RUN):
            same &= sides[:, RUN - 1 - back : n - back] == last
        ends[:, RUN - 1 :] = same
    return ends


def trend_end_columns(values: np.ndarray) -> np.ndarray:
    """+1 where the point ends 7 rising points (6 rises), -1 7 falling (ptd_seven_point_
    trend), for each row of `values`."""
    n = values.shape[1]
    ends = np.zeros(values.shape, dtype=np.int8)
    if n >= RUN:
        with np.errstate(invalid="ignore"):
            steps = np.sign(np.diff(values, axis=1))
        first = steps[:, : n - RUN + 1]
        same = (first == 1) | (first == -1)
        for later in range(1, RUN - 1):
            same &= steps[:, later : n - RUN + 1 + later] == first
        ends[:, RUN - 1 :] = np.where(same, first, 0)
    return ends


def part_of_seven_columns(ends: np.ndarray) -> np.ndarray:
    """Whether the point is one of the 7 of a run or trend ending at it or within 6 after
    (ptd_part_of_seven_trend)."""
    ending = np.abs(ends) == 1
    part = np.zeros(ends.shape, dtype=bool)
    n = ends.shape[1]
    for later in range(min(RUN, n)):
        part[:, : n - later] |= ending[:, later:]
    return part


def two_in_three_columns(near: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """Whether a window of 3 points holding this one has 2 or more near a limit, all 3 on the
    same side of the mean (ptd_two_in_three)."""
    n = near.shape[1]
    found = np.zeros(near.shape, dtype=bool)
    if n < 3:
        return found
    count = near[:, :-2].astype(int) + near[:, 1:-1] + near[:, 2:]
    side = sides[:, :-2] + sides[:, 1:-1] + sides[:, 2:]
    with np.errstate(invalid="ignore"):
        holds = (count >= 2) & (np.abs(side) == 3)  # window starting at each point
    for offset in range(3):  # the windows starting 0, 1 and 2 points before
        found[:, offset : n - 2 + offset] |= holds
    return found


def directions(values: np.ndarray, mean: np.ndarray, average: np.ndarray) -> np.ndarray:
    """For each point of each row: +1 special cause high (or rising), -1 low (or falling),
    0 common cause, against its row's `mean` and average moving range. The first rule that
    applies, in NHSRplotthedots' order: outside a limit (its side), part of a 7-point trend
    (its direction), part of 2 in 3 near a limit (its side), part of 7 points on one side of
    the mean (its side). NaN points (before a baseline) meet no rule."""
    mean, average = mean[:, None], average[:, None]
    upper, lower = mean + LIMIT * average, mean - LIMIT * average
    with np.errstate(invalid="ignore"):
        sides = np.nan_to_num(np.sign(values - mean)).astype(np.int8)
        outside = (values > upper) | (values < lower)
        near = ~outside & ((values < mean - NEAR * average) | (values > mean + NEAR * average))
        steps = np.nan_to_num(np.sign(np.diff(values, axis=1))).astype(np.int8)
    run = part_of_seven_columns(run_end_columns(sides))
    trend = part_of_seven_columns(trend_end_columns(values))
    close = two_in_three_columns(near, sides) & near
    # A point inside a trend takes the step out of it; its last point the step in.
    none = np.zeros((len(values), 1), dtype=np.int8)
    later = np.concatenate([trend[:, 1:], none.astype(bool)], axis=1)
    step = np.where(
        later, np.concatenate([steps, none], axis=1), np.concatenate([none, steps], axis=1)
    )
    return np.select([outside, trend, close | run], [sides, step, sides], default=0)


def variations(direction: np.ndarray, computed: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    """Each signal's variation, read through its measure's polarity (neutral for a volumetric
    measure); "" where there were too few points (`computed` False)."""
    better = np.where(polarity == Polarity.HIGHER_IS_BETTER, 1, -1)
    return np.select(
        [
            ~computed,
            direction == 0,
            (polarity == Polarity.NONE) & (direction > 0),
            polarity == Polarity.NONE,
            direction == better,
        ],
        [
            "",
            Variation.COMMON_CAUSE,
            Variation.NEUTRAL_HIGH,
            Variation.NEUTRAL_LOW,
            Variation.IMPROVEMENT,
        ],
        default=Variation.CONCERN,
    ).astype(object)


def assurances(
    target: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    computed: np.ndarray,
    polarity: np.ndarray,
) -> np.ndarray:
    """Whether each process will consistently meet its target: the limits wholly on the
    better side of it, wholly on the worse side, or neither; "" without limits, a target,
    or a better direction."""
    higher = polarity == Polarity.HIGHER_IS_BETTER
    with np.errstate(invalid="ignore"):
        return np.select(
            [
                ~computed | np.isnan(target) | (polarity == Polarity.NONE),
                (target > upper) & higher,
                target > upper,
                (target < lower) & higher,
                target < lower,
            ],
            [
                "",
                Assurance.CONSISTENT_FAIL,
                Assurance.CONSISTENT_PASS,
                Assurance.CONSISTENT_PASS,
                Assurance.CONSISTENT_FAIL,
            ],
            default=Assurance.HIT_AND_MISS,
        ).astype(object)


# The rules above on one series.


def special_causes(values: Sequence[float], fixed_points: int | None = None) -> list[int]:
    """For each point of one series: +1 special cause high (or rising), -1 low (or falling),
    0 common cause, against the series' limits (`directions`)."""
    mean, average, _ = _one_series(values, fixed_points)
    return directions(_row(values), np.array([mean]), np.array([average]))[0].tolist()


def point_variation(direction: int, polarity: str) -> Variation:
    """A point's variation: common cause, or special cause read through the polarity."""
    return point_variations([direction], polarity)[0]


def point_variations(directions: Sequence[int], polarity: str) -> list[Variation]:
    """Each point's variation in a series of one measure, in one pass over the column (a
    chart's forty points, one array each, were a twentieth of a measure page's drawing)."""
    found = variations(
        np.asarray(directions, dtype=int),
        np.ones(len(directions), dtype=bool),
        np.full(len(directions), polarity, dtype=object),
    )
    return [Variation(v) for v in found]


def latest_variation(
    values: Sequence[float], polarity: str, fixed_points: int | None = None
) -> Variation | None:
    """The variation of the last point of `values`, as the series stood then; None with
    fewer than MIN_POINTS points."""
    if len(values) < MIN_POINTS:
        return None
    return point_variation(special_causes(values, fixed_points)[-1], polarity)


def assurance(target: float | None, found: Limits, polarity: str) -> Assurance | None:
    """Whether the process will consistently meet `target`; None without a target or for a
    volumetric measure."""
    said = assurances(
        np.array([np.nan if target is None else target], dtype="float64"),
        np.array([found.lower]),
        np.array([found.upper]),
        np.array([True]),
        np.array([polarity]),
    )[0]
    return Assurance(said) if said else None


# Confidence intervals, as OHID's Fingertips computes them: Wilson's score interval for a
# proportion, Byar's approximation to the Poisson interval for a rate (exact at zero).
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(numerator: float, denominator: float, z: float = Z95) -> Interval:
    """95% Wilson score interval of numerator / denominator, as a proportion (0 to 1)."""
    if denominator <= 0 or numerator < 0 or numerator > denominator:
        raise ValueError("a proportion needs 0 <= numerator <= denominator and denominator > 0")
    p = numerator / denominator
    centre = p + z * z / (2 * denominator)
    spread = z * math.sqrt(p * (1 - p) / denominator + z * z / (4 * denominator * denominator))
    scale = 1 + z * z / denominator
    return Interval(max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale))


def byar(count: float, z: float = Z95) -> Interval:
    """95% interval of a Poisson count by Byar's method (the exact upper limit at zero)."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    if count == 0:
        return Interval(0.0, -math.log(0.025))  # exact: P(X = 0 | mean) = 2.5%
    low = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    following = count + 1
    high = following * (1 - 1 / (9 * following) + z / (3 * math.sqrt(following))) ** 3
    return Interval(max(0.0, low), high)


RATE_BASES = {"rate_per_10000": 10_000, "rate_per_1000": 1_000}


def figure_interval(unit: str, numerator, denominator) -> Interval | None:
    """The 95% interval of a figure in its own unit (per cent, or per 10,000…), where its
    numerator and denominator are known; None otherwise."""
    if numerator is None or denominator is None or denominator <= 0 or numerator < 0:
        return None
    if unit == "percent":
        if numerator > denominator:
            return None
        found = wilson(numerator, denominator)
        return Interval(100 * found.low, 100 * found.high)
    if unit in RATE_BASES:
        found = byar(numerator)
        base = RATE_BASES[unit]
        return Interval(found.low / denominator * base, found.high / denominator * base)
    return None


class Significance(StrEnum):
    BETTER = "better"
    SIMILAR = "similar"
    WORSE = "worse"
    HIGHER = "higher"
    LOWER = "lower"

    @property
    def label(self) -> str:
        return {
            Significance.BETTER: "Significantly better than England",
            Significance.SIMILAR: "Similar to England",
            Significance.WORSE: "Significantly worse than England",
            Significance.HIGHER: "Significantly higher than England",
            Significance.LOWER: "Significantly lower than England",
        }[self]


def against_england(interval: Interval | None, england: float | None, polarity: str):
    """Fingertips' comparison: England outside the figure's 95% interval is a significant
    difference, better or worse through the polarity (higher or lower for a volumetric
    measure); inside it, similar. None without an interval or an England figure."""
    if interval is None or england is None:
        return None
    if interval.low <= england <= interval.high:
        return Significance.SIMILAR
    above = interval.low > england
    if polarity == "none":
        return Significance.HIGHER if above else Significance.LOWER
    return Significance.BETTER if above == (polarity == "higher_is_better") else Significance.WORSE

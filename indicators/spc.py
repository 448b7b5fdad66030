"""Statistical process control: XmR (individuals) charts by NHS England's "Making Data Count"
rules, as the NHS-R community's NHSRplotthedots computes them. Pure functions, no Django: the
recompute applies the same rules to whole columns (indicators/recompute.py), and
tests/indicators/test_spc.py holds the two to each other.

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
    base = list(values[:fixed_points] if fixed_points else values)
    if len(base) < 2:
        raise ValueError("an XmR chart needs at least two points")
    mean = _mean(base)
    ranges = [abs(b - a) for a, b in zip(base, base[1:], strict=False)]
    average = sum(ranges) / len(ranges)
    kept = [r for r in ranges if r < SCREEN * average]
    average = sum(kept) / len(kept) if kept else 0.0
    return Limits(
        mean,
        mean - LIMIT * average,
        mean + LIMIT * average,
        mean - NEAR * average,
        mean + NEAR * average,
        len(base),
    )


def _mean(values: Sequence[float]) -> float:
    """The mean as R computes it (a second pass corrects the first's rounding), so a constant
    series' mean is exactly its value and no point of it falls outside its limits."""
    first = math.fsum(values) / len(values)
    return first + math.fsum(v - first for v in values) / len(values)


def _side(value: float, mean: float) -> int:
    return (value > mean) - (value < mean)


def run_ends(sides: Sequence[int]) -> list[int]:
    """1 where the point ends 7 in a row on the same side of the mean (ptd_seven_point_one_
    side_mean)."""
    return [
        int(
            i >= RUN - 1
            and sides[i] != 0
            and all(sides[j] == sides[i] for j in range(i - RUN + 1, i))
        )
        for i in range(len(sides))
    ]


def trend_ends(values: Sequence[float]) -> list[int]:
    """+1 where the point ends 7 rising points (6 rises), -1 7 falling (ptd_seven_point_trend)."""
    ends = []
    for i in range(len(values)):
        steps = (
            {_side(values[j], values[j - 1]) for j in range(i - RUN + 2, i + 1)}
            if i >= RUN - 1
            else {0}
        )
        ends.append(steps.pop() if len(steps) == 1 and 0 not in steps else 0)
    return ends


def part_of_seven(ends: Sequence[int]) -> list[bool]:
    """Whether the point is one of the 7 of a run or trend ending at it or within 6 after
    (ptd_part_of_seven_trend)."""
    return [any(abs(e) == 1 for e in ends[i : i + RUN]) for i in range(len(ends))]


def two_in_three(near: Sequence[bool], sides: Sequence[int]) -> list[bool]:
    """Whether a window of 3 points holding this one has 2 or more near a limit, all 3 on the
    same side of the mean (ptd_two_in_three)."""
    n = len(near)
    found = []
    for i in range(n):
        windows = [range(start, start + 3) for start in (i - 2, i - 1, i)]
        found.append(
            any(
                sum(near[j] for j in w if 0 <= j < n) >= 2
                and abs(sum(sides[j] for j in w if 0 <= j < n)) == 3
                for w in windows
            )
        )
    return found


def special_causes(values: Sequence[float], fixed_points: int | None = None) -> list[int]:
    """For each point: +1 special cause high (or rising), -1 low (or falling), 0 common cause.
    The first rule that applies, in NHSRplotthedots' order: outside a limit (its side), part
    of a 7-point trend (its direction), part of 2 in 3 near a limit (its side), part of 7
    points on one side of the mean (its side)."""
    found = limits(values, fixed_points)
    n = len(values)
    sides = [_side(v, found.mean) for v in values]
    outside = [v > found.upper or v < found.lower for v in values]
    near = [
        not out and (v < found.near_lower or v > found.near_upper)
        for v, out in zip(values, outside, strict=True)
    ]
    run = part_of_seven(run_ends(sides))
    trend = part_of_seven(trend_ends(values))
    close = [t and c for t, c in zip(two_in_three(near, sides), near, strict=True)]
    directions = []
    for i in range(n):
        if outside[i]:
            directions.append(sides[i])
        elif trend[i]:
            # A point inside a trend takes the step out of it; its last point the step in.
            later = i + 1 < n and trend[i + 1]
            step = (values[i + 1], values[i]) if later else (values[i], values[i - 1])
            directions.append(_side(*step))
        elif close[i] or run[i]:
            directions.append(sides[i])
        else:
            directions.append(0)
    return directions


def point_variation(direction: int, polarity: str) -> Variation:
    """A point's variation: common cause, or special cause read through the polarity."""
    if direction == 0:
        return Variation.COMMON_CAUSE
    if polarity == "none":
        return Variation.NEUTRAL_HIGH if direction > 0 else Variation.NEUTRAL_LOW
    better = 1 if polarity == "higher_is_better" else -1
    return Variation.IMPROVEMENT if direction == better else Variation.CONCERN


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
    if target is None or math.isnan(target) or polarity == "none":
        return None
    higher = polarity == "higher_is_better"
    if target > found.upper:
        return Assurance.CONSISTENT_FAIL if higher else Assurance.CONSISTENT_PASS
    if target < found.lower:
        return Assurance.CONSISTENT_PASS if higher else Assurance.CONSISTENT_FAIL
    return Assurance.HIT_AND_MISS


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

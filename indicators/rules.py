"""The domain rules, as pure functions: status against target and tolerance, direction of
travel, hard to shift, and period parsing. Nothing here touches the database or the clock,
so every rule is tested with plain values (tests/indicators/test_rules.py)."""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property, lru_cache

import numpy as np


class Polarity(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NONE = "none"  # volumetric context measures: no better direction, never a target

    @property
    def label(self) -> str:
        return {
            "higher_is_better": "Higher is better",
            "lower_is_better": "Lower is better",
            "none": "No polarity (volumetric)",
        }[self.value]


class Status(StrEnum):
    """Values are the export codes used in every CSV."""

    ON_TARGET = "on_target"
    WITHIN_TOLERANCE = "within_tolerance"
    OUTSIDE_TOLERANCE = "outside_tolerance"
    NO_TARGET = "no_target"
    NO_VALUE = "no_value"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self][0]

    @property
    def symbol(self) -> str:
        """A shape as well as a colour, so status never rests on colour alone."""
        return _STATUS_LABELS[self][1]


_STATUS_LABELS = {
    Status.ON_TARGET: ("On or better than target", "✓"),
    Status.WITHIN_TOLERANCE: ("Within tolerance", "!"),
    Status.OUTSIDE_TOLERANCE: ("Outside tolerance", "✗"),
    Status.NO_TARGET: ("No target set", "–"),
    Status.NO_VALUE: ("No value", "○"),
}


class Direction(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    UNCHANGED = "unchanged"
    UP = "up"  # for polarity none, where neither way is better
    DOWN = "down"

    @property
    def label(self) -> str:
        return {
            "better": "Better",
            "worse": "Worse",
            "unchanged": "Unchanged",
            "up": "Up",
            "down": "Down",
        }[self.value]

    @property
    def symbol(self) -> str:
        return {"better": "▲", "worse": "▼", "unchanged": "▶", "up": "↑", "down": "↓"}[self.value]


class TargetError(ValueError):
    """Why a target cannot be used, and which of its two numbers (`field`) to mend."""

    def __init__(self, message: str, field: str = "tolerance"):
        super().__init__(message)
        self.field = field


def validate_target(
    target: float | None, tolerance: float | None, polarity: Polarity, unit: str
) -> None:
    """Raise TargetError with a sentence a person can act on if the pair cannot be used: each
    number must be one a figure in `unit` can be (a target of 250% or -50 is a slip, and one
    of 1e308 would be stored for every reader), and the two must face the polarity."""
    for field, number in (("target", target), ("tolerance", tolerance)):
        problem = None if number is None else implausible_value(number, unit)
        if problem:
            raise TargetError(f"The {field} {problem}.", field=field)
    if target is None:
        if tolerance is not None:
            raise TargetError("A tolerance needs a target: enter the target as well.", "target")
        return
    if polarity == Polarity.NONE:
        raise TargetError(
            "This indicator has no polarity (it is a volumetric measure), so it cannot "
            "have a target.",
            field="target",
        )
    if tolerance is None:
        return
    if polarity == Polarity.HIGHER_IS_BETTER and tolerance > target:
        raise TargetError(
            f"Higher is better for this indicator, so the tolerance ({tolerance:g}) must be "
            f"at or below the target ({target:g})."
        )
    if polarity == Polarity.LOWER_IS_BETTER and tolerance < target:
        raise TargetError(
            f"Lower is better for this indicator, so the tolerance ({tolerance:g}) must be "
            f"at or above the target ({target:g})."
        )


# Each rule below is written once, over columns (NumPy arrays: NaN for no figure, "" for no
# status), so the recompute judges a national return at once; the one-figure functions call
# the same code on a column of one.


def _column(number: float | None) -> np.ndarray:
    return np.array([np.nan if number is None else number], dtype="float64")


def statuses(
    value: np.ndarray,
    target: np.ndarray,
    tolerance: np.ndarray,
    polarity: np.ndarray,
    reported: np.ndarray | None = None,
) -> np.ndarray:
    """Judge a column of figures (see status_for for the rule in words). A status `reported`
    without its figure stands only while there is no figure."""
    value, target, tolerance = (np.asarray(c, dtype="float64") for c in (value, target, tolerance))
    polarity = np.asarray(polarity, dtype=object)
    reported = np.full(len(value), "", dtype=object) if reported is None else np.asarray(reported)
    sign = np.where(polarity == Polarity.HIGHER_IS_BETTER, 1.0, -1.0)
    no_value = np.isnan(value)
    with np.errstate(invalid="ignore"):
        on_target = sign * value >= sign * target
        within = ~np.isnan(tolerance) & (sign * value >= sign * tolerance)
    return np.select(
        [
            no_value & (reported != ""),
            (polarity == Polarity.NONE) | np.isnan(target),
            no_value,
            on_target,
            within,
        ],
        [reported, Status.NO_TARGET, Status.NO_VALUE, Status.ON_TARGET, Status.WITHIN_TOLERANCE],
        default=Status.OUTSIDE_TOLERANCE,
    ).astype(object)


def status_for(
    value: float | None,
    target: float | None,
    tolerance: float | None,
    polarity: Polarity,
) -> Status:
    """Judge one value. Boundaries count as the better status: a value equal to the target is
    on target and one equal to the tolerance is within tolerance. No tolerance means anything
    worse than target is outside tolerance. A measure with no target is "no target set" whether
    or not it has a value; "no value" is only said where there is something to judge against."""
    return effective_status(value, target, tolerance, polarity)


def effective_status(
    value: float | None,
    target: float | None,
    tolerance: float | None,
    polarity: Polarity,
    reported_status: Status | None = None,
) -> Status:
    """The status to store: a status published without its figure stands only while there is
    no figure; otherwise the rule decides."""
    reported = np.array([reported_status or ""], dtype=object)
    judged = statuses(_column(value), _column(target), _column(tolerance), [polarity], reported)
    return Status(judged[0])


def directions(current: np.ndarray, previous: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    """Direction of travel for a column of figures against the figure each is compared with
    (NaN where there is none: see comparable_previous): better, worse or unchanged through
    the polarity, up or down for a volumetric measure; "" where either figure is missing."""
    change = np.asarray(current, dtype="float64") - np.asarray(previous, dtype="float64")
    polarity = np.asarray(polarity, dtype=object)
    higher = polarity == Polarity.HIGHER_IS_BETTER
    volumetric = polarity == Polarity.NONE
    return np.select(
        [
            np.isnan(change),
            change == 0,
            volumetric & (change > 0),
            volumetric,
            (change > 0) == higher,
        ],
        ["", Direction.UNCHANGED, Direction.UP, Direction.DOWN, Direction.BETTER],
        default=Direction.WORSE,
    ).astype(object)


def direction_of_travel(
    current: float | None, previous: float | None, polarity: Polarity
) -> Direction | None:
    """Compare with the previous period of the same kind; None when either value is missing."""
    found = directions(_column(current), _column(previous), [polarity])[0]
    return Direction(found) if found else None


ANNUAL_SNAPSHOT_GAP = 12


def comparable_previous(kind: np.ndarray, sequence: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Whether each figure's previous one in its series (at sequence `previous`, NaN for
    none) is the one to compare with: the period just before, of the same kind; for months,
    also the same month a year before, when nothing lies between — an annual snapshot such
    as DfE's workforce census at 30 September is compared with the previous census, never
    with an August that was never collected."""
    gap = np.asarray(sequence, dtype="float64") - np.asarray(previous, dtype="float64")
    months = np.asarray(kind, dtype=object) == PeriodKind.MONTH
    return (gap == 1) | (months & (gap == ANNUAL_SNAPSHOT_GAP))


def is_comparable_previous(kind: PeriodKind | str, sequence: int, previous: int | None) -> bool:
    """comparable_previous for one figure."""
    return bool(comparable_previous([kind], _column(sequence), _column(previous))[0])


def hard_to_shift(status: np.ndarray, previous_status: np.ndarray) -> np.ndarray:
    """Hard to shift, for a column of quarters' statuses beside the status of the quarter just
    before each ("" where there is none): outside tolerance in both, "outside tolerance for
    two or more consecutive quarters"."""
    status, previous_status = np.asarray(status, dtype=object), np.asarray(previous_status)
    return (status == Status.OUTSIDE_TOLERANCE) & (previous_status == Status.OUTSIDE_TOLERANCE)


def is_hard_to_shift(quarter_statuses: Sequence[Status | None]) -> bool:
    """True when the last two consecutive quarters (oldest first; None for a quarter with no
    record) are both outside tolerance."""
    if len(quarter_statuses) < 2:
        return False
    *_, previous, status = (s or "" for s in quarter_statuses)
    return bool(hard_to_shift([status], [previous])[0])


MIN_NATIONAL_AUTHORITIES = 20
"""A rank or quartile means something only against a real national distribution: at least
this many local authorities with a figure for the period. Below it (a local measure only one
council reports, say) Outturn shows no rank and no band, and says why."""


def is_national_distribution(authorities_with_a_figure: int) -> bool:
    return authorities_with_a_figure >= MIN_NATIONAL_AUTHORITIES


def quartile_cuts(figures: Sequence[float]) -> tuple[float, float, float]:
    """The 25th, 50th and 75th percentiles of the authorities' figures as DfE's LAIT cuts its
    bands: R's default quantile (type 7), computed as R computes it, so a figure on a cut
    falls where DfE's does (docs/quartiles.md)."""
    ordered = sorted(map(float, figures))
    cuts = []
    for p in (0.25, 0.5, 0.75):
        index = (len(ordered) - 1) * p  # R: 1 + (n - 1) * p, counted from 1
        lo, hi = math.floor(index), math.ceil(index)
        h = index - lo
        cut = ordered[lo]
        if index > lo and ordered[hi] != cut:
            cut = (1 - h) * cut + h * ordered[hi]
        cuts.append(cut)
    return cuts[0], cuts[1], cuts[2]


def band_of(value: float, cuts: tuple[float, float, float], polarity: Polarity) -> str | None:
    """A (best quarter) to D, as DfE's LAIT bands: higher is better, A is above the 75th
    percentile and a figure exactly on a cut is in the band below it; lower is better, A is
    at or below the 25th. None for polarity none."""
    q1, q2, q3 = cuts
    if polarity == Polarity.HIGHER_IS_BETTER:
        return "A" if value > q3 else "B" if value > q2 else "C" if value > q1 else "D"
    if polarity == Polarity.LOWER_IS_BETTER:
        return "A" if value <= q1 else "B" if value <= q2 else "C" if value <= q3 else "D"
    return None


def quartile_band(value: float, others: Sequence[float], polarity: Polarity) -> str | None:
    """The band of `value` among `others` (which include it); None for polarity none or no
    others. (Callers show a band only where `is_national_distribution`.)"""
    if polarity == Polarity.NONE or not others:
        return None
    return band_of(value, quartile_cuts(others), polarity)


def band_threshold(cuts: tuple[float, float, float], polarity: Polarity) -> float | None:
    """The cut a figure must pass to be in band A: above it (higher is better) or at or
    below it (lower is better)."""
    if polarity == Polarity.NONE:
        return None
    return cuts[2] if polarity == Polarity.HIGHER_IS_BETTER else cuts[0]


@dataclass(frozen=True)
class WhatItTakes:
    """A percentage measure said in children: `children` more (higher is better) or fewer
    (lower is better) would have met the target; one child moves it `points_per_child`."""

    children: int
    points_per_child: float
    small_cohort: bool  # one child more or fewer would change the status


def what_it_takes(
    numerator: float,
    denominator: float,
    target: float,
    tolerance: float | None,
    polarity: Polarity,
) -> WhatItTakes | None:
    """None where it cannot be said: no denominator, no better direction, or a number out of
    range."""
    if polarity == Polarity.NONE or not denominator or denominator <= 0:
        return None
    if not all(is_in_range(n) for n in (numerator, denominator, target)):
        return None
    points = 100 / denominator
    value = 100 * numerator / denominator
    if polarity == Polarity.HIGHER_IS_BETTER:
        needed = math.ceil(round(target * denominator / 100, 9))
        children = max(0, needed - math.floor(numerator))
    else:
        allowed = math.floor(round(target * denominator / 100, 9))
        children = max(0, math.ceil(numerator) - allowed)
    status = status_for(value, target, tolerance, polarity)
    one_more = status_for(value + points, target, tolerance, polarity)
    one_fewer = status_for(value - points, target, tolerance, polarity)
    return WhatItTakes(children, points, small_cohort=status != one_more or status != one_fewer)


# Periods ---------------------------------------------------------------------------------


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PeriodParseError(ValueError):
    pass


class Timing(StrEnum):
    """What moment or stretch of time a national figure for a period describes. DfE's
    periods are not the financial quarters a local measure reports: a 2023-24 figure may be
    the year's referrals, the plans open on 31 March 2024, or (as a month, 2023-09) the
    workforce census of 30 September 2023. A measure whose timing is not stated gets no
    note: better no words than the wrong ones."""

    UNSTATED = ""
    FLOW = "flow"  # everything that happened in the year to the period's end
    SNAPSHOT = "snapshot"  # a count on the period's last day (31 March for DfE's years)
    CENSUS = "census"  # DfE's social work workforce census, on 30 September

    @property
    def label(self) -> str:
        return {
            "": "Not stated",
            "flow": "A year's flow (the year to the period's end)",
            "snapshot": "A snapshot on the period's last day",
            "census": "DfE's workforce census on 30 September",
        }[self.value]


# The months in English, whatever the server's locale: Outturn's words are English, and the
# standard library's calendar.month_name asks the locale (strftime) on every lookup, a
# visible part of drawing a table of comparisons.
MONTH_NAMES = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_ABBREVIATIONS = ("", *(name[:3] for name in MONTH_NAMES[1:]))


def period_note(timing: Timing | str, end: date) -> str:
    """The words that pin a national figure's period to the calendar ("year to 31 March
    2024", "at 31 March 2024", "census at 30 September 2024"), from the measure's timing and
    the period's last day; "" where the timing is not stated."""
    day = f"{end.day} {MONTH_NAMES[end.month]} {end.year}"
    return {
        Timing.FLOW: f"year to {day}",
        Timing.SNAPSHOT: f"at {day}",
        Timing.CENSUS: f"census at {day}",
        Timing.UNSTATED: "",
    }[Timing(timing)]


@dataclass(frozen=True, order=True)
class ParsedPeriod:
    """A financial-year period. `fiscal_year` is the calendar year in which the financial year
    starts (2016 for 2016-17); `number` is the quarter (1-4), the calendar month (1-12), or 0
    for a whole year. Its names are worked out once (cached_property: a page names the same
    few periods hundreds of times, and `Period.parsed` hands out one ParsedPeriod a period)."""

    kind: PeriodKind
    fiscal_year: int
    number: int = 0

    @cached_property
    def code(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return fiscal_year_code(self.fiscal_year)
        if self.kind == PeriodKind.QUARTER:
            return f"{fiscal_year_code(self.fiscal_year)} Q{self.number}"
        year = self._calendar_year()
        if self.number == (year + 1) % 100:
            # "2011-12" is the financial year 2011-12 (DfE's convention, parse_period), so
            # December 2011 is "Dec 2011": one code, one period (January 2000 to December 2011).
            return f"{MONTH_ABBREVIATIONS[self.number]} {year}"
        return f"{year:04d}-{self.number:02d}"

    @cached_property
    def slug(self) -> str:
        return self.code.lower().replace(" ", "-")

    @cached_property
    def label(self) -> str:
        fy = fiscal_year_code(self.fiscal_year).replace("-", "/")
        if self.kind == PeriodKind.YEAR:
            return fy
        if self.kind == PeriodKind.QUARTER:
            return f"Quarter {self.number} {fy}"
        return f"{MONTH_NAMES[self.number]} {self._calendar_year()}"

    @cached_property
    def short_label(self) -> str:
        """The label an axis has room for: "Q2 2016/17", "Sep 2016", "2016/17"."""
        if self.kind == PeriodKind.QUARTER:
            return f"Q{self.number} {self.fiscal_year_label}"
        if self.kind == PeriodKind.MONTH:
            return f"{MONTH_ABBREVIATIONS[self.number]} {self._calendar_year()}"
        return self.label

    @property
    def fiscal_year_slug(self) -> str:
        return fiscal_year_code(self.fiscal_year)

    @cached_property
    def fiscal_year_label(self) -> str:
        return fiscal_year_code(self.fiscal_year).replace("-", "/")

    @property
    def start(self) -> date:
        if self.kind == PeriodKind.YEAR:
            return date(self.fiscal_year, 4, 1)
        if self.kind == PeriodKind.QUARTER:
            month = 4 + 3 * (self.number - 1)
            return date(self.fiscal_year + (month > 12), (month - 1) % 12 + 1, 1)
        return date(self._calendar_year(), self.number, 1)

    @property
    def end(self) -> date:
        if self.kind == PeriodKind.YEAR:
            return date(self.fiscal_year + 1, 3, 31)
        last_month = self.start.month + (2 if self.kind == PeriodKind.QUARTER else 0)
        year = self.start.year + (last_month > 12)
        last_month = (last_month - 1) % 12 + 1
        return date(year, last_month, calendar.monthrange(year, last_month)[1])

    @cached_property
    def sequence(self) -> int:
        """Consecutive periods of the same kind have consecutive sequence numbers."""
        if self.kind == PeriodKind.YEAR:
            return self.fiscal_year
        if self.kind == PeriodKind.QUARTER:
            return self.fiscal_year * 4 + self.number - 1
        return self._calendar_year() * 12 + self.number - 1

    def previous(self) -> ParsedPeriod:
        return from_sequence(self.kind, self.sequence - 1)

    def next(self) -> ParsedPeriod:
        return from_sequence(self.kind, self.sequence + 1)

    def quarters(self) -> list[ParsedPeriod]:
        """A year's four quarters in order; a quarter is its own only quarter."""
        if self.kind == PeriodKind.YEAR:
            return [ParsedPeriod(PeriodKind.QUARTER, self.fiscal_year, q) for q in range(1, 5)]
        if self.kind == PeriodKind.QUARTER:
            return [self]
        raise ValueError("A month is not made of quarters.")

    def quarter(self) -> ParsedPeriod:
        """The quarter a month falls in (a quarter is its own quarter)."""
        if self.kind == PeriodKind.QUARTER:
            return self
        if self.kind == PeriodKind.YEAR:
            raise ValueError("A year has no single quarter.")
        return ParsedPeriod(PeriodKind.QUARTER, self.fiscal_year, (self.number - 4) % 12 // 3 + 1)

    def _calendar_year(self) -> int:
        # Months April-December fall in the financial year's first calendar year.
        return self.fiscal_year if self.number >= 4 else self.fiscal_year + 1


@lru_cache(maxsize=4096)
def parsed_period(kind: str, fiscal_year: int, number: int) -> ParsedPeriod:
    """The one ParsedPeriod of a stored period, shared (its names worked out once a process:
    pure arithmetic on immutable fields, whatever the data)."""
    return ParsedPeriod(PeriodKind(kind), fiscal_year, number)


def fiscal_year_code(fiscal_year: int) -> str:
    return f"{fiscal_year}-{(fiscal_year + 1) % 100:02d}"


def from_sequence(kind: PeriodKind, sequence: int) -> ParsedPeriod:
    if kind == PeriodKind.YEAR:
        return ParsedPeriod(kind, sequence)
    if kind == PeriodKind.QUARTER:
        return ParsedPeriod(kind, sequence // 4, sequence % 4 + 1)
    year, month = divmod(sequence, 12)
    return month_period(year, month + 1)


def month_period(calendar_year: int, month: int) -> ParsedPeriod:
    return ParsedPeriod(PeriodKind.MONTH, calendar_year if month >= 4 else calendar_year - 1, month)


# How a file says yes or no in a flag's column (provisional, period_stated), in lower case.
YES_WORDS = frozenset({"yes", "y", "true", "1"})
NO_WORDS = frozenset({"no", "n", "false", "0"})


def financial_year_of(day: date) -> ParsedPeriod:
    """The financial year (1 April to 31 March) a day falls in."""
    return ParsedPeriod(PeriodKind.YEAR, month_period(day.year, day.month).fiscal_year)


def quarter_of(day: date) -> ParsedPeriod:
    """The quarter a day falls in."""
    return month_period(day.year, day.month).quarter()


_MONTHS = {name.lower(): i for i, name in enumerate(MONTH_ABBREVIATIONS) if name} | {
    name.lower(): i for i, name in enumerate(MONTH_NAMES) if name
}
_FY = r"(?P<y1>\d{4})\s*[-/]\s*(?P<y2>\d{2}|\d{4})"
_PATTERNS = [
    (PeriodKind.QUARTER, re.compile(rf"^{_FY}[\s-]*q(?:uarter)?\s*(?P<q>[1-4])$")),
    (PeriodKind.QUARTER, re.compile(rf"^q(?:uarter)?\s*(?P<q>[1-4])\s+{_FY}$")),
    (PeriodKind.YEAR, re.compile(rf"^{_FY}$")),
    (PeriodKind.MONTH, re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")),
    (PeriodKind.MONTH, re.compile(r"^(?P<mname>[a-z]+)\.?\s+(?P<year>\d{4})$")),
]


# The years Outturn holds: children's-services returns in their present form are far younger
# than 1990, and a target more than a lifetime ahead is a typing slip. Outside them a period
# is refused with the rule, never stored (Python's dates end in 9999, PostgreSQL's much later,
# so "9999-00 Q4" used to pass the check and fail the write).
EARLIEST_FISCAL_YEAR = 1990
LATEST_FISCAL_YEAR = 2099
TARGET_YEARS_AHEAD = 5

# The largest figure each unit can plausibly hold (all are counts, rates or durations, never
# negative). A percentage is a share of its denominator; a count of one authority's children
# or contacts is far below ten million; a rate per 10,000 cannot pass 10,000.
PLAUSIBLE_MAXIMUM = {
    "percent": 100,
    "rate_per_10000": 10_000,
    "rate_per_1000": 1_000,
    "count": 10_000_000,
    "weeks": 520,
    "days": 3_650,
}


# A measure's code is one segment of its pages' addresses (/a/<council>/m/<code>/): these end
# a segment or change what follows it (browsers read a backslash as "/"), so a code holding
# one named pages no address could reach, and a "/" failed every page that linked to it.
CODE_UNSAFE = frozenset("/?#%\\")


def code_problem(code: str) -> str | None:
    """Why `code` cannot be a measure's code, or None if it can (letters, digits, spaces,
    hyphens, dots and the like: anything one segment of a web address can carry)."""
    if any(c in CODE_UNSAFE or not c.isprintable() for c in code):
        return (
            'holds a character a web address cannot carry in a measure\'s code ("/", "?", "#",'
            ' "%", a backslash or a control character): use letters, digits, spaces, hyphens or'
            " dots"
        )
    return None


def implausible_value(value: float, unit: str) -> str | None:
    """Why `value` cannot be a figure in `unit`, or None if it can."""
    if value != value or value in (float("inf"), float("-inf")):
        return "is not a finite number"
    if value < 0:
        return "is negative, but no measure Outturn holds can be"
    maximum = PLAUSIBLE_MAXIMUM.get(unit)
    if maximum is not None and value > maximum:
        return f"is above {maximum:,}, the most a figure in {_UNIT_WORDS.get(unit, unit)} can be"
    return None


_UNIT_WORDS = {
    "percent": "per cent",
    "rate_per_10000": "a rate per 10,000",
    "rate_per_1000": "a rate per 1,000",
    "count": "a count",
    "weeks": "weeks (ten years)",
    "days": "days (ten years)",
}


def latest_target_year(today: date) -> int:
    """The last financial year a target may be set for: TARGET_YEARS_AHEAD after today's."""
    return month_period(today.year, today.month).fiscal_year + TARGET_YEARS_AHEAD


def has_begun(period: ParsedPeriod, today: date) -> bool:
    """A figure can only describe a period that has begun (a month's figure is collected
    during it, a quarter's from its first day)."""
    return period.start <= today


def parse_period(text: str) -> ParsedPeriod:
    """Read any accepted spelling of a period ("2016-17 Q2", "Q2 2016/17", "2016/17 Q2",
    "2016-07", "Jul 2016", "2016-17", "2016/17") or raise PeriodParseError quoting the text.
    "YYYY-NN" where NN follows YYYY is a financial year (DfE's convention), so a month such as
    September 2008 must be written "Sep 2008"."""
    cleaned = " ".join(str(text).strip().lower().split())
    for kind, pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if not match:
            continue
        parts = match.groupdict()
        if kind == PeriodKind.MONTH:
            month = int(parts["month"]) if parts.get("month") else _MONTHS.get(parts["mname"], 0)
            if not 1 <= month <= 12:
                break
            return _within_years(month_period(int(parts["year"]), month), text)
        fiscal_year = int(parts["y1"])
        second = int(parts["y2"])
        expected = fiscal_year + 1 if len(parts["y2"]) == 4 else (fiscal_year + 1) % 100
        if kind == PeriodKind.YEAR and second != expected and "/" not in cleaned:
            continue  # "2016-07" is a month, not a malformed year
        if second != expected:
            raise PeriodParseError(
                f'"{text}" is not a financial year: the second year must follow the first '
                f"(for example {fiscal_year_code(fiscal_year)})."
            )
        return _within_years(ParsedPeriod(kind, fiscal_year, int(parts.get("q") or 0)), text)
    raise PeriodParseError(
        f'"{text}" is not a period Outturn recognises. Use a quarter such as 2016-17 Q2, '
        "a month such as 2016-07 or Jul 2016, or a financial year such as 2016-17."
    )


def _within_years(period: ParsedPeriod, text: str) -> ParsedPeriod:
    if not EARLIEST_FISCAL_YEAR <= period.fiscal_year <= LATEST_FISCAL_YEAR:
        raise PeriodParseError(
            f'"{text}" is outside the years Outturn holds, '
            f"{fiscal_year_code(EARLIEST_FISCAL_YEAR)} to {fiscal_year_code(LATEST_FISCAL_YEAR)}."
        )
    return period


def natural_key(code: str) -> tuple:
    """Indicator codes in the order people expect: A1, A2, A06, A8, A09, A10, B8, B10
    (runs of digits compare as numbers). Text and numbers alternate, so keys always compare."""
    parts = re.split(r"(\d+)", code)
    return tuple(int(part) if n % 2 else part.casefold() for n, part in enumerate(parts))


# Below this size a figure rounds exactly at up to six decimals (the most an indicator has):
# eight whole digits, six decimals and the digit that decides are the 15 digits a double
# always keeps. No measure Outturn holds comes near it (PLAUSIBLE_MAXIMUM): a larger number,
# left by an old release or written past the write path, is kept as it is and shown as out
# of range, so that one stored number can never take a page down.
ROUNDING_LIMIT = 1e8


def is_in_range(value: float) -> bool:
    """Whether a stored number can be shown as a figure (finite, below ROUNDING_LIMIT)."""
    return math.isfinite(value) and abs(value) < ROUNDING_LIMIT


def round_half_up(value: float, decimals: int) -> float:
    """A figure at its published precision, rounded as people and spreadsheets round (half
    away from zero), read through its shortest decimal form so float noise never tips it:
    28.000000000000004 is 28, 0.30000000000000004 is 0.3, 59.999 to 0 places is 60, 2.675
    to 2 is 2.68. A number out of range (see ROUNDING_LIMIT) comes back as it is. One figure
    is rounded by the same rule as a column of them (_rounded_size), without building arrays
    for it: a page writes a thousand figures."""
    value = float(value)
    if not abs(value) < ROUNDING_LIMIT:
        return value
    # Python's round, not numpy's rint, for one figure: the same half-to-even step on the
    # same double (an integer below 2**53 here), without numpy's scalar arithmetic, which
    # took three times as long.
    rounded = float(_rounded_size(abs(value), 10.0 ** float(decimals), rint=round))
    return (-rounded if value < 0 else rounded) + 0.0


def round_half_up_array(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """round_half_up over columns (NaN stays NaN, a number out of range stays as it is): the
    recompute's judgement at precision, exact without leaving floats."""
    values = np.asarray(values, dtype=float)
    in_range = np.abs(values) < ROUNDING_LIMIT
    size = np.where(in_range, np.abs(values), 0.0)
    rounded = _rounded_size(size, np.power(10.0, decimals))
    return np.where(in_range, np.where(values < 0, -rounded, rounded) + 0.0, values)


def _rounded_size(size, scale, rint=np.rint):
    """A figure's size (or a column of them) rounded half up to 1/scale. The nearest whole
    number of steps is moved up one where the figure reaches the half-step above it, or down
    one where it falls below the half-step beneath: a half-step (n + 0.5) / 10**decimals is
    itself the double nearest the decimal tie, so a figure whose shortest form is a tie (2.675)
    equals it and goes up, and one just short of a tie stays below. The same arithmetic for a
    number and for an array (a comparison adds as 0 or 1); `rint` rounds half to even."""
    steps = rint(size * scale)
    steps = steps + (size >= (steps + 0.5) / scale)
    steps = steps - (size < (steps - 0.5) / scale)
    return steps / scale


def published_places(number: float, decimals: int) -> int:
    """The places a figure someone else published is written with: at least the measure's
    decimals, never hiding a digit they gave (England's 81.5% on a whole-number local
    measure stays 81.5%), at most two."""
    return next((p for p in range(decimals, 3) if abs(round(number, p) - number) < 1e-9), 2)


def exact_mean(figures: Sequence[float]) -> float | None:
    """The mean of published figures, computed on their decimal forms (as a person or DfE
    would), so that it rounds as they would: 3.3, 0, 0, 4.8, 1.2 and 0 make exactly 1.55,
    shown 1.6 (a float sum makes 1.5499999 and shows 1.5). None for no figures."""
    if not figures:
        return None
    total = sum(Decimal(repr(float(figure))) for figure in figures)
    return float(total / len(figures))


def exact_median(figures: Sequence[float]) -> float | None:
    """The median of published figures, the middle two averaged on their decimal forms."""
    if not figures:
        return None
    ordered = sorted(Decimal(repr(float(figure))) for figure in figures)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return float((ordered[middle - 1] + ordered[middle]) / 2)

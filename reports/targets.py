"""What helps an officer choose a target: England, the region, the statistical neighbours'
median and the top-quartile threshold for the measure (or its national equivalent), and the
authority's own last four periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from authorities.models import Authority
from indicators import distributions
from indicators.models import Indicator, Value
from indicators.rules import Polarity, band_threshold, is_national_distribution, quartile_cuts

from .benchmarks import compare


@dataclass
class TargetGuide:
    compared: Indicator | None = None
    period: object = None
    period_words: str = ""  # the comparators' period as the measure counts it, or "not stated"
    period_stated: bool = True
    england: float | None = None
    region: float | None = None
    neighbours_median: float | None = None
    top_quartile: float | None = None
    own: list[Value] = field(default_factory=list)
    known_by: date | None = None  # the last day whose periods the aid may show


def target_guide(authority: Authority, indicator: Indicator, year) -> TargetGuide:
    """What was known when the target for `year` was set: periods that ended before the year
    began (or by today, if that is sooner). A year's own outturn is never an aid to its
    target: nobody had it when the target was set."""
    as_of = min(year.start - timedelta(days=1), timezone.localdate())
    comparison = compare(authority, [indicator], as_of).get(indicator.id)
    guide = TargetGuide(own=_own_last_four(authority, indicator, as_of), known_by=as_of)
    if comparison is None or comparison.period is None:
        return guide
    guide.compared = comparison.indicator
    guide.period = comparison.period
    guide.period_words = comparison.period_words
    guide.period_stated = comparison.period_stated
    guide.england = comparison.england
    guide.region = comparison.region
    guide.neighbours_median = comparison.neighbours_median
    guide.top_quartile = top_quartile(comparison.indicator, comparison.period)
    return guide


def top_quartile(indicator: Indicator, period) -> float | None:
    """The cut an authority's figure must pass to be in the best quarter nationally (band A:
    above it, or at or below it where lower is better); None without a national
    distribution or a better end."""
    if indicator.polarity == Polarity.NONE:
        return None
    figures = list(
        Value.objects.filter(
            distributions.ranked(), indicator=indicator, period=period
        ).values_list("value", flat=True)
    )
    if not is_national_distribution(len(figures)):
        return None
    # The same rule as the compare page's bands: DfE's cut for band A.
    return band_threshold(quartile_cuts(figures), Polarity(indicator.polarity))


def _own_last_four(authority: Authority, indicator: Indicator, as_of: date) -> list[Value]:
    values = (
        Value.objects.filter(
            authority=authority, indicator=indicator, period__end__lte=as_of, value__isnull=False
        )
        .select_related("period")
        .order_by("-period__end", "period__kind")
    )
    return list(values[:4])

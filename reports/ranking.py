"""One measure, one period, every local authority: ranks, quartile bands read through the
polarity, the chosen authority and its statistical neighbours picked out."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from authorities.models import Authority, StatisticalNeighbour
from indicators.models import Indicator, Period, Value
from indicators.rules import (
    Polarity,
    band_of,
    exact_mean,
    exact_median,
    is_national_distribution,
    quartile_cuts,
)
from indicators.spc import against_england, figure_interval

from . import charts
from .tables import ranking_rows


class Place(NamedTuple):
    """What a ranking shows of an authority."""

    id: int
    code: str
    slug: str
    name: str
    kind: str
    region_id: int | None


class Figure(NamedTuple):
    """One authority's figure of the period, as a ranking reads it."""

    authority: Place
    value: float | None
    numerator: float | None
    denominator: float | None
    no_value_reason: str


@dataclass
class Ranking:
    indicator: Indicator
    period: Period
    chosen: Authority | None
    rows: list[dict]  # ranked authorities with a figure
    suppressed: list[Figure] = field(default_factory=list)
    neighbour_ids: set[int] = field(default_factory=set)

    @property
    def neighbour_values(self) -> list[float]:
        return [r["value"] for r in self.rows if r["role"] == "neighbour"]

    @property
    def neighbours_mean(self) -> float | None:
        return exact_mean(self.neighbour_values)

    @property
    def neighbours_median(self) -> float | None:
        return exact_median(self.neighbour_values)

    national_count: int = 0  # local authorities with a figure in England, whatever the region
    england: float | None = None
    chosen_region: float | None = None  # the figure of the chosen authority's region
    cuts: tuple[float, float, float] | None = None  # the bands' cut points (rules.quartile_cuts)

    @property
    def is_national(self) -> bool:
        """Ranks and bands are shown only against a real national distribution."""
        return is_national_distribution(self.national_count)

    @property
    def chosen_row(self) -> dict | None:
        return next((r for r in self.rows if r["role"] == "chosen"), None)

    @cached_property
    def rows_html(self) -> str:
        return ranking_rows(self)

    @cached_property
    def figure_json(self) -> str:
        return charts.figure_json(
            charts.compare_figure(self.rows, self.indicator, self.cuts, self.england)
        )


def rank(
    indicator: Indicator, period: Period, chosen: Authority | None, region: Authority | None = None
) -> Ranking:
    """Every ranked authority's figure for the period (within `region` where given), best
    first, with rank, national band, role beside `chosen` and 95% interval; England and the
    chosen authority's region beside them. Three queries."""
    every = _figures(indicator, period)
    national_count = sum(1 for v in every if v.value is not None)
    values = [v for v in every if region is None or v.authority.region_id == region.id]
    neighbour_ids = _neighbour_ids(chosen)
    polarity = Polarity(indicator.polarity)
    # A volumetric measure has no better end: it is listed, never ranked.
    ranked = is_national_distribution(national_count) and polarity != Polarity.NONE
    # Bands are national, as DfE's: cut on every authority's figure, whatever the region shown.
    cuts = quartile_cuts([v.value for v in every if v.value is not None]) if ranked else None
    rows = _rows([v for v in values if v.value is not None], indicator, cuts, ranked)
    for row in rows:
        row["role"] = (
            "chosen"
            if chosen and row["authority"].id == chosen.id
            else "neighbour"
            if row["authority"].id in neighbour_ids
            else "other"
        )
    comparators = _comparators(indicator, period, chosen)
    england = comparators.get(Authority.Kind.NATION)
    for row in rows:  # Fingertips' test: England outside the figure's 95% interval
        row["significance"] = against_england(row["interval"], england, indicator.polarity)
    suppressed = sorted((v for v in values if v.value is None), key=lambda v: v.authority.name)
    return Ranking(
        indicator,
        period,
        chosen,
        rows,
        suppressed,
        neighbour_ids,
        national_count,
        england=england,
        chosen_region=comparators.get(Authority.Kind.REGION),
        cuts=cuts,
    )


def _figures(indicator: Indicator, period: Period) -> list[Figure]:
    """Every ranked authority's figure of the period, suppressed ones included: as rows, not
    a figure and an authority model each (1.6 ms for 153, where the models took 5.9)."""
    rows = Value.objects.filter(
        indicator=indicator, period=period, authority__kind__in=Authority.RANKED_KINDS
    ).values_list(*(f"authority__{name}" for name in Place._fields), *Figure._fields[1:])
    places = len(Place._fields)
    return [Figure(Place(*row[:places]), *row[places:]) for row in rows]


def _neighbour_ids(chosen: Authority | None) -> set[int]:
    if chosen is None:
        return set()
    return set(
        StatisticalNeighbour.objects.filter(authority=chosen).values_list("neighbour_id", flat=True)
    )


def _comparators(indicator: Indicator, period: Period, chosen: Authority | None) -> dict:
    """England's figure and the chosen authority's region's, by kind of authority. A figure
    quoted without its period is not one of this period's (Value.period_stated)."""
    return dict(
        Value.objects.filter(
            indicator=indicator,
            period=period,
            value__isnull=False,
            period_stated=True,
            authority__in=Authority.objects.filter(kind=Authority.Kind.NATION)
            | Authority.objects.filter(id=getattr(chosen, "region_id", None)),
        ).values_list("authority__kind", "value")
    )


def _rows(with_figures: list[Figure], indicator: Indicator, cuts, ranked: bool) -> list[dict]:
    """The figures best first; rank is 1 + how many are strictly better (ties share it, as
    LAIT ranks), band as DfE cuts it."""
    polarity = Polarity(indicator.polarity)
    sign = -1 if polarity == Polarity.LOWER_IS_BETTER else 1
    goodness = sorted(sign * v.value for v in with_figures)  # ascending: best last
    ordered = sorted(with_figures, key=lambda v: (-sign * v.value, v.authority.name))
    return [
        {
            "rank": len(goodness) - bisect_right(goodness, sign * v.value) + 1 if ranked else None,
            "authority": v.authority,
            "name": v.authority.name,
            "value": v.value,
            "band": band_of(v.value, cuts, polarity) if ranked else None,
            "interval": figure_interval(indicator.unit, v.numerator, v.denominator),
        }
        for v in ordered
    ]

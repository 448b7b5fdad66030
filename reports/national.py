"""A local measure's national equivalent, period by period: the authority's own figure on the
national definition beside England, its region, its statistical neighbours, and where it
stands nationally (rank and quartile band, only against a real national distribution).
Each row carries the national measure's own period: a DfE year is not a financial quarter.
Four queries, whatever the number of periods."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from authorities.models import Authority, StatisticalNeighbour
from indicators.models import Indicator, Period, Value
from indicators.rules import Polarity, exact_mean, is_national_distribution, quartile_band


@dataclass
class NationalRow:
    period: Period
    own: float | None
    england: float | None
    region: float | None
    neighbours: list[float]
    rank: int | None
    out_of: int
    band: str | None
    own_reason: str = ""  # why the authority's own figure is not given (DfE's symbol)

    @property
    def neighbours_mean(self) -> float | None:
        return exact_mean(self.neighbours)


def national_series(authority: Authority, indicator: Indicator) -> list[NationalRow]:
    """Newest first; periods with a figure for the authority or England."""
    neighbour_ids = set(
        StatisticalNeighbour.objects.filter(authority=authority).values_list(
            "neighbour_id", flat=True
        )
    )
    # Every figure, and the authority's own suppressed ones, whose reason is shown in the
    # figure's place.
    rows = Value.objects.filter(
        Q(value__isnull=False) | Q(authority=authority), indicator=indicator
    ).values_list("period_id", "authority_id", "authority__kind", "value", "no_value_reason")
    england_ids = set(
        Authority.objects.filter(kind=Authority.Kind.NATION).values_list("id", flat=True)
    )
    by_period: dict[int, dict] = {}
    for period_id, authority_id, kind, value, reason in rows:
        entry = by_period.setdefault(period_id, {"local": [], "neighbours": []})
        if value is None:  # the authority's own, suppressed
            entry["own_reason"] = reason
            continue
        if authority_id == authority.id:
            entry["own"] = value
        if authority_id in england_ids:
            entry["england"] = value
        if authority_id == authority.region_id:
            entry["region"] = value
        if authority_id in neighbour_ids:
            entry["neighbours"].append(value)
        if kind in Authority.RANKED_KINDS:
            entry["local"].append(value)
    periods = Period.objects.in_bulk(list(by_period))
    sign = -1 if indicator.polarity == Polarity.LOWER_IS_BETTER else 1
    series = []
    for period_id, entry in by_period.items():
        own, local = entry.get("own"), entry["local"]
        if own is None and "england" not in entry:
            continue
        rank = band = None
        if own is not None and indicator.polarity != Polarity.NONE:
            if is_national_distribution(len(local)):
                better = sum(1 for v in local if sign * v > sign * own)
                rank = better + 1
                band = quartile_band(own, local, Polarity(indicator.polarity))
        series.append(
            NationalRow(
                period=periods[period_id],
                own=own,
                england=entry.get("england"),
                region=entry.get("region"),
                neighbours=entry["neighbours"],
                rank=rank,
                out_of=len(local),
                band=band,
                own_reason=entry.get("own_reason", ""),
            )
        )
    return sorted(series, key=lambda row: row.period.end, reverse=True)

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
    mine: float | None = None  # the local measure's figure for the period, if the same definition

    @property
    def difference(self) -> float | None:
        """The local measure's figure less DfE's (a council's own calculation reconciled)."""
        if self.mine is None or self.own is None:
            return None
        return self.mine - self.own

    @property
    def neighbours_mean(self) -> float | None:
        return exact_mean(self.neighbours)


def national_series(authority: Authority, indicator: Indicator) -> list[NationalRow]:
    """Newest first; periods with a figure for the authority or England."""
    by_period = _figures_by_period(authority, indicator)
    periods = Period.objects.in_bulk(list(by_period))
    polarity = Polarity(indicator.polarity)
    sign = -1 if polarity == Polarity.LOWER_IS_BETTER else 1
    series = []
    for period_id, entry in by_period.items():
        own, local = entry.get("own"), entry["local"]
        if own is None and "england" not in entry:
            continue
        ranked = own is not None and polarity != Polarity.NONE
        ranked = ranked and is_national_distribution(len(local))
        series.append(
            NationalRow(
                period=periods[period_id],
                own=own,
                england=entry.get("england"),
                region=entry.get("region"),
                neighbours=entry["neighbours"],
                rank=1 + sum(1 for v in local if sign * v > sign * own) if ranked else None,
                out_of=len(local),
                band=quartile_band(own, local, polarity) if ranked else None,
                own_reason=entry.get("own_reason", ""),
            )
        )
    return sorted(series, key=lambda row: row.period.end, reverse=True)


def _figures_by_period(authority: Authority, indicator: Indicator) -> dict[int, dict]:
    """Each period's figures, as the table reads them: the authority's own (or why it has
    none), England's, its region's, its neighbours' and every ranked authority's. Every
    figure, and the authority's own suppressed ones, in one query."""
    neighbour_ids = set(
        StatisticalNeighbour.objects.filter(authority=authority).values_list(
            "neighbour_id", flat=True
        )
    )
    england_ids = set(
        Authority.objects.filter(kind=Authority.Kind.NATION).values_list("id", flat=True)
    )
    rows = Value.objects.filter(
        Q(value__isnull=False) | Q(authority=authority), indicator=indicator
    ).values_list("period_id", "authority_id", "authority__kind", "value", "no_value_reason")
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
    return by_period

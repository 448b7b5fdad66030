"""How an authority compares: England, its region and its statistical neighbours on the same
measure (or the national measure it is benchmarked against), for the latest period England
has published by a given date, and where the authority stands nationally. Six queries at
most, whatever the number of indicators. `compared` caches each measure's comparison on its
own, and the national distributions shared by every council are cached one measure at a
time too."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from django.core.cache import cache
from django.db.models import Max, Q

from authorities.models import Authority
from core import versions
from indicators import bulk, definitions, distributions
from indicators.models import Indicator, Period, Value
from indicators.rules import (
    Polarity,
    exact_mean,
    exact_median,
    is_national_distribution,
    quartile_band,
)
from indicators.templatetags.outturn import national_period

from .caching import SECONDS, pickled, unpickled
from .caching import key as cache_key


@dataclass
class Comparison:
    indicator: Indicator  # the indicator compared: the measure itself or its benchmark
    period: Period | None = None
    england: float | None = None
    region: float | None = None
    neighbours: list[float] | None = None
    neighbours_of: int = 0  # how many statistical neighbours the authority has
    own: float | None = None
    quartile: str | None = None
    # False where a comparator was quoted by its source without its period (Value.period_stated)
    period_stated: bool = True

    @property
    def period_words(self) -> str:
        """The comparators' period as the measure counts it, or that their source gave none."""
        if self.period is None:
            return "–"
        if not self.period_stated:
            return "period not stated by its source"
        return national_period(self.period, self.indicator)

    @property
    def neighbours_mean(self) -> float | None:
        return exact_mean(self.neighbours or [])

    @property
    def neighbours_median(self) -> float | None:
        return exact_median(self.neighbours or [])


def compare(
    authority: Authority,
    indicators: list[Indicator],
    as_of: date,
    measures: versions.MeasureVersions | None = None,
) -> dict[int, Comparison]:
    """Comparisons keyed by the measure's id. A measure is compared on its own figures where
    others have published them (as a council's report quotes them), else on its national
    benchmark. The period is the latest ending by `as_of` with an England figure (else the
    authority's own latest). A fixed number of queries. `measures`: the measures' versions
    (core.versions.each_measure), where the caller has read them already."""
    candidates = {i.id: _candidates(i) for i in indicators}
    candidate_ids = {c.id for options in candidates.values() for c in options}
    if measures is None or not measures.covers(candidate_ids):
        measures = versions.each_measure(candidate_ids)
    places = definitions.held(measures.every)
    england_id, neighbour_ids = places.england_id, places.neighbours_of(authority.id)
    chosen = _latest_periods(candidate_ids, england_id, authority.id, as_of, places)
    wanted = {england_id, authority.region_id, authority.id, *neighbour_ids} - {None}
    found, unstated = _figures(chosen, wanted)
    national = _distributions(chosen, measures)

    results = {}
    for measure_id, options in candidates.items():
        # Prefer the measure's own figures where someone other than the authority has them.
        published = [c for c in options if set(found.get(c.id, {})) - {authority.id}]
        indicator = published[0] if published else options[-1]
        result = Comparison(indicator)
        figures = found.get(indicator.id, {})
        if indicator.id in chosen:
            result.period = chosen[indicator.id]
            result.england = figures.get(england_id)
            result.region = figures.get(authority.region_id)
            result.own = figures.get(authority.id)
            result.neighbours = [figures[n] for n in neighbour_ids if n in figures]
            result.neighbours_of = len(neighbour_ids)
            result.period_stated = indicator.id not in unstated
            others = national.get((indicator.id, result.period.id), [])
            if result.own is not None and is_national_distribution(len(others)):
                result.quartile = quartile_band(result.own, others, Polarity(indicator.polarity))
        results[measure_id] = result
    return results


def compared(
    authority: Authority,
    indicators: list[Indicator],
    as_of: date,
    measures: versions.MeasureVersions,
) -> dict[int, Comparison]:
    """`compare`, each measure's comparison cached on its own, keyed by the versions of what
    it is made from (core.versions.each_measure): every authority's figures of the measure
    and of its national equivalent, and everything every page reads (places, neighbours,
    definitions). A measure's comparison is its own candidates' reads alone, so a write of
    one measure's figures, anywhere, has that measure's comparison made again and leaves the
    others' as they were (one edited figure had all sixty made again). Those not cached are
    made together, in `compare`'s fixed number of queries."""
    keys = {
        indicator.id: cache_key(
            "compared",
            authority.pk,
            as_of.isoformat(),
            indicator.id,
            measures.of(indicator.id),
            measures.of(indicator.benchmark_id) if indicator.benchmark_id else "",
        )
        for indicator in indicators
    }
    kept = cache.get_many(list(keys.values()))
    found = {
        indicator.id: comparison
        for indicator in indicators
        if (comparison := _unpacked(indicator, kept.get(keys[indicator.id])))
    }
    missing = [indicator for indicator in indicators if indicator.id not in found]
    if missing:
        made = compare(authority, missing, as_of, measures)
        cache.set_many({keys[m]: pickled(_packed(made[m])) for m in made}, SECONDS)
        found.update(made)
    return found


_KEPT = [f.name for f in fields(Comparison) if f.name != "indicator"]


def _packed(comparison: Comparison) -> tuple:
    """A comparison as cached (pickled as reports.caching packs model objects): the measure
    compared by its id (the measure or its national equivalent, both at hand where it is
    read back), not a model object pickled with its category and equivalent, which was
    most of what caching sixty of them cost."""
    return (comparison.indicator.id, *(getattr(comparison, name) for name in _KEPT))


def _unpacked(measure: Indicator, kept: bytes | None) -> Comparison | None:
    """A cached comparison of `measure`, or None where none is (or where what it names is
    neither the measure nor its equivalent: a definition's write moves every key, so never)."""
    if kept is None:
        return None
    compared_id, *values = unpickled(kept)
    indicator = next((c for c in _candidates(measure) if c.id == compared_id), None)
    if indicator is None:
        return None
    return Comparison(indicator, **dict(zip(_KEPT, values, strict=True)))


def _candidates(measure: Indicator) -> list[Indicator]:
    """What a measure may be compared on: its own figures, then its national equivalent's."""
    return [measure, measure.benchmark] if measure.benchmark_id else [measure]


KIND_PREFERENCE = {"quarter": 2, "year": 1, "month": 0}  # when periods end on the same day


def _latest_periods(
    indicator_ids: set[int],
    england_id: int | None,
    own_id: int,
    as_of: date,
    held: definitions.Definitions,
) -> dict[int, Period]:
    """Per indicator, the latest period ending by `as_of` with an England figure, else with the
    authority's own. One query for the latest end of each kind of period (a period of a kind
    is known by its end, and found among those `held`)."""
    rows = (
        Value.objects.filter(
            indicator_id__in=indicator_ids,
            authority_id__in=[a for a in (england_id, own_id) if a],
            period__end__lte=as_of,
            value__isnull=False,
        )
        .values_list("indicator_id", "authority_id", "period__kind")
        .annotate(end=Max("period__end"))
        .order_by()
    )
    best: dict[tuple[int, bool], tuple] = {}
    for indicator_id, authority_id, kind, end in rows:
        key = (indicator_id, authority_id == england_id)
        rank = (end, KIND_PREFERENCE[kind])
        if key not in best or rank > best[key][0]:
            best[key] = (rank, kind)
    chosen = {}
    for indicator_id in indicator_ids:
        picked = best.get((indicator_id, True)) or best.get((indicator_id, False))
        if picked and (period := held.period(picked[1], end=picked[0][0])):  # kind, end
            chosen[indicator_id] = period
    return chosen


def _chosen(chosen: dict[int, Period]) -> Q:
    """Each indicator's figures of its own chosen period, and no other."""
    return distributions.by_pairs((indicator_id, p.id) for indicator_id, p in chosen.items())


def _figures(chosen: dict[int, Period], wanted: set[int]):
    """The wanted authorities' figures for each indicator's chosen period, by indicator and
    authority, and the indicators where one was quoted without its period. One query."""
    values = Value.objects.filter(
        _chosen(chosen), authority_id__in=wanted, value__isnull=False
    ).values_list("indicator_id", "authority_id", "value", "period_stated")
    found: dict[int, dict[int, float]] = {}
    unstated: set[int] = set()
    for indicator_id, authority_id, value, stated in values:
        found.setdefault(indicator_id, {})[authority_id] = value
        if not stated:
            unstated.add(indicator_id)
    return found, unstated


def _distributions(
    chosen: dict[int, Period], measures: versions.MeasureVersions | None = None
) -> dict[tuple[int, int], list[float]]:
    """The ranked authorities' figures of each indicator's chosen period, by indicator and
    period, for the national quartiles. Each is cached on its own, keyed by the versions of
    everything's and every authority's figures of that indicator (core.versions.each_measure):
    every council's comparisons of a period share it, and a write of one measure's figures
    rebuilds that measure's alone. Those not cached are read as the worker keeps them
    (indicators.distributions: sixty rows, where 9,000 figures scattered over the figures'
    table were a sixth of a quarter view's first drawing with nothing cached), and those it
    has not kept since the measure's last write are read from the figures. One query for
    the versions (none where the caller gives them), one for the kept distributions, and one
    for the figures where any is not kept."""
    if not chosen:
        return {}
    if measures is None or not measures.covers(chosen):
        measures = versions.each_measure(chosen)
    keys = {
        (indicator_id, period.id): cache_key(
            "distribution", indicator_id, period.id, measures.of(indicator_id)
        )
        for indicator_id, period in chosen.items()
    }
    cached = cache.get_many(list(keys.values()))
    national = {pair: cached[key] for pair, key in keys.items() if key in cached}
    missing = {pair for pair in keys if pair not in national}
    # As the worker keeps them, where they are current; else the figures themselves.
    read = distributions.kept(missing, measures) if missing else {}
    missing -= set(read)
    if missing:
        # The ranked authorities joined, not 153 ids spelled out: a statement the client
        # quotes in a tenth of the time, and the same plan.
        figures = Value.objects.filter(
            _chosen({i: chosen[i] for i, _ in missing}), distributions.ranked()
        )
        lists = bulk.lists_by(figures, ["indicator_id", "period_id"], "value")
        read.update({pair: lists.get(pair, []) for pair in missing})
    if read:
        cache.set_many({keys[pair]: values for pair, values in read.items()}, SECONDS)
        national.update(read)
    return national

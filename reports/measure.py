"""One measure's story for one authority: every value over time, targets by year, the
England and regional lines, and the quarterly status history. A fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q

from authorities.models import Authority
from indicators import spc
from indicators.models import Indicator, Period, Rebase, Target, Value
from indicators.rules import PeriodKind, Status

from . import charts


@dataclass
class ControlChart:
    """The XmR chart of the authority's own series of one kind of period, as it stands now."""

    kind: str
    values: list[Value]  # the current baseline's figures: from the latest rebase, if any
    limits: spc.Limits | None  # None with too few points
    variations: list[spc.Variation]
    rebase: Rebase | None = None

    @property
    def enough(self) -> bool:
        return self.limits is not None

    @property
    def latest(self) -> Value:
        return self.values[-1]

    min_points = spc.MIN_POINTS
    firm_points = spc.FIRM_POINTS  # limits from fewer figures are trial limits

    @property
    def kind_plural(self) -> str:
        return {"quarter": "quarterly", "month": "monthly", "year": "annual"}[self.kind]


def control_chart(
    values: list[Value], polarity: str, rebases: list[Rebase] = ()
) -> ControlChart | None:
    """The chart of the kind of period with the most figures (quarters first on a tie), from
    its latest rebase (where the chart starts again) if it has one."""
    by_kind: dict[str, list[Value]] = {}
    for value in values:
        if value.value is not None:
            by_kind.setdefault(value.period.kind, []).append(value)
    if not by_kind:
        return None
    order = [PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.YEAR]
    kind = max(by_kind, key=lambda k: (len(by_kind[k]), -order.index(k)))
    points = by_kind[kind]
    rebase = next(
        (
            r
            for r in sorted(rebases, key=lambda r: r.starts.sequence, reverse=True)
            if r.starts.kind == kind and r.starts.sequence <= points[-1].period.sequence
        ),
        None,
    )
    if rebase is not None:
        points = [v for v in points if v.period.sequence >= rebase.starts.sequence]
    if len(points) < spc.MIN_POINTS:
        return ControlChart(kind, points, None, [], rebase)
    figures = [v.value for v in points]
    fixed = rebase.fixed_points if rebase else None
    directions = spc.special_causes(figures, fixed)
    return ControlChart(
        kind,
        points,
        spc.limits(figures, fixed),
        spc.point_variations(directions, polarity),
        rebase,
    )


@dataclass
class MeasureStory:
    authority: Authority
    indicator: Indicator
    values: list[Value]
    targets: list[Target]
    england: list[Value]
    region: list[Value]

    @property
    def quarters(self) -> list[Value]:
        return [v for v in self.values if v.period.kind == PeriodKind.QUARTER]

    @property
    def status_strip(self) -> list[tuple[Value, Status]]:
        return [(v, Status(v.status)) for v in self.quarters]

    @property
    def comparator(self) -> Indicator:
        return self.indicator.benchmark or self.indicator

    @property
    def has_figures(self) -> bool:
        return charts.has_figures(self.values, self.england, self.region)

    @cached_property
    def control(self) -> ControlChart | None:
        rebases = list(
            Rebase.objects.filter(indicator=self.indicator)
            .filter(Q(authority=self.authority) | Q(authority__isnull=True))
            .select_related("starts")
        )
        return control_chart(self.values, self.indicator.polarity, rebases)

    def chart_series(self, with_region: bool = True) -> dict[str, list[Value]]:
        """What a chart draws: the authority's figures, England's and (on the web) the
        region's. A figure quoted without its period is left off: a chart would place it at a
        period its source never named (the tables show it, saying so)."""
        series = {self.authority.name: self.values}
        others = [("England", self.england)]
        if with_region and self.authority.region_id:
            others.append((self.authority.region.name, self.region))
        for label, values in others:
            stated = [v for v in values if v.period_stated]
            if stated:
                series[label] = stated
        return series

    @cached_property
    def plotted(self) -> set[str]:
        """The names of the lines the web chart draws (its caption names them)."""
        return set(self._web_series)

    @cached_property
    def _web_series(self) -> dict[str, list[Value]]:
        return self.chart_series()

    @cached_property
    def figure_json(self) -> str:
        series = self._web_series
        figure = charts.measure_figure(self.indicator, series, self.targets, control=self.control)
        return charts.figure_json(figure)

    @property
    def table(self) -> list[dict]:
        """Every period with a figure for the authority, England or the region, newest first."""
        by_period: dict[str, dict] = {}
        for key, values in [
            ("own", self.values),
            ("england", self.england),
            ("region", self.region),
        ]:
            for value in values:
                row = by_period.setdefault(value.period.code, {"period": value.period})
                row[key] = value
        targets = {t.fiscal_year: t for t in self.targets}
        rows = sorted(
            by_period.values(), key=lambda r: (r["period"].end, r["period"].kind), reverse=True
        )
        for row in rows:
            row["target"] = targets.get(row["period"].fiscal_year)
        return rows


def build_story(
    authority: Authority, indicator: Indicator, until: Period | None = None
) -> MeasureStory:
    return build_stories(authority, [indicator], until)[indicator.id]


def build_stories(
    authority: Authority, indicators: list[Indicator], until: Period | None = None
) -> dict[int, MeasureStory]:
    """Stories for many measures at once, in two queries whatever their number. With
    `until` (a quarter), the quarter as it stood: only figures of periods that ended by its
    end, the authority's and England's and the region's alike, and targets of its financial
    year and before."""
    ids = [i.id for i in indicators]
    comparators = {i.id: (i.benchmark_id or i.id) for i in indicators}
    values: dict[int, list[Value]] = {i: [] for i in ids}
    others: dict[int, list[Value]] = {}
    wanted = set(comparators.values())
    for value in _places_figures(authority, ids, wanted, until):
        if value.authority_id == authority.id:
            if value.indicator_id in values:
                values[value.indicator_id].append(value)
        elif value.indicator_id in wanted:
            others.setdefault(value.indicator_id, []).append(value)
    years = Q(fiscal_year__lte=until.fiscal_year) if until else Q()
    chosen = Target.objects.filter(years, indicator_id__in=ids).for_authority(authority).chosen()
    targets: dict[int, list[Target]] = {i: [] for i in ids}
    for (indicator_id, _), target in sorted(chosen.items(), key=lambda item: item[0][1]):
        targets[indicator_id].append(target)
    stories = {}
    for indicator in indicators:
        theirs = others.get(comparators[indicator.id], [])
        # England's or the region's, and nobody else's: told apart by the region's id, so no
        # place is read with each figure.
        england = [v for v in theirs if v.authority_id != authority.region_id]
        region = [v for v in theirs if v.authority_id == authority.region_id]
        stories[indicator.id] = MeasureStory(
            authority, indicator, values[indicator.id], targets[indicator.id], england, region
        )
    return stories


def _places_figures(
    authority: Authority, ids: list[int], comparators: set[int], until: Period | None
):
    """In one read, oldest first: the figures of the authority, England and its region of
    the measures `ids` and their `comparators` (national equivalents, or the measures
    themselves), with `until` of periods that ended by its end; the caller keeps the
    authority's of `ids` and the others' of `comparators` (a few more are read than kept, so
    that the read is one look-up of three places in the figures' index)."""
    places = Authority.objects.filter(
        Q(kind=Authority.Kind.NATION) | Q(id=authority.region_id) | Q(id=authority.id)
    )
    ended = Q(period__end__lte=until.end) if until else Q()
    return (
        Value.objects.filter(ended, authority__in=places, indicator_id__in={*ids, *comparators})
        .select_related("period")
        .order_by("period__start", "period__kind")
    )

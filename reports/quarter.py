"""Assemble one authority's quarter: every measure with its value, the previous quarter,
target and tolerance, status and direction. A fixed number of queries, whatever the number
of indicators (tests/reports/test_quarter_page.py counts them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from django.db.models import Q

from authorities.models import Authority
from core import versions
from indicators import definitions
from indicators.models import Category, Indicator, Period, Target, Value
from indicators.rules import (
    ParsedPeriod,
    PeriodKind,
    Polarity,
    Status,
    WhatItTakes,
    natural_key,
    parsed_period,
    what_it_takes,
)
from indicators.spc import figure_interval
from scrutiny.challenge import records_for
from scrutiny.models import ChallengeRecord, Publication

from .benchmarks import Comparison, compared
from .caching import cached, challenge_stamp
from .caching import key as cache_key

TREND_QUARTERS = 8
STATUS_ORDER = [
    Status.OUTSIDE_TOLERANCE,
    Status.WITHIN_TOLERANCE,
    Status.ON_TARGET,
    Status.NO_TARGET,
    Status.NO_VALUE,
]


@dataclass
class MeasureRow:
    indicator: Indicator
    value: Value | None
    previous: Value | None
    target: Target | None
    months: list[MonthFigure] = field(default_factory=list)
    trend: list[float | None] = field(default_factory=list)  # the last quarters, oldest first
    comparison: Comparison | None = None
    challenge: ChallengeRecord | None = None
    presented: dict | None = None  # what the panel saw, where it has since been revised

    def __getstate__(self) -> dict:
        """As cached: the measure by its id, given back its definition as held when read
        back (`_attached`), not a model object pickled with its category and equivalent."""
        return {**self.__dict__, "indicator": self.indicator.id}

    @property
    def what_it_takes(self) -> WhatItTakes | None:
        value, target = self.value, self.target
        if not (value and target and value.numerator is not None and value.denominator):
            return None
        if self.indicator.unit != Indicator.Unit.PERCENT:
            return None
        return what_it_takes(
            value.numerator,
            value.denominator,
            target.target,
            target.tolerance,
            Polarity(self.indicator.polarity),
        )

    @property
    def interval(self):
        """The figure's 95% interval (indicators.spc.figure_interval), where it has one."""
        if not self.value or self.value.value is None:
            return None
        return figure_interval(self.indicator.unit, self.value.numerator, self.value.denominator)

    @property
    def classification(self) -> str:
        return self.challenge.classification if self.challenge else ""

    @property
    def reported(self) -> bool:
        """The status was published without its figure: shown as reported, never judged."""
        return bool(self.value and self.value.value is None and self.value.reported_status)

    # One rule puts a measure in a list, and it is the status shown beside it: Outturn's own
    # judgement of a figure. A status reported without a figure is in neither list (it is
    # shown, as reported, in the table); the council's classification is shown with its
    # commentary, not used to move a measure between lists.
    @property
    def is_concern(self) -> bool:
        return not self.reported and self.status in (
            Status.OUTSIDE_TOLERANCE,
            Status.WITHIN_TOLERANCE,
        )

    @property
    def is_performing_well(self) -> bool:
        return not self.reported and self.status == Status.ON_TARGET

    @cached_property
    def status(self) -> Status:
        # A measure expected this quarter (it has a target) but not returned has no value.
        return Status(self.value.status) if self.value else Status.NO_VALUE

    @property
    def natural_code(self) -> tuple:
        return natural_key(self.indicator.code)

    @property
    def status_rank(self) -> int:
        """Worst first when sorted."""
        return STATUS_ORDER.index(self.status)

    @property
    def national_note(self) -> str:
        """Where the comparators are a national equivalent's figures, how close its
        definition is, in words ("CPP-REPEAT, a related measure: …"); "" where they are the
        measure's own."""
        compared = self.comparison.indicator if self.comparison else None
        if compared is None or compared.id == self.indicator.id:
            return ""
        return self.indicator.benchmark_closeness

    @property
    def hard_to_shift_why(self) -> str:
        """Why the measure is hard to shift, in words a panel can check: the quarter before
        was outside tolerance too ("as reported" where that quarter has only a status
        published without its figure, so the row shows no previous figure)."""
        if not (self.value and self.value.hard_to_shift and self.previous):
            return ""
        reported = self.previous.value is None and bool(self.previous.reported_status)
        return (
            f"outside tolerance in {self.previous.period.label}"
            f"{', as reported,' if reported else ''} and now"
        )

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        if self.value.value is None or self.previous.value is None:
            return None
        return self.value.value - self.previous.value


SUMMARY_STATUSES = [
    Status.OUTSIDE_TOLERANCE,
    Status.WITHIN_TOLERANCE,
    Status.ON_TARGET,
    Status.NO_TARGET,
]


@dataclass
class SummaryRow:
    category: Category
    counts: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Quarter:
    authority: Authority
    period: Period
    measures: list[MeasureRow]
    volumetric: list[MeasureRow]
    previous_period: Period | None
    next_period: Period | None
    cache_key: str = ""  # this state of figures and challenge (build_quarter)
    # This state of the quarter's own figures, targets and statuses alone: keys what the page
    # draws from them and nothing else (its summary, cards and switcher), which another
    # council's write or a challenge's text leaves as it was.
    figures_key: str = ""
    # The version of the definitions alone (categories, names, places): keys what the page
    # draws from nothing else, such as its filter, which a write of figures leaves as it was.
    definitions_key: str = ""

    @cached_property
    def statuses(self) -> list[Status]:
        """The summary's columns: "No value" appears only when a measure has none."""
        if any(row.status == Status.NO_VALUE for row in self.measures):
            return [*SUMMARY_STATUSES, Status.NO_VALUE]
        return SUMMARY_STATUSES

    @cached_property
    def summary(self) -> list[SummaryRow]:
        rows: dict[int, SummaryRow] = {}
        for measure in self.measures:
            category = measure.indicator.category
            row = rows.setdefault(
                category.id, SummaryRow(category, dict.fromkeys(self.statuses, 0))
            )
            row.counts[measure.status] += 1
        return list(rows.values())

    @property
    def challenged(self) -> list[MeasureRow]:
        """Measures with any challenge text, in the order of the report."""
        return [
            row
            for row in [*self.measures, *self.volumetric]
            if row.challenge
            and (
                row.challenge.council_comment
                or row.challenge.provider_response
                or row.challenge.questions
            )
        ]

    @property
    def reported(self) -> list[MeasureRow]:
        """Measures whose status was published without a figure (counted in the summary as
        reported; Outturn cannot check them)."""
        return [row for row in self.measures if row.reported]

    @cached_property
    def totals(self) -> dict[Status, int]:
        return {s: sum(row.counts[s] for row in self.summary) for s in self.statuses}

    @property
    def hard_to_shift(self) -> list[MeasureRow]:
        return [row for row in self.measures if row.value and row.value.hard_to_shift]

    @property
    def performing_well(self) -> list[MeasureRow]:
        return [row for row in self.measures if row.is_performing_well]

    @property
    def concerns(self) -> list[MeasureRow]:
        return [row for row in self.measures if row.is_concern]


def build_quarter(authority: Authority, period: Period, comparisons: bool = True) -> Quarter:
    """The quarter: its own figures (rows, cards) and its comparisons, each from the cache
    when nothing it is made from has changed since it was built (the keys carry the versions
    of what each shows, core.versions: the authority's own figures, targets and statuses;
    every authority's figures of its measures), and its challenge records, read fresh every
    time. `cache_key` names this exact state, for the page's rendered fragments."""
    everything, own = versions.numbers(authority.pk)
    key = cache_key("quarter", authority.pk, period.pk, versions.joined((everything, own)))
    held = definitions.held(everything)
    quarter = cached(key, lambda: _figures(authority, period, held), lambda q: _attached(q, held))
    quarter.definitions_key = str(everything)
    quarter.definitions = held  # as held by the process, never cached with the quarter
    quarter.figures_key = key
    rows = [*quarter.measures, *quarter.volumetric]
    if comparisons:
        indicators = [row.indicator for row in rows]
        # Each measure's versions, read once: each keys that measure's comparison and its
        # national distribution (shared by every council); together they key the fragments
        # drawn from every comparison.
        each = versions.each_measure(
            {i.id for i in indicators} | {i.benchmark_id for i in indicators}
        )
        comparisons_of = compared(authority, indicators, period.end, each)
        for row in rows:
            row.comparison = comparisons_of.get(row.indicator.id)
        key = f"{key}:{cache_key('comparisons', authority.pk, period.pk, each.together())}"
    challenges = records_for(authority, period)
    for row in rows:
        row.challenge = challenges.get(row.indicator.id)
    quarter.cache_key = f"{key}:{challenge_stamp(challenges.values())}"
    return quarter


def _attached(quarter: Quarter, held: definitions.Definitions) -> bool:
    """Give a cached quarter's rows their measures' definitions (MeasureRow.__getstate__),
    or say it cannot: one no longer held (a definition written since, the key's version
    read before it) has the quarter made again."""
    rows = [*quarter.measures, *quarter.volumetric]
    if any(row.indicator not in held.indicators for row in rows):
        return False
    for row in rows:
        row.indicator = held.indicators[row.indicator]
    return True


def _figures(authority: Authority, period: Period, held: definitions.Definitions) -> Quarter:
    before, after = (
        held.period(PeriodKind.QUARTER, sequence=period.sequence + step) for step in (-1, 1)
    )
    current, previous = _this_and_before(authority, period, before)
    months, trends = _series(authority, period)
    targets = _targets(authority, period.fiscal_year)

    # Definitions as held (indicators.definitions); one written since `held` was read is
    # left for the next drawing, which the write's version sends here afresh.
    found = (held.indicators.get(i) for i in set(current) | set(targets))
    indicators = sorted(filter(None, found), key=_display_order)
    rows = [
        MeasureRow(
            indicator=indicator,
            value=current.get(indicator.id),
            previous=previous.get(indicator.id),
            target=targets.get(indicator.id),
            months=months.get(indicator.id, []),
            trend=[
                trends.get(indicator.id, {}).get(s)
                for s in range(period.sequence - TREND_QUARTERS + 1, period.sequence + 1)
            ],
        )
        for indicator in indicators
    ]
    return Quarter(
        authority=authority,
        period=period,
        measures=[r for r in rows if r.indicator.polarity != Polarity.NONE],
        volumetric=[r for r in rows if r.indicator.polarity == Polarity.NONE],
        previous_period=before,
        next_period=after,
    )


class MonthFigure(NamedTuple):
    """One of the authority's monthly figures within the quarter, as the table names it."""

    period: ParsedPeriod
    value: float | None


def _series(
    authority: Authority, period: Period
) -> tuple[dict[int, list[MonthFigure]], dict[int, dict[int, float | None]]]:
    """The authority's monthly figures within the quarter, by indicator, oldest first; and
    its quarterly figures of the last TREND_QUARTERS quarters, by indicator and quarter
    sequence (a sparkline's). Numbers, not a model object each, in one read."""
    figures = (
        Value.objects.filter(authority=authority)
        .filter(
            Q(
                period__kind=PeriodKind.QUARTER,
                period__sequence__gt=period.sequence - TREND_QUARTERS,
                period__sequence__lte=period.sequence,
            )
            | Q(
                period__kind=PeriodKind.MONTH,
                period__start__gte=period.start,
                period__end__lte=period.end,
            )
        )
        .order_by("period__sequence")
        .values_list(
            "indicator_id",
            "period__kind",
            "period__fiscal_year",
            "period__number",
            "period__sequence",
            "value",
        )
    )
    months: dict[int, list[MonthFigure]] = {}
    trends: dict[int, dict[int, float | None]] = {}
    for indicator_id, kind, fiscal_year, number, sequence, value in figures:
        if kind == PeriodKind.MONTH:
            month = parsed_period(kind, fiscal_year, number)
            months.setdefault(indicator_id, []).append(MonthFigure(month, value))
        else:
            trends.setdefault(indicator_id, {})[sequence] = value
    return months, trends


def _this_and_before(
    authority: Authority, period: Period, before: Period | None
) -> tuple[dict[int, Value], dict[int, Value]]:
    """The authority's figures of the quarter and of the quarter before, by indicator, in one
    read; each of the quarter before given that period (a hard-to-shift row names it)."""
    periods = [period] if before is None else [period, before]
    this: dict[int, Value] = {}
    earlier: dict[int, Value] = {}
    for value in Value.objects.filter(authority=authority, period__in=periods):
        if value.period_id == period.id:
            this[value.indicator_id] = value
        else:
            value.period = before
            earlier[value.indicator_id] = value
    return this, earlier


def _display_order(indicator: Indicator) -> tuple:
    """Category order, then codes in natural order: A1, A2, A06, A8, A09, A10."""
    return (indicator.category.order, indicator.category.name, natural_key(indicator.code))


def _targets(authority: Authority, fiscal_year: int) -> dict[int, Target]:
    chosen = Target.objects.filter(fiscal_year=fiscal_year).for_authority(authority).chosen()
    return {indicator_id: target for (indicator_id, _), target in chosen.items()}


def latest_quarter(
    authority: Authority | None = None, user=None
) -> tuple[Authority, Period] | None:
    """Where a reader lands: their own authority (the one they work for or sit on the panel
    of), else the first by name with quarterly figures; and its latest complete quarter (one
    with every measure the quarter before it had: a partial upload of the next quarter is
    not where a panel starts) or the last one presented to the panel, whichever is later.
    The quarter page links to any newer one."""
    values = Value.objects.filter(period__kind=PeriodKind.QUARTER)
    if authority is None:
        authority = _own_authority(user, values) or (
            Authority.objects.filter(id__in=values.values("authority_id")).order_by("name").first()
        )
        if authority is None:
            return None
    measures: dict[int, set[int]] = {}
    for period_id, indicator_id in values.filter(authority=authority).values_list(
        "period_id", "indicator_id"
    ):
        measures.setdefault(period_id, set()).add(indicator_id)
    if not measures:
        return None
    periods = sorted(Period.objects.in_bulk(list(measures)).values(), key=lambda p: p.sequence)
    complete = [
        period
        for before, period in zip([None, *periods], periods, strict=False)
        if before is None
        or before.sequence != period.sequence - 1
        or measures[period.id] >= measures[before.id]
    ]
    presented = (
        Publication.objects.filter(authority=authority, period__kind=PeriodKind.QUARTER)
        .select_related("period")
        .order_by("-period__sequence")
        .first()
    )
    candidates = complete + ([presented.period] if presented else [])
    return authority, max(candidates or periods, key=lambda p: p.sequence)


def _own_authority(user, values) -> Authority | None:
    """The authority a signed-in officer works for, or whose panel they sit on, if it has
    quarterly figures."""
    if user is None or not user.is_authenticated:
        return None
    ids = [*user.assignments.values_list("authority_id", flat=True)]
    ids += user.panels.values_list("authority_id", flat=True)
    with_figures = set(values.filter(authority_id__in=ids).values_list("authority_id", flat=True))
    own = next((pk for pk in ids if pk in with_figures), None)
    return Authority.objects.filter(pk=own).first() if own else None

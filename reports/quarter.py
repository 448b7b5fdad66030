"""Assemble one authority's quarter: every measure with its value, the previous quarter,
target and tolerance, status and direction. A fixed number of queries, whatever the number
of indicators (tests/reports/test_quarter_page.py counts them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from authorities.models import Authority
from indicators.models import Category, Indicator, Period, Target, Value
from indicators.rules import PeriodKind, Polarity, Status


@dataclass
class MeasureRow:
    indicator: Indicator
    value: Value | None
    previous: Value | None
    target: Target | None
    months: list[Value] = field(default_factory=list)

    @property
    def status(self) -> Status:
        # A measure expected this quarter (it has a target) but not returned has no value.
        return Status(self.value.status) if self.value else Status.NO_VALUE

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

    @property
    def statuses(self) -> list[Status]:
        """The summary's columns: "No value" appears only when a measure has none."""
        if any(row.status == Status.NO_VALUE for row in self.measures):
            return [*SUMMARY_STATUSES, Status.NO_VALUE]
        return SUMMARY_STATUSES

    @property
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
    def totals(self) -> dict[Status, int]:
        return {s: sum(row.counts[s] for row in self.summary) for s in self.statuses}

    @property
    def hard_to_shift(self) -> list[MeasureRow]:
        return [row for row in self.measures if row.value and row.value.hard_to_shift]


def build_quarter(authority: Authority, period: Period) -> Quarter:
    parsed = period.parsed
    current = _values(authority, [period.id])
    neighbours = {
        p.code: p
        for p in Period.objects.filter(
            kind=PeriodKind.QUARTER, sequence__in=[period.sequence - 1, period.sequence + 1]
        )
    }
    previous_period = neighbours.get(parsed.previous().code)
    previous = _values(authority, [previous_period.id]) if previous_period else {}
    month_values = Value.objects.filter(
        authority=authority,
        period__kind=PeriodKind.MONTH,
        period__start__gte=period.start,
        period__end__lte=period.end,
    ).select_related("period")
    months: dict[int, list[Value]] = {}
    for value in month_values.order_by("period__sequence"):
        months.setdefault(value.indicator_id, []).append(value)
    targets = _targets(authority, period.fiscal_year)

    indicator_ids = set(current) | set(targets)
    indicators = Indicator.objects.filter(id__in=indicator_ids).select_related("category")
    rows = [
        MeasureRow(
            indicator=indicator,
            value=current.get(indicator.id),
            previous=previous.get(indicator.id),
            target=targets.get(indicator.id),
            months=months.get(indicator.id, []),
        )
        for indicator in sorted(indicators, key=_display_order)
    ]
    return Quarter(
        authority=authority,
        period=period,
        measures=[r for r in rows if r.indicator.polarity != Polarity.NONE],
        volumetric=[r for r in rows if r.indicator.polarity == Polarity.NONE],
        previous_period=previous_period,
        next_period=neighbours.get(parsed.next().code),
    )


def _display_order(indicator: Indicator) -> tuple:
    """Category order, then codes in natural order: A1, A2, A06, A8, A09, A10."""
    parts = re.split(r"(\d+)", indicator.code)
    natural = tuple(int(p) if p.isdigit() else p for p in parts)
    return (indicator.category.order, indicator.category.name, natural)


def _values(authority: Authority, period_ids: list[int]) -> dict[int, Value]:
    return {
        v.indicator_id: v
        for v in Value.objects.filter(authority=authority, period_id__in=period_ids)
    }


def _targets(authority: Authority, fiscal_year: int) -> dict[int, Target]:
    """The authority's own target per indicator, else the default for all authorities."""
    chosen: dict[int, Target] = {}
    rows = Target.objects.filter(fiscal_year=fiscal_year).filter(
        authority__isnull=True
    ) | Target.objects.filter(fiscal_year=fiscal_year, authority=authority)
    for target in rows:  # an own target replaces the default whichever comes first
        if target.authority_id is not None or target.indicator_id not in chosen:
            chosen[target.indicator_id] = target
    return chosen


def latest_quarter(authority: Authority | None = None) -> tuple[Authority, Period] | None:
    """The first authority by name that has quarterly values, and its latest quarter."""
    values = Value.objects.filter(period__kind=PeriodKind.QUARTER)
    if authority is None:
        first = (
            Authority.objects.filter(id__in=values.values("authority_id")).order_by("name").first()
        )
        if first is None:
            return None
        authority = first
    value = (
        values.filter(authority=authority)
        .select_related("period")
        .order_by("-period__sequence")
        .first()
    )
    return (authority, value.period) if value else None

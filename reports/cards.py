"""The quarter view's summary by status and its cards: a measure performing well or of
concern, its figure, target and tolerance, status and direction, variation and assurance,
and its trend. Drawn here, one format string a card or a cell, where a template included
once a card (sixty of them at most) was a tenth of the page's first drawing after a write,
and the summary's loops over categories and statuses half of what was left of its part;
tests/reports/test_tables.py draws every demo quarter's summary and cards both ways."""

from __future__ import annotations

from django.utils.safestring import mark_safe

from core.html import format_html, format_html_join
from indicators.templatetags.outturn import (
    assurance_tag,
    direction_tag,
    figure,
    measure_page,
    no_value_reason,
    sparkline,
    status_tag,
    variation_tag,
)

from .quarter import MeasureRow, Quarter
from .tables import measure_path


class Cards:
    """A quarter's two lists of cards, drawn only when the page asks for them (the page's
    fragment cache may have them already)."""

    def __init__(self, quarter: Quarter):
        self.quarter = quarter

    def performing_well(self) -> str:
        return self._drawn(self.quarter.performing_well)

    def concerns(self) -> str:
        return self._drawn(self.quarter.concerns)

    def _drawn(self, rows: list[MeasureRow]) -> str:
        base = measure_path(self.quarter.authority, self.quarter.period)
        return format_html_join("", "{}", ((card(row, base),) for row in rows))


def summary_table(quarter: Quarter) -> str:
    """Measures with a target by category and status, each count linking to the measures
    it counts (the measures table filtered), with a total for each category and status."""
    statuses = quarter.statuses
    head = format_html_join(
        "",
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">'
        '<span aria-hidden="true">{}</span> {}</th>',
        ((status.symbol, status.label) for status in statuses),
    )
    rows = format_html_join(
        "",
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>{}'
        '<td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" '
        'href="?category={}#measures" aria-label="All {} {} measures">{}</a></td></tr>',
        (
            (
                row.category.name,
                _counts(
                    row.counts, statuses, f"category={row.category.id}&amp;", row.category.name
                ),
                row.category.id,
                row.total,
                row.category.name,
                row.total,
            )
            for row in quarter.summary
        ),
    )
    return format_html(
        '<table class="govuk-table outturn-summary"><caption class="govuk-table__caption '
        'govuk-table__caption--s">Measures with a target, by category and status, {}. Each '
        'number links to those measures.</caption><thead class="govuk-table__head">'
        '<tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Category</th>'
        '{}<th scope="col" class="govuk-table__header govuk-table__header--numeric">Total</th>'
        '</tr></thead><tbody class="govuk-table__body">{}<tr class="govuk-table__row '
        'outturn-summary__totals"><th scope="row" class="govuk-table__header">All categories'
        '</th>{}<td class="govuk-table__cell govuk-table__cell--numeric"><strong>{}</strong>'
        "</td></tr></tbody></table>",
        quarter.period.label,
        head,
        rows,
        _counts(quarter.totals, statuses, "", None),
        len(quarter.measures),
    )


def _counts(counts: dict, statuses: list, query: str, category: str | None) -> str:
    """A count a status, linking to its measures; a category's row, or the totals' (bold)."""
    cells = []
    for status in statuses:
        count = counts.get(status)
        what = f"{category} measure" if category else "measure"
        shown = (
            format_html(
                '<a class="govuk-link" href="?{}status={}#measures" aria-label="{} {}{} {}">{}</a>',
                mark_safe(query),  # "category=<its id>&amp;": digits and the separator
                status.value,
                count,
                what,
                "" if count == 1 else "s",
                status.label.lower(),
                count,
            )
            if count
            else "0"
        )
        cell = shown if category else format_html("<strong>{}</strong>", shown)
        cells.append(
            format_html(
                '<td class="govuk-table__cell govuk-table__cell--numeric" data-status="{}">{}</td>',
                status.value,
                cell,
            )
        )
    return mark_safe("".join(cells))


def card(row: MeasureRow, base: str) -> str:
    """One card; `base` is the path of a measure's page in this quarter but its code."""
    indicator, value, target = row.indicator, row.value, row.target
    if value is not None and value.value is not None:
        shown = figure(value.value, indicator)
    else:
        reason = no_value_reason(value.no_value_reason if value is not None else "")
        shown = format_html('<span class="govuk-body">{}</span>', reason)
    if target is None:
        targeted = "No target set"
    elif target.tolerance is None:
        targeted = format_html("Target {}", figure(target.target, indicator))
    else:
        targeted = format_html(
            "Target {} · Tolerance {}",
            figure(target.target, indicator),
            figure(target.tolerance, indicator),
        )
    signals = ""
    if value is not None and value.variation:
        assurance = (
            format_html("<br>{}", assurance_tag(value)) if value.assurance else mark_safe("")
        )
        signals = format_html(
            '<p class="govuk-body-s govuk-!-margin-bottom-1">{}{}</p>',
            variation_tag(value),
            assurance,
        )
    return format_html(
        '<li class="outturn-card outturn-card--{}">'
        '<h4 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" '
        'href="{}">{} {}</a></h4>'
        '<p class="outturn-card__figure govuk-!-margin-bottom-1">{}</p>'
        '<p class="govuk-body-s govuk-!-margin-bottom-1">{}</p>'
        '<p class="govuk-body-s govuk-!-margin-bottom-1">{} {}</p>{}{}</li>',
        row.status.value,
        measure_page(indicator.code, base),
        indicator.code,
        indicator.name,
        shown,
        targeted,
        status_tag(row.status, reported=row.reported),
        direction_tag(value.direction if value is not None else ""),
        signals,
        sparkline(row.trend, indicator),
    )

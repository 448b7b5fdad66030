"""The quarter's exports: one set of columns for `export.csv` (every measure) and the table's
CSV and XLSX (the measures as filtered and sorted on the page), so that they always agree.
Codes, not labels, so a spreadsheet or another system can read them back; every figure
with its unit, every comparator with its period and the measure it is a figure of."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from core.csv import spreadsheet_safe
from indicators.rules import published_places, round_half_up

from .quarter import MeasureRow, Quarter

QUARTER_COLUMNS = [
    "authority",
    "indicator",
    "name",
    "unit",  # the unit of value, target, tolerance and the control limits
    "period",
    "value",  # at the measure's decimals, as judged and shown
    "value_stored",  # every digit stored
    "target",
    "tolerance",
    "status",
    "status_reported",  # true: the status was published without a figure; not Outturn's own
    "direction",
    "hard_to_shift",
    # Statistical process control (indicators/spc.py); empty with too few points.
    "variation",
    "assurance",
    "mean",
    "lower_limit",
    "upper_limit",
    "limits_from_points",  # fewer than 15: trial limits (Making Data Count)
    # The comparators: figures of `compared_on` (the measure itself, or its national
    # equivalent, `how_close` saying how close its definition is), in `compared_unit`, for
    # `compared_period`, the period they describe.
    "compared_on",
    "how_close",
    "compared_unit",
    "compared_period",
    "england",
    "region",
    "neighbours_mean",  # at the compared measure's decimals
    "neighbours_median",
    "neighbours_with_figure",
    "neighbours_of",
    "own_on_compared",  # the authority's own figure on the measure compared
    "band",  # that figure's national quartile band (A best), never this quarter's figure's
]
# Columns holding a figure in the measure's unit, and those in the compared measure's: the
# XLSX writes percentages in them as percent-formatted numbers.
OWN_FIGURES = {"value", "value_stored", "target", "tolerance", "mean", "lower_limit", "upper_limit"}
COMPARED_FIGURES = {"england", "region", "neighbours_mean", "neighbours_median", "own_on_compared"}


def quarter_rows(quarter: Quarter, measures: list[MeasureRow] | None = None) -> list[list]:
    """One row per measure (every measure of the quarter, or `measures` in their order)."""
    chosen = measures if measures is not None else [*quarter.measures, *quarter.volumetric]
    return [[*_own(quarter, row), *_compared(row)] for row in chosen]


def _own(quarter: Quarter, measure: MeasureRow) -> list:
    value, target, indicator = measure.value, measure.target, measure.indicator
    figure = value.value if value else None
    return [
        quarter.authority.code,
        indicator.code,
        indicator.name,
        indicator.unit,
        quarter.period.code,
        _at_precision(figure, indicator.decimals),
        figure,
        _at_precision(target.target if target else None, indicator.decimals),
        _at_precision(target.tolerance if target else None, indicator.decimals),
        measure.status.value,
        measure.reported,
        value.direction if value else "",
        bool(value and value.hard_to_shift),
        value.variation if value else "",
        value.assurance if value else "",
        *(
            _at_precision(getattr(value, field, None) if value else None, indicator.decimals + 2)
            for field in ("spc_mean", "spc_lower", "spc_upper")
        ),
        value.spc_points if value else None,
    ]


def _compared(measure: MeasureRow) -> list:
    comparison = measure.comparison
    if comparison is None or comparison.period is None:
        return [None] * (len(QUARTER_COLUMNS) - QUARTER_COLUMNS.index("compared_on"))
    compared = comparison.indicator
    return [
        compared.code,
        measure.national_note,
        compared.unit,
        comparison.period.code if comparison.period_stated else "not stated",
        comparison.england,
        comparison.region,
        _at_precision(comparison.neighbours_mean, compared.decimals),
        _at_precision(comparison.neighbours_median, compared.decimals),
        len(comparison.neighbours or []),
        comparison.neighbours_of,
        comparison.own,
        comparison.quartile,
    ]


def _at_precision(number: float | None, places: int) -> str | None:
    """The figure as judged and shown: at `places` decimals, never in scientific notation or
    six significant figures ("1.23457e+06", "81.4568")."""
    if number is None:
        return None
    return f"{round_half_up(number, places):.{places}f}"


def write_quarter_csv(quarter: Quarter, stream, measures: list[MeasureRow] | None = None) -> None:
    """The header and the rows, formula-safe (every measure, or `measures` in their order)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(QUARTER_COLUMNS)
    for row in quarter_rows(quarter, measures):
        writer.writerow([spreadsheet_safe(cell) for cell in row])


def quarter_xlsx(quarter: Quarter, measures: list[MeasureRow]) -> bytes:
    """The same rows as a workbook: a title row naming the authority, the quarter and its
    cut-off, then the columns; percentages as percent-formatted numbers (82% is 0.82 shown
    as 82%), other figures as numbers, text guarded against formulas."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Measures"
    title = (
        f"{quarter.authority.name}, {quarter.period.label}: measures exported from Outturn "
        f"(periods ended by {quarter.period.end.day} {quarter.period.end:%B %Y})"
    )
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(QUARTER_COLUMNS)
    for measure, row in zip(measures, quarter_rows(quarter, measures), strict=True):
        sheet.append(
            [_cell(column, cell) for column, cell in zip(QUARTER_COLUMNS, row, strict=True)]
        )
        _format_percentages(sheet[sheet.max_row], measure)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _cell(column: str, cell):
    if column in OWN_FIGURES | COMPARED_FIGURES and cell is not None:
        return float(cell)
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return spreadsheet_safe(cell) if isinstance(cell, str) else cell


def _format_percentages(cells, measure: MeasureRow) -> None:
    compared = measure.comparison.indicator if measure.comparison else None
    for cell, column in zip(cells, QUARTER_COLUMNS, strict=True):
        indicator = measure.indicator if column in OWN_FIGURES else compared
        if column not in OWN_FIGURES | COMPARED_FIGURES or cell.value is None:
            continue
        if indicator is None or indicator.unit != "percent":
            continue
        places = indicator.decimals
        if column in {"mean", "lower_limit", "upper_limit"}:
            places += 2  # an average: two places more, as written in the CSV
        elif column in {"england", "region", "own_on_compared"}:
            places = published_places(cell.value, places)  # as published
        cell.value = cell.value / 100
        cell.number_format = "0" + ("." + "0" * places if places else "") + "%"

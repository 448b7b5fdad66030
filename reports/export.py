"""CSV exports. Codes, not labels, so a spreadsheet or another system can read them back."""

from __future__ import annotations

import csv

from core.csv import spreadsheet_safe
from indicators.rules import round_half_up

from .quarter import Quarter

QUARTER_COLUMNS = [
    "authority",
    "indicator",
    "unit",  # the unit of value, target, tolerance and the control limits
    "period",
    "value",
    "target",
    "tolerance",
    "status",
    "direction",
    "hard_to_shift",
    "status_reported",  # true: the status was published without a figure; not Outturn's own
    # Statistical process control (indicators/spc.py); empty with too few points.
    "variation",
    "assurance",
    "mean",
    "lower_limit",
    "upper_limit",
]


def quarter_rows(quarter: Quarter) -> list[list[str]]:
    rows = []
    for measure in [*quarter.measures, *quarter.volumetric]:
        value = measure.value
        target = measure.target
        rows.append(
            [
                quarter.authority.code,
                measure.indicator.code,
                measure.indicator.unit,
                quarter.period.code,
                _at_precision(value.value if value else None, measure.indicator),
                _at_precision(target.target if target else None, measure.indicator),
                _at_precision(target.tolerance if target else None, measure.indicator),
                measure.status.value,
                value.direction if value else "",
                bool(value and value.hard_to_shift),
                measure.reported,
                value.variation if value else "",
                value.assurance if value else "",
                *(
                    _limit(getattr(value, field, None) if value else None, measure.indicator)
                    for field in ("spc_mean", "spc_lower", "spc_upper")
                ),
            ]
        )
    return rows


def _at_precision(number: float | None, indicator) -> str | None:
    """The figure as judged and shown: at the indicator's decimals, never in scientific
    notation or six significant figures ("1.23457e+06", "81.4568")."""
    if number is None:
        return None
    places = indicator.decimals
    return f"{round_half_up(number, places):.{places}f}"


def _limit(number: float | None, indicator) -> str | None:
    """A control limit: two places more than the figures, since it is an average."""
    if number is None:
        return None
    places = indicator.decimals + 2
    return f"{round_half_up(number, places):.{places}f}"


def write_quarter_csv(quarter: Quarter, stream) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(QUARTER_COLUMNS)
    for row in quarter_rows(quarter):
        writer.writerow([spreadsheet_safe(cell) for cell in row])

"""CSV exports. Codes, not labels, so a spreadsheet or another system can read them back."""

from __future__ import annotations

import csv

from core.csv import spreadsheet_safe

from .quarter import Quarter

QUARTER_COLUMNS = [
    "authority",
    "indicator",
    "period",
    "value",
    "target",
    "tolerance",
    "status",
    "direction",
    "hard_to_shift",
    "status_reported",  # true: the status was published without a figure; not Outturn's own
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
                quarter.period.code,
                value.value if value else None,
                target.target if target else None,
                target.tolerance if target else None,
                measure.status.value,
                value.direction if value else "",
                bool(value and value.hard_to_shift),
                measure.reported,
            ]
        )
    return rows


def write_quarter_csv(quarter: Quarter, stream) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(QUARTER_COLUMNS)
    for row in quarter_rows(quarter):
        writer.writerow([spreadsheet_safe(cell) for cell in row])

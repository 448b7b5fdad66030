"""Check and apply a targets file: indicator, year, target, tolerance[, authority]."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils import timezone

from indicators.models import Target
from indicators.rules import (
    TARGET_YEARS_AHEAD,
    PeriodKind,
    Polarity,
    TargetError,
    fiscal_year_code,
    latest_target_year,
    parse_period,
    validate_target,
)

from . import lookups
from .problems import Checked, FileProblem, Problem, Problems, problems_where

REQUIRED = ["indicator", "year", "target", "tolerance"]


def check_targets(table: pd.DataFrame, allowed_authorities: set[int] | None = None) -> Checked:
    """Every row of a targets file checked, one column at a time, then each pair against its
    measure's unit and polarity (rules.validate_target), then repeats."""
    missing = [c for c in REQUIRED if c not in table]
    if missing:
        raise FileProblem(
            f"The file has no {', '.join(missing)} column. A targets file needs the columns "
            "indicator, year, target and tolerance, and may have authority (blank: the "
            "default for every authority)."
        )
    frame = table.copy()
    if "authority" not in frame:
        frame["authority"] = ""
    problems = _check_indicators(frame)
    problems += lookups.check_authorities(frame, allowed=allowed_authorities, blank_means_all=True)
    problems += _check_years(frame)
    for column in ["target", "tolerance"]:
        problems += _check_number(frame, column)
    problems += problems_where(
        frame["target"].isna() & (table["target"] == ""), frame, "target", "is empty"
    )
    problems += _check_pairs(frame)
    keys = ["indicator_id", "authority_id", "fiscal_year"]
    repeated = frame.duplicated(keys, keep="first") & frame["indicator_id"].notna()
    problems += problems_where(
        repeated, frame, "indicator", "has a second target for the same authority and year"
    )
    problems.sort()
    return Checked(frame, problems)


def _check_indicators(frame: pd.DataFrame) -> Problems:
    indicators = lookups.indicators()
    key = frame["indicator"].str.casefold()
    frame["indicator_id"] = key.map(indicators["id"])
    frame["polarity"] = key.map(indicators["polarity"])
    frame["unit"] = key.map(indicators["unit"])
    return problems_where(
        frame["indicator_id"].isna(), frame, "indicator", "is not an indicator code Outturn knows"
    )


def _check_years(frame: pd.DataFrame) -> Problems:
    """A financial year, each spelling read once, and not past the targets' horizon."""
    codes, _ = lookups.parse_periods(frame["year"], PeriodKind.YEAR)
    # (A code not found stays NaN: by_distinct never looks a missing one up.)
    frame["fiscal_year"] = lookups.by_distinct(
        codes, lambda code: parse_period(code).fiscal_year
    ).astype("float64")
    latest = latest_target_year(timezone.localdate())
    return problems_where(
        frame["fiscal_year"].isna(), frame, "year", "is not a financial year such as 2016-17"
    ) + problems_where(
        frame["fiscal_year"] > latest,
        frame,
        "year",
        f"is more than {TARGET_YEARS_AHEAD} years ahead; targets go up to "
        f"{fiscal_year_code(latest)}",
    )


def _check_number(frame: pd.DataFrame, column: str) -> Problems:
    text = frame[column]
    frame[f"_{column}_text"] = text
    frame[column] = lookups.numbers(text)
    return problems_where(
        frame[column].isna() & (text != ""),
        frame,
        column,
        "is not a number",
        text_column=f"_{column}_text",
    )


def _check_pairs(frame: pd.DataFrame) -> Problems:
    """Each target and tolerance against its measure: rules.validate_target, at the field
    it names."""
    problems = Problems()
    for row in frame[frame["indicator_id"].notna() & frame["target"].notna()].itertuples():
        tolerance = None if np.isnan(row.tolerance) else row.tolerance
        try:
            validate_target(row.target, tolerance, Polarity(row.polarity), row.unit)
        except TargetError as error:
            text = frame.at[row.Index, f"_{error.field}_text"]
            problems.append(
                Problem(str(error), row=int(row.row_number), column=error.field, text=text)
            )
    return problems


def preview_targets(checked: Checked) -> dict[str, int]:
    stored = {
        (t.indicator_id, t.authority_id, t.fiscal_year): (t.target, t.tolerance)
        for t in Target.objects.filter(
            indicator_id__in=checked.frame["indicator_id"].unique().tolist()
        )
    }
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    for row in checked.frame.itertuples():
        authority = None if pd.isna(row.authority_id) else int(row.authority_id)
        tolerance = None if np.isnan(row.tolerance) else row.tolerance
        old = stored.get((int(row.indicator_id), authority, int(row.fiscal_year)))
        state = (
            "new" if old is None else "unchanged" if old == (row.target, tolerance) else "changed"
        )
        counts[state] += 1
    return counts

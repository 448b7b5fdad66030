"""DfE's published tidy CSVs, turned into a long return by the declarative mappings in
ees_mappings.toml, then checked exactly like any other return."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

import pandas as pd

from .problems import FileProblem

MAPPINGS_FILE = Path(__file__).with_name("ees_mappings.toml")
GEOGRAPHY = {
    "national": "country_code",
    "regional": "region_code",
    "local authority": "new_la_code",
}


@cache
def mappings() -> dict[str, dict]:
    return tomllib.loads(MAPPINGS_FILE.read_text())["mappings"]


def find_mapping(table: pd.DataFrame, name: str | None = None) -> tuple[str, dict]:
    """The named mapping, or the one whose required columns the file has."""
    columns = set(table.columns)
    if name:
        if name not in mappings():
            raise FileProblem(
                f'There is no DfE mapping called "{name}". Known: {", ".join(sorted(mappings()))}'
            )
        return name, mappings()[name]
    for key, mapping in mappings().items():
        if {c.lower() for c in mapping["requires"]} <= columns:
            return key, mapping
    raise FileProblem(
        "This is not one of the DfE files Outturn knows how to read. Known files: "
        + "; ".join(m["title"] for m in mappings().values())
    )


def to_returns(table: pd.DataFrame, name: str | None = None) -> tuple[str, pd.DataFrame]:
    """A long return (authority, indicator, period, value, numerator, denominator, row_number)."""
    key, mapping = find_mapping(table, name)
    for column in ["time_period", "geographic_level"]:
        if column not in table:
            raise FileProblem(f"The DfE file has no {column} column.")
    frame = table[table["geographic_level"].str.casefold().isin(GEOGRAPHY)].copy()
    frame = _keep(frame, mapping.get("keep", {}))
    frame["authority"] = _geography(frame)
    frame["period"] = frame["time_period"].map(_PERIODS[mapping["time_period"]])
    parts = []
    for spec in mapping["indicators"]:
        rows = _keep(frame, spec.get("keep", {}))
        part = pd.DataFrame(
            {
                "authority": rows["authority"],
                "indicator": spec["indicator"],
                "period": rows["period"],
                "value": rows[spec["value"].lower()],
                "numerator": rows[spec["numerator"].lower()] if "numerator" in spec else "",
                "denominator": rows[spec["denominator"].lower()] if "denominator" in spec else "",
                "row_number": rows["row_number"],
            }
        )
        parts.append(part)
    return key, pd.concat(parts, ignore_index=True)


def _keep(frame: pd.DataFrame, conditions: dict[str, str]) -> pd.DataFrame:
    for column, wanted in conditions.items():
        column = column.lower()
        if column not in frame:
            raise FileProblem(f"The DfE file has no {column} column.")
        frame = frame[frame[column] == wanted]
    return frame


def _geography(frame: pd.DataFrame) -> pd.Series:
    level = frame["geographic_level"].str.casefold()
    codes = pd.Series("", index=frame.index)
    for name, column in GEOGRAPHY.items():
        if column in frame:
            codes = codes.mask(level == name, frame[column])
    return codes


def _year_ending_march(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if len(digits) == 6:  # "202425"
        return f"{digits[:4]}-{digits[4:]}"
    if len(digits) == 4:
        year = int(digits)
        return f"{year - 1}-{year % 100:02d}"
    return text  # left for the period check to report


def _september_snapshot(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return f"{digits}-09" if len(digits) == 4 else text


_PERIODS = {"year_ending_march": _year_ending_march, "september_snapshot": _september_snapshot}

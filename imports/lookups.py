"""Name-to-id maps read once per file (never a query per row)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from authorities.models import Authority
from indicators.models import Indicator
from indicators.rules import PeriodKind, PeriodParseError, parse_period

from .problems import Problems, problems_where

SUPPRESSION_SYMBOLS = {"c", "k", "low", "x", "z", "u"}


def indicators() -> pd.DataFrame:
    """Indicators indexed by lower-cased code, with id, unit and polarity."""
    frame = pd.DataFrame.from_records(
        Indicator.objects.values_list("id", "code", "unit", "polarity"),
        columns=["id", "code", "unit", "polarity"],
    )
    frame["key"] = frame["code"].str.casefold()
    return frame.set_index("key")


def by_distinct(texts: pd.Series, look_up, missing=np.nan, dtype=object) -> pd.Series:
    """`look_up(text)` for each distinct text, spread back to every row: a national return
    has 440,000 rows but a few hundred distinct authorities, measures and periods. `dtype`:
    what the results are (numbers are spread as numbers, never a column of Python objects)."""
    codes, uniques = pd.factorize(texts)
    found = np.array([look_up(text) for text in uniques] + [missing], dtype=dtype)
    return pd.Series(found[codes], index=texts.index)


def ids_by_distinct(texts: pd.Series, lookup: dict) -> pd.Series:
    """The id each text names, case-insensitively (NaN for none), as floats."""
    return by_distinct(texts, lambda text: lookup.get(text.casefold(), np.nan), dtype="float64")


def parse_periods(
    texts: pd.Series, kind: PeriodKind | None = None
) -> tuple[pd.Series, dict[str, str]]:
    """Canonical period code per row (NaN where unreadable, or not a period of `kind` where
    one is asked for) and the error for each bad text. Each distinct spelling is parsed once:
    every file's periods are read this way."""
    errors: dict[str, str] = {}

    def code(text: str):
        try:
            parsed = parse_period(text)
        except PeriodParseError as error:
            errors[text] = str(error)
            return np.nan
        if kind is not None and parsed.kind != kind:
            errors[text] = f"is a {parsed.kind.value}, not a {kind.value}"
            return np.nan
        return parsed.code

    return by_distinct(texts, code), errors


# A comma between groups of three digits separates thousands ("1,669"); one before any other
# run of digits can only be a decimal comma ("81,5", as Excel writes it in much of Europe).
GROUPED = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?"
DECIMAL_COMMA = r"-?\d+,\d+%?"
DECIMAL_POINT = r"\d\.\d"


def decimal_marks(texts: pd.Series) -> set[str]:
    """The decimal marks a column's cells show: "point" for any "81.5", "comma" for any
    "81,5" (a comma not grouping thousands). Of a file read a share at a time, the marks of
    every share together decide how numbers() reads each one."""
    marks = set()
    commas = texts.str.contains(",", regex=False)
    if commas.any():
        cells = texts[commas].str.strip()
        if (cells.str.fullmatch(DECIMAL_COMMA) & ~cells.str.fullmatch(GROUPED)).any():
            marks.add("comma")
    if texts.str.contains(DECIMAL_POINT).any():
        marks.add("point")
    return marks


def numbers(texts: pd.Series, marks: set[str] | None = None) -> pd.Series:
    """Numbers written as people write them: "82%", "1,669", " 24 ", "81,5". NaN where not a
    number. A comma is a decimal comma where the column shows it is one (a cell such as
    "81,5" and no decimal point anywhere: then "1,500" is 1.5 too), a thousands separator
    where it groups three digits and the column has no decimal comma; a decimal comma in a
    column that also has decimal points is ambiguous, so it is no number (comma_clashes
    says why), never silently a thousands separator. `marks`: the whole column's
    decimal_marks, where `texts` is a share of it."""
    if (texts == "").all():  # an optional column left empty
        return pd.Series(np.nan, index=texts.index)
    # A cell with no digit is no number: only the others are parsed (junk is slow to parse).
    digits = texts.str.contains(r"\d")
    parsed = pd.Series(np.nan, index=texts.index)
    parsed[digits] = pd.to_numeric(texts[digits], errors="coerce").astype("float64")
    # Most cells are plain numbers; only the rest are cleaned, which is the slow part.
    rest = parsed.isna() & digits
    if rest.any():
        marks = decimal_marks(texts) if marks is None else marks
        cells = texts[rest].str.strip()
        grouped = cells.str.fullmatch(GROUPED)
        if marks == {"comma"}:
            cleaned = cells.str.replace(",", ".", regex=False)
        else:  # a comma anywhere but between groups of three digits: no number
            commaless = cells.where(grouped).str.replace(",", "", regex=False)
            cleaned = commaless.where(grouped, cells.where(~cells.str.contains(",")))
        parsed[rest] = pd.to_numeric(cleaned.str.removesuffix("%").str.strip(), errors="coerce")
    return parsed.where(parsed.abs() != float("inf"))


def comma_clashes(texts: pd.Series, parsed: pd.Series) -> pd.Series:
    """Cells numbers() refused because their decimal comma sits in a column of points."""
    return parsed.isna() & texts.str.strip().str.fullmatch(DECIMAL_COMMA).fillna(False)


def suppression(texts: pd.Series) -> pd.Series:
    """DfE's no-value symbol ("c", "[x]", "low"…) in lower case, or "" if not one."""

    def symbol(text: str) -> str:
        folded = text.strip("[]").casefold()
        return folded if folded in SUPPRESSION_SYMBOLS else ""

    return by_distinct(texts, symbol, missing="")


def check_authorities(
    frame: pd.DataFrame,
    allowed: set[int] | None,
    blank_means_all: bool = False,
    ids: dict[str, int] | None = None,
) -> Problems:
    """Set frame["authority_id"] from the authority column and return its problems: unknown,
    empty, or not one the importer works for. Where a blank means every authority (a
    default target), it is a performance admin's (`allowed` None) and nobody else's. `ids`:
    Authority.objects.ids_by_name(), read once by a check of many shares."""
    ids = Authority.objects.ids_by_name() if ids is None else ids
    frame["authority_id"] = ids_by_distinct(frame["authority"], ids)
    blank = frame["authority"] == ""
    problems = Problems()
    if not blank_means_all:
        problems += problems_where(blank, frame, "authority", "is empty")
    elif allowed is not None:
        problems += problems_where(
            blank,
            frame,
            "authority",
            "is empty: a default for every authority is a performance admin's to set; give "
            "your authority's code",
        )
    problems += problems_where(
        frame["authority_id"].isna() & ~blank,
        frame,
        "authority",
        "is not an authority Outturn knows: use a GSS code (E08000017), a DfE number (371) "
        "or the authority's name",
    )
    if allowed is not None:
        problems += problems_where(
            frame["authority_id"].notna() & ~frame["authority_id"].isin(allowed),
            frame,
            "authority",
            "is not an authority you work for: ask a performance admin to assign you",
        )
    return problems

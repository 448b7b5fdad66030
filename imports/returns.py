"""Check a returns file: every row, every problem, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils import timezone

from authorities.models import Authority
from indicators.rules import (
    NO_WORDS,
    PLAUSIBLE_MAXIMUM,
    YES_WORDS,
    PeriodParseError,
    has_begun,
    implausible_value,
    parse_period,
)

from . import lookups
from .problems import Checked, FileProblem, Problem, Problems, problems_where

REQUIRED = ["authority", "indicator", "period", "value"]
OPTIONAL = ["numerator", "denominator", "note", "provisional", "period_stated"]
WIDE_KEYS = ["authority", "indicator"]
YES = YES_WORDS | {"provisional"}
NO = NO_WORDS | {""}


@dataclass
class CheckedReturns(Checked):
    """`frame` has one row per value to store: authority_id, indicator_id, period, value,
    no_value_reason, numerator, denominator, note, provisional, period_stated, row_number."""

    layout: str = "long"
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


KEYS = ["authority_id", "indicator_id", "period"]
CHECKED = [*KEYS, "value", "no_value_reason", "numerator", "denominator", "note"]
CHECKED += ["provisional", "period_stated", "row_number"]


def check_returns(
    table: pd.DataFrame, provisional: bool = False, allowed_authorities: set[int] | None = None
) -> CheckedReturns:
    """Every row of a return checked, one column at a time: each checker reads its column's
    text, stores what it means in the frame and returns the column's problems; then the
    checks across rows."""
    layout, frame, ignored = _to_long(table)
    indicators = lookups.indicators()
    problems = lookups.check_authorities(frame, allowed_authorities)
    problems += _check_indicators(frame, indicators)
    problems += _check_periods(frame, layout)
    unit = lookups.by_distinct(
        frame["indicator"], lambda code: indicators["unit"].get(code.casefold())
    )
    problems += _check_values(frame, unit)
    for column in ["numerator", "denominator"]:
        problems += _check_count(frame, column)
    problems += _check_provisional(frame, provisional)
    problems += _check_period_stated(frame)
    frame, moved = _follow_changes_of_code(frame, KEYS)
    problems += _repeated_keys(frame, KEYS)
    problems.sort()
    return CheckedReturns(frame[CHECKED], problems, layout, ignored, moved)


def _check_indicators(frame: pd.DataFrame, indicators: pd.DataFrame) -> Problems:
    frame["indicator_id"] = lookups.ids_by_distinct(frame["indicator"], indicators["id"].to_dict())
    problems = problems_where(frame["indicator"] == "", frame, "indicator", "is empty")
    problems += problems_where(
        frame["indicator_id"].isna() & (frame["indicator"] != ""),
        frame,
        "indicator",
        "is not an indicator code Outturn knows; import its definition first",
    )
    return problems


def _check_periods(frame: pd.DataFrame, layout: str) -> Problems:
    """Each period read once per distinct spelling; one problem a row, one message a
    distinct unreadable text (a wide file's periods are its column names, read already);
    a period that has not begun cannot have a figure."""
    frame["period"], period_errors = lookups.parse_periods(frame["period"])
    problems = Problems()
    if layout == "long":
        bad = frame["period"].isna().to_numpy()
        codes, texts = pd.factorize(frame["_period_text"].to_numpy()[bad])
        reasons = pd.Series([_period_reason(period_errors[text]) for text in texts])
        for reason, same in reasons.groupby(reasons).groups.items():
            rows = np.zeros(len(frame), dtype=bool)
            rows[np.flatnonzero(bad)[np.isin(codes, same.to_numpy())]] = True
            problems += problems_where(rows, frame, "period", reason, text_column="_period_text")
    today = timezone.localdate()
    not_begun = {
        code
        for code in frame["period"].dropna().unique()
        if not has_begun(parse_period(code), today)
    }
    return problems + problems_where(
        frame["period"].isin(not_begun),
        frame,
        "period",
        "has not begun yet, so it cannot have a figure",
        text_column="_period_text",
    )


def _check_values(frame: pd.DataFrame, unit: pd.Series) -> Problems:
    """A number, a blank or one of DfE's symbols (looked for only where there is no number:
    most rows have one); a number its unit can hold."""
    raw = frame["value"]
    frame["value"] = lookups.numbers(raw)
    frame["no_value_reason"] = ""
    unread = frame["value"].isna()
    frame.loc[unread, "no_value_reason"] = lookups.suppression(raw[unread])
    frame.loc[raw == "", "no_value_reason"] = "blank"
    not_number = frame["value"].isna() & (frame["no_value_reason"] == "")
    clash = not_number & lookups.comma_clashes(raw, frame["value"])
    problems = problems_where(
        clash,
        frame,
        "value",
        "uses a comma as its decimal point, but other figures in the file use a point, so it "
        "could be read either way: write it with a point (81.5)",
        text_column="_value_text",
    )
    problems += problems_where(
        not_number & ~clash,
        frame,
        "value",
        "is not a number, a blank, or one of DfE's symbols (c, k, low, u, x, z)",
        text_column="_value_text",
    )
    return problems + _implausible_values(frame, unit)


def _implausible_values(frame: pd.DataFrame, unit: pd.Series) -> Problems:
    """rules.implausible_value's reason, worked out for the few rows that have one."""
    maximum = lookups.by_distinct(unit.fillna(""), PLAUSIBLE_MAXIMUM.get).astype("float64")
    implausible = frame["value"].notna() & (
        (frame["value"] < 0) | (frame["value"] > maximum.fillna(float("inf")))
    )
    problems = Problems()
    if not implausible.any():
        return problems
    values, kinds = frame.loc[implausible, "value"], unit[implausible]
    reasons = pd.Series(
        [implausible_value(v, k) for v, k in zip(values, kinds, strict=True)],
        index=frame.index[implausible],
    )
    for reason, index in reasons.groupby(reasons).groups.items():
        problems += problems_where(
            frame.index.isin(index), frame, "value", reason, text_column="_value_text"
        )
    return problems


def _check_count(frame: pd.DataFrame, column: str) -> Problems:
    """A numerator or denominator: a number, or empty (a suppressed count, "c", is none)."""
    text = frame[column]
    frame[f"_{column}_text"] = text
    frame[column] = lookups.numbers(text)
    bad = frame[column].isna() & (text != "")
    if bad.any():
        bad &= lookups.suppression(text) == ""
    return problems_where(bad, frame, column, "is not a number", text_column=f"_{column}_text")


def _check_provisional(frame: pd.DataFrame, provisional: bool) -> Problems:
    flag = lookups.by_distinct(frame["provisional"], str.casefold)
    problems = problems_where(~flag.isin(YES | NO), frame, "provisional", "is not yes or no")
    frame["provisional"] = flag.isin(YES) | provisional
    return problems


def _check_period_stated(frame: pd.DataFrame) -> Problems:
    """ "no" where the source quoted the figure without its period (a report's "latest
    national outturn"); blank or "yes" where the period column says which it is."""
    flag = lookups.by_distinct(frame["period_stated"], str.casefold)
    problems = problems_where(
        ~flag.isin(YES | NO),
        frame,
        "period_stated",
        "is not yes or no (write no where the source gave the figure without its period)",
    )
    frame["period_stated"] = ~flag.isin(NO - {""})
    return problems


def _repeated_keys(frame: pd.DataFrame, keys: list[str]) -> Problems:
    """The first figure for each authority, indicator and period (in file order) stands; each
    later one is a problem: a later row, or, in a wide file, a second column naming the same
    period in the same row. Worked on the keys as numbers and the row numbers alone, never a
    copy of the file's rows, and a message made once for each row repeated."""
    complete = frame[keys].notna().all(axis=1).to_numpy()
    key = pd.DataFrame(
        {
            "a": frame["authority_id"].to_numpy(),
            "i": frame["indicator_id"].to_numpy(),
            "p": pd.factorize(frame["period"].to_numpy())[0],  # the file's few periods
            "row": frame["row_number"].to_numpy(),
            "at": np.arange(len(frame)),
        }
    )[complete]
    key = key[key.duplicated(["a", "i", "p"], keep=False)]
    if key.empty:
        return Problems()
    groups = key.groupby(["a", "i", "p"], sort=False)
    later = (groups.cumcount() > 0).to_numpy()
    first_row = groups["row"].transform("first").to_numpy()[later]
    first_at = groups["at"].transform("first").to_numpy()[later]
    rows, at = key["row"].to_numpy()[later], key["at"].to_numpy()[later]
    across = rows != first_row  # a later row repeats an earlier one
    codes, repeated = pd.factorize(first_row[across])
    found = Problems.of_rows(
        pd.Series(rows[across]),
        "",
        None,
        pd.Categorical.from_codes(
            codes, [f"repeats the authority, indicator and period of row {r}" for r in repeated]
        ),
    )
    if (~across).any():  # a wide file's second column for the same period
        within = frame.iloc[at[~across]]
        first_column = frame["_column"].to_numpy()[first_at[~across]]
        found += Problems.of_rows(
            within["row_number"],
            within["_column"].to_numpy(),
            within["_value_text"],
            [
                f"gives a second figure for {parse_period(period).label} (column {column} "
                "gives one already)"
                for period, column in zip(within["period"], first_column, strict=True)
            ],
        )
    return found


def _period_reason(error: str) -> str:
    # The parser's message quotes the text first; Problem quotes it again, so keep the rest.
    return error.split('" ', 1)[1] if error.startswith('"') and '" ' in error else error


def _to_long(table: pd.DataFrame) -> tuple[str, pd.DataFrame, list[str]]:
    columns = [c for c in table.columns if c != "row_number"]
    if all(c in columns for c in REQUIRED):
        frame = table.copy(deep=False)  # pandas copies on write: the file's table is untouched
        for column in OPTIONAL:
            if column not in frame:
                frame[column] = ""
        frame["_period_text"] = frame["period"]
        frame["_value_text"] = frame["value"]
        frame["_column"] = "value"
        ignored = [c for c in columns if c not in REQUIRED + OPTIONAL]
        return "long", frame, ignored
    if all(c in columns for c in WIDE_KEYS) and "value" not in columns:
        periods, ignored = {}, []
        for column in columns:
            if column in WIDE_KEYS:
                continue
            try:
                periods[column] = parse_period(column).code
            except PeriodParseError:
                ignored.append(column)
        if periods:
            return "wide", _melt(table, periods), ignored
    missing = [c for c in REQUIRED if c not in columns]
    raise FileProblem(
        [
            Problem(
                f"The file has no {', '.join(missing)} column. A return needs the columns "
                "authority, indicator, period and value (or authority, indicator and one "
                "column per period)."
            )
        ]
    )


def _melt(table: pd.DataFrame, periods: dict[str, str]) -> pd.DataFrame:
    """One row per filled cell. An empty cell means "nothing supplied" and is skipped."""
    long = table.melt(
        id_vars=[*WIDE_KEYS, "row_number"],
        value_vars=list(periods),
        var_name="_column",
        value_name="value",
    )
    long = long[long["value"] != ""].copy()
    long["period"] = long["_column"].map(periods)
    long["_period_text"] = long["period"]
    long["_value_text"] = long["value"]
    for column in OPTIONAL:
        long[column] = ""
    return long.sort_values(["row_number", "period"], kind="stable").reset_index(drop=True)


def _follow_changes_of_code(frame: pd.DataFrame, keys: list[str]):
    """Rows under an authority's former code are filed under the code it has now, so one
    authority has one series and one row in any ranking (Authority.successor_ids). A row
    under a former code that repeats a row under the current code for the same indicator and
    period (DfE's files sometimes give both) is left out. Returns the frame and notes saying
    what was done."""
    successors = Authority.successor_ids()
    if not frame["authority_id"].isin(list(successors)).any():
        return frame, []
    now = frame["authority_id"].map(successors)
    former = now.notna()
    current = set(
        zip(
            frame.loc[~former, "authority_id"],
            frame.loc[~former, "indicator_id"],
            frame.loc[~former, "period"],
            strict=True,
        )
    )
    repeats = former & pd.Series(
        [
            (a, i, p) in current
            for a, i, p in zip(now, frame["indicator_id"], frame["period"], strict=True)
        ],
        index=frame.index,
    )
    codes = dict(
        Authority.objects.filter(
            id__in={*frame.loc[former, "authority_id"].astype(int), *now[former].astype(int)}
        ).values_list("id", "code")
    )
    pairs = sorted(
        {
            (codes[int(a)], codes[int(b)])
            for a, b in zip(frame.loc[former, "authority_id"], now[former], strict=True)
        }
    )
    said = ", ".join(f"{old} → {new}" for old, new in pairs)
    notes = [
        f"{int(former.sum() - repeats.sum()):,} row(s) under an authority's former code were "
        f"filed under its current code ({said}): one authority, one series."
    ]
    if repeats.any():
        notes.append(
            f"{int(repeats.sum()):,} row(s) under a former code repeat a row for the same "
            "authority under its current code, indicator and period, and were left out."
        )
    frame = frame.copy()
    frame.loc[former, "authority_id"] = now[former]
    return frame[~repeats], notes

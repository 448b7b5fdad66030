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
from .files import Table
from .problems import Checked, FileProblem, Problem, ProblemLog, Problems, problems_where

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
    table: pd.DataFrame | Table,
    provisional: bool = False,
    allowed_authorities: set[int] | None = None,
) -> CheckedReturns:
    """Every row of a return checked, a share of rows at a time (files.Table), so what is
    held grows with a share and with the figures to store, never with the file or with what
    is wrong in it. First, from the keys alone, the facts that span the file (Across): each
    numeric column's decimal mark, rows filed under an authority's former code, repeated
    keys. Then each share, one column at a time: each checker reads its column's text,
    stores what it means in the frame and returns the column's problems, which go to the
    file's ProblemLog in file order; a share's rows are kept only while the file has no
    problem."""
    shares = table if isinstance(table, Table) else Table.of(table)
    layout, periods, ignored = _layout(shares.columns)
    indicators, authorities = lookups.indicators(), Authority.objects.ids_by_name()
    across = Across.of(shares, layout, periods, indicators, authorities)
    log, kept, offset = ProblemLog(), [], 0
    for share in shares:
        frame = _to_long(share, layout, periods)
        problems = _check_share(frame, indicators, authorities, allowed_authorities, across)
        problems += _check_provisional(frame, provisional)
        problems += across.repeats_in(frame, offset)
        log.add(problems)
        if log:
            kept.clear()  # a file with a problem stores nothing
        else:
            kept.append(across.filed(frame, offset)[CHECKED])
        offset += len(frame)
    rows = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=CHECKED)
    return CheckedReturns(rows, log, layout, ignored, across.notes)


def _check_share(
    frame: pd.DataFrame,
    indicators: pd.DataFrame,
    authorities: dict[str, int],
    allowed_authorities: set[int] | None,
    across: Across,
) -> Problems:
    problems = lookups.check_authorities(frame, allowed_authorities, ids=authorities)
    problems += _check_indicators(frame, indicators)
    problems += _check_periods(frame)
    unit = lookups.by_distinct(
        frame["indicator"], lambda code: indicators["unit"].get(code.casefold())
    )
    problems += _check_values(frame, unit, across.marks["value"])
    for column in ["numerator", "denominator"]:
        problems += _check_count(frame, column, across.marks[column])
    problems += _check_period_stated(frame)
    return problems


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


def _check_periods(frame: pd.DataFrame) -> Problems:
    """Each period read once per distinct spelling; one problem a row, one message a
    distinct unreadable text (a wide file's periods are its column names, read already);
    a period that has not begun cannot have a figure."""
    frame["period"], period_errors = lookups.parse_periods(frame["period"])
    problems = Problems()
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


def _check_values(frame: pd.DataFrame, unit: pd.Series, marks: set[str]) -> Problems:
    """A number, a blank or one of DfE's symbols (looked for only where there is no number:
    most rows have one); a number its unit can hold."""
    raw = frame["value"]
    frame["value"] = lookups.numbers(raw, marks)
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


def _check_count(frame: pd.DataFrame, column: str, marks: set[str]) -> Problems:
    """A numerator or denominator: a number, or empty (a suppressed count, "c", is none)."""
    text = frame[column]
    frame[f"_{column}_text"] = text
    frame[column] = lookups.numbers(text, marks)
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


def _period_reason(error: str) -> str:
    # The parser's message quotes the text first; Problem quotes it again, so keep the rest.
    return error.split('" ', 1)[1] if error.startswith('"') and '" ' in error else error


def _layout(columns: list[str]) -> tuple[str, dict[str, str], list[str]]:
    """("long" or "wide", a wide file's period code for each period column, the columns
    ignored)."""
    columns = [c for c in columns if c != "row_number"]
    if all(c in columns for c in REQUIRED):
        return "long", {}, [c for c in columns if c not in REQUIRED + OPTIONAL]
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
            return "wide", periods, ignored
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


def _to_long(table: pd.DataFrame, layout: str, periods: dict[str, str]) -> pd.DataFrame:
    """A share as one row per figure, its texts kept beside what the checks make of them."""
    if layout == "wide":
        return _melt(table, periods)
    frame = table.copy(deep=False)  # pandas copies on write: the file's table is untouched
    for column in OPTIONAL:
        if column not in frame:
            frame[column] = ""
    frame["_period_text"] = frame["period"]
    frame["_value_text"] = frame["value"]
    frame["_column"] = "value"
    return frame.reset_index(drop=True)


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


KEY_COLUMNS = ["a", "i", "p", "row", "at"]  # authority, indicator, period; row; position


@dataclass
class Across:
    """What the check of one share must know of the whole file, found first from the keys
    alone (the authority, indicator and period of each figure as numbers, never a copy of the
    file's rows): each numeric column's decimal marks (lookups.decimal_marks); the figures
    filed under an authority's former code, and those of them left out because they repeat
    a figure under its current code; and each figure that repeats an earlier one's key,
    with the figure it repeats. Positions count the figures of the file in order, as
    `_to_long` makes them."""

    marks: dict[str, set[str]]
    successors: dict[int, int]
    left_out: np.ndarray  # positions of figures under a former code repeated under the current
    repeats: np.ndarray  # positions of figures repeating an earlier key, in file order
    first_row: np.ndarray  # for each repeat, the row of the figure it repeats
    first_at: np.ndarray  # ... and its position
    notes: list[str]

    @classmethod
    def of(
        cls, shares: Table, layout: str, periods: dict[str, str], indicators, authority_ids
    ) -> Across:
        marks = {"value": set(), "numerator": set(), "denominator": set()}
        indicator_ids = indicators["id"].to_dict()
        period_numbers: dict[str, int] = {}
        keys: dict[str, list[np.ndarray]] = {name: [] for name in KEY_COLUMNS}
        offset = 0
        needed = [*WIDE_KEYS, *periods] if layout == "wide" else REQUIRED + OPTIONAL[:2]
        for share in shares.shares(needed):
            frame = _to_long(share, layout, periods)
            for column, seen in marks.items():
                seen |= lookups.decimal_marks(frame[column])
            code, _ = lookups.parse_periods(frame["period"])
            found = {
                "a": lookups.ids_by_distinct(frame["authority"], authority_ids).to_numpy(),
                "i": lookups.ids_by_distinct(frame["indicator"], indicator_ids).to_numpy(),
                "p": lookups.by_distinct(
                    code.fillna(""),
                    lambda c: period_numbers.setdefault(c, len(period_numbers)) if c else -1,
                    dtype="float64",
                ).to_numpy(),
                "row": frame["row_number"].to_numpy(),
                "at": np.arange(offset, offset + len(frame)),
            }
            complete = ~np.isnan(found["a"]) & ~np.isnan(found["i"]) & (found["p"] >= 0)
            for name, values in found.items():  # 4 bytes a number: ids, rows and positions
                keys[name].append(values[complete].astype("int32"))
            offset += len(frame)
        key = {name: _joined(keys.pop(name)) for name in KEY_COLUMNS}  # a column at a time
        successors = Authority.successor_ids()
        left_out, notes = _former_codes(key, successors)
        if len(left_out):
            kept = ~np.isin(key["at"], left_out)
            key = {name: values[kept] for name, values in key.items()}
        repeats, first_row, first_at = _repeats(key)
        return cls(marks, successors, left_out, repeats, first_row, first_at, notes)

    def repeats_in(self, frame: pd.DataFrame, offset: int) -> Problems:
        """The share's figures that repeat an earlier one (the first figure for each
        authority, indicator and period, in file order, stands): a later row, or, in a wide
        file, a second column naming the same period in the same row. A message is made once
        for each row repeated."""
        low, high = np.searchsorted(self.repeats, [offset, offset + len(frame)])
        if low == high:
            return Problems()
        at = self.repeats[low:high] - offset
        first_row, first_at = self.first_row[low:high], self.first_at[low:high] - offset
        rows = frame["row_number"].to_numpy()[at]
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
        if (~across).any():  # a wide file's second column for the same period (one share)
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

    def filed(self, frame: pd.DataFrame, offset: int) -> pd.DataFrame:
        """The share's figures under the authority each is filed under now (one authority,
        one series, in any ranking too: Authority.successor_ids), less those left out."""
        if not self.successors:
            return frame
        now = frame["authority_id"].map(self.successors)
        if now.notna().any():
            frame = frame.copy()
            frame.loc[now.notna(), "authority_id"] = now[now.notna()]
        low, high = np.searchsorted(self.left_out, [offset, offset + len(frame)])
        if low == high:
            return frame
        keep = np.ones(len(frame), dtype=bool)
        keep[self.left_out[low:high] - offset] = False
        return frame[keep]


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    joined = np.concatenate(parts) if parts else np.empty(0, dtype="int32")
    parts.clear()
    return joined


def _former_codes(
    key: dict[str, np.ndarray], successors: dict[int, int]
) -> tuple[np.ndarray, list[str]]:
    """Figures under an authority's former code are filed under the code it has now; one
    that repeats a figure under the current code for the same indicator and period (DfE's
    files sometimes give both) is left out. Sets `key`'s authority to the current one;
    returns the positions left out (sorted) and notes saying what was done."""
    a, i, p = key["a"], key["i"], key["p"]
    former = np.isin(a, list(successors))
    if not former.any():
        return np.empty(0, dtype="int32"), []
    now = pd.Series(a[former]).map(successors).to_numpy("int32")
    current = pd.MultiIndex.from_arrays([a[~former], i[~former], p[~former]])
    repeats = pd.MultiIndex.from_arrays([now, i[former], p[former]]).isin(current)
    pairs = sorted(set(zip(a[former].tolist(), now.tolist(), strict=True)))
    codes = dict(
        Authority.objects.filter(id__in={x for pair in pairs for x in pair}).values_list(
            "id", "code"
        )
    )
    said = ", ".join(f"{codes[old]} → {codes[new]}" for old, new in pairs)
    notes = [
        f"{int(former.sum() - repeats.sum()):,} row(s) under an authority's former code were "
        f"filed under its current code ({said}): one authority, one series."
    ]
    if repeats.any():
        notes.append(
            f"{int(repeats.sum()):,} row(s) under a former code repeat a row for the same "
            "authority under its current code, indicator and period, and were left out."
        )
    a[former] = now
    return np.sort(key["at"][former][repeats]), notes


def _repeats(key: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions, first rows, first positions) of the figures whose key an earlier figure
    has. Worked on one number a figure, each step freeing the last: the authority and
    indicator, then the period, packed into 64 bits; factorize numbers keys in order of
    first appearance, so a figure is the first of its key exactly where its number is new.
    Empties `key`."""
    at, rows = key.pop("at"), key.pop("row")
    if not len(at):
        return (np.empty(0, dtype="int32"),) * 3
    number, _ = pd.factorize((key.pop("a").astype("int64") << 32) | key.pop("i"))
    number, _ = pd.factorize((number << 32) | key.pop("p"))
    highest = np.maximum.accumulate(number)
    first = np.ones(len(number), dtype=bool)
    first[1:] = highest[1:] > highest[:-1]
    del highest
    first_index = np.flatnonzero(first)[number[~first]]
    del number
    return at[~first], rows[first_index], at[first_index]

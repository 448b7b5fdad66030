"""Compare a checked return with what is stored, and write it: new and changed values only,
in one transaction, set-based."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection

from authorities.models import Authority
from indicators import writes
from indicators.bulk import read_frame
from indicators.models import FIGURE_FIELDS, Indicator, Period, Value
from indicators.recompute import attach_targets
from indicators.rules import Status, parse_period, round_half_up_array, statuses

from .models import Written

COMPARED = FIGURE_FIELDS  # what makes a stored figure differ from the file's
KEYS = ["authority_id", "indicator_id", "period_id"]


@dataclass
class Diff:
    """`rows` is the file's rows with `state` (new, changed, unchanged); `stored` what is
    stored for them (old_id and old_* columns) and `at`, for each row, its stored figure's
    position there (-1 for none): the stored columns are never spread over every row."""

    rows: pd.DataFrame
    stored: pd.DataFrame | None = None
    at: np.ndarray | None = None

    def count(self, state: str) -> int:
        return int((self.rows["state"] == state).sum())

    @property
    def counts(self) -> dict[str, int]:
        return {state: self.count(state) for state in STATES}

    @property
    def to_write(self) -> pd.DataFrame:
        unchanged = self.rows["state"] == "unchanged"
        return self.rows[~unchanged] if unchanged.any() else self.rows  # no copy of a new file

    def shown(self, limit: int) -> pd.DataFrame:
        """The first `limit` new and changed rows, each with its stored figure
        (old_value, old_no_value_reason) where there is one."""
        picked = np.flatnonzero((self.rows["state"] != "unchanged").to_numpy())[:limit]
        rows = self.rows.iloc[picked]
        at = np.full(len(picked), -1) if self.at is None else self.at[picked]
        old = {"old_value": np.nan, "old_no_value_reason": ""}
        if self.stored is not None and (at >= 0).any():
            stored = self.stored.iloc[np.where(at >= 0, at, 0)]
            old = {
                name: np.where(at >= 0, stored[name].to_numpy(dtype=object), empty)
                for name, empty in old.items()
            }
        return rows.assign(**old)


STATES = ["new", "changed", "unchanged"]


def _states(codes: np.ndarray) -> pd.Categorical:
    """A row's state, a byte each (a million rows' "new" as text took 17 MB)."""
    return pd.Categorical.from_codes(codes.astype("int8"), STATES)


def diff_returns(frame: pd.DataFrame) -> Diff:
    """Read the stored values for the file's authorities, indicators and periods in one query
    and mark each row new, changed or unchanged, comparing each column of the file with the
    stored figure's (looked up by position: the stored columns are not joined to every
    row)."""
    parsed = {code: parse_period(code) for code in frame["period"].unique()}
    period_ids = dict(Period.objects.filter(code__in=parsed).values_list("code", "id"))
    # A new frame sharing the file's columns (pandas copies on write): no copy of 440,000 rows.
    rows = frame.reset_index(drop=True)
    rows["period_id"] = rows["period"].map(period_ids)
    stored = _stored(rows)
    if stored.empty:  # nothing stored for these authorities, measures and periods yet
        return Diff(rows.assign(state=_states(np.zeros(len(rows)))))
    at = _stored_at(rows, stored)
    exists = at >= 0
    take = np.where(exists, at, 0)
    same = np.ones(len(rows), dtype=bool)
    for column in COMPARED:
        new = rows[column]
        old = stored[f"old_{column}"].take(take).reset_index(drop=True)
        if column in ("value", "numerator", "denominator"):
            equal = (new == old) | (new.isna() & old.isna())
        else:
            equal = new.fillna("") == old.fillna("")
        same &= equal.to_numpy(dtype=bool)
    rows["state"] = _states(np.where(~exists, 0, np.where(same, 2, 1)))
    return Diff(rows, stored, at)


def _stored_at(rows: pd.DataFrame, stored: pd.DataFrame) -> np.ndarray:
    """Each row's stored figure's position in `stored`, -1 for none (the keys alone joined)."""
    positions = stored[KEYS].assign(_at=np.arange(len(stored)))
    found = rows[KEYS].merge(positions, on=KEYS, how="left")["_at"]
    return found.fillna(-1).to_numpy(dtype="int64")


def _stored(rows: pd.DataFrame) -> pd.DataFrame:
    columns = ["old_id", *KEYS, *(f"old_{c}" for c in COMPARED)]
    known = rows["period_id"].notna()  # the keys alone: never a copy of the file's rows
    if not known.any():
        return pd.DataFrame(columns=columns).astype(dict.fromkeys(KEYS, "float64"))
    values = Value.objects.filter(
        authority_id__in=rows.loc[known, "authority_id"].unique().tolist(),
        indicator_id__in=rows.loc[known, "indicator_id"].unique().tolist(),
        period_id__in=rows.loc[known, "period_id"].unique().astype(int).tolist(),
    )
    stored = read_frame(
        values,
        ["id", *KEYS, *COMPARED],
        columns,
        numeric=["old_value", "old_numerator", "old_denominator"],
    )
    for column in ["old_provisional", "old_period_stated"]:
        stored[column] = stored[column].isin([True, "t"])
    for column in ["old_no_value_reason", "old_note"]:
        stored[column] = stored[column].fillna("").astype(str)
    return stored.astype(dict.fromkeys(KEYS, "float64"))


def apply_returns(frame: pd.DataFrame, import_batch, scheduler) -> Diff:
    """Write the new and changed rows through the one write path, which records their history
    and schedules their recompute with `scheduler`. The caller owns the transaction (so the
    batch record commits or rolls back with the values)."""
    assert connection.in_atomic_block, "apply_returns must run inside a transaction"
    Period.ensure(parse_period(code) for code in frame["period"].unique())
    diff = diff_returns(frame)
    record_written(import_batch, diff.to_write)
    written = writes.save_value_rows(
        diff.to_write,
        user_id=import_batch.created_by_id,
        reason=f"Import {import_batch.id}: {import_batch.file_name}",
        scheduler=scheduler,
    )
    diff.counts["moved"] = written.moved
    return diff


def record_written(import_batch, rows: pd.DataFrame) -> None:
    """Keep where the import writes figures (imports.Written): each authority and period once,
    in the caller's transaction, beside the figures."""
    pairs = rows[["authority_id", "period_id"]].drop_duplicates().astype("int64")
    Written.objects.bulk_create(
        [
            Written(batch_id=import_batch.id, authority_id=authority, period_id=period)
            for authority, period in pairs.itertuples(index=False, name=None)
        ],
        batch_size=2000,
    )


# What a plan keeps of each row to write (imports.plans): the diff's new and changed rows.
PLANNED_COLUMNS = [
    "authority_id",
    "indicator_id",
    "period",
    *COMPARED,
]


@dataclass
class Planned:
    """Rows to write from a plan: checked and diffed when the file was staged, and nothing
    either read has changed since."""

    frame: pd.DataFrame
    problems: tuple = ()


def write_planned(frame: pd.DataFrame, import_batch, scheduler) -> int:
    """Write a plan's rows through the one write path (the caller owns the transaction);
    return how many stored figures it did not name moved with them."""
    assert connection.in_atomic_block, "write_planned must run inside a transaction"
    periods = Period.ensure(parse_period(code) for code in frame["period"].unique())
    rows = frame.assign(period_id=frame["period"].map({c: p.id for c, p in periods.items()}))
    record_written(import_batch, rows)
    return writes.save_value_rows(
        rows,
        user_id=import_batch.created_by_id,
        reason=f"Import {import_batch.id}: {import_batch.file_name}",
        scheduler=scheduler,
    ).moved


def describe_changes(changed: pd.DataFrame) -> list[dict]:
    """New and changed rows as a person reads them: where, the old and new figure, and the
    status the new figure would have (judged as the recompute judges it, against the stored
    target)."""
    if changed.empty:
        return []
    names = dict(
        Authority.objects.filter(id__in=changed["authority_id"].unique().tolist()).values_list(
            "id", "name"
        )
    )
    indicators = {
        i.id: i for i in Indicator.objects.filter(id__in=changed["indicator_id"].unique().tolist())
    }
    return [
        {
            "row": int(row.row_number),
            "authority": names.get(int(row.authority_id), ""),
            "indicator": indicators[int(row.indicator_id)].code,
            "period": row.period,
            "old": "new" if row.state == "new" else _shown(row.old_value, row.old_no_value_reason),
            "new": _shown(row.value, row.no_value_reason),
            "status": Status(status).label,
        }
        for row, status in zip(changed.itertuples(), _judged(changed, indicators), strict=True)
    ]


def _judged(changed: pd.DataFrame, indicators: dict) -> np.ndarray:
    """The status each row's figure would have, at its published precision."""
    frame = pd.DataFrame(
        {
            "authority_id": changed["authority_id"].astype("int64").to_numpy(),
            "indicator_id": changed["indicator_id"].astype("int64").to_numpy(),
            "fiscal_year": [parse_period(text).fiscal_year for text in changed["period"]],
        }
    )
    polarity = frame["indicator_id"].map(lambda i: indicators[i].polarity).to_numpy()
    decimals = frame["indicator_id"].map(lambda i: indicators[i].decimals).to_numpy()
    frame = attach_targets(frame)
    value = round_half_up_array(changed["value"].to_numpy(dtype="float64"), decimals)
    return statuses(value, frame["target"], frame["tolerance"], polarity)


def _shown(value, reason) -> str:
    if value == value and value is not None:  # not NaN
        return f"{value:g}"
    return f"no value ({reason})" if reason else "no value"

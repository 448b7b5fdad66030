"""Set-based recompute of status, direction of travel and hard to shift.

One query reads every value of the affected series, one reads their targets; pandas applies
the rules in indicators.rules to whole columns; the changed rows are written with one UPDATE
per (status, direction, hard_to_shift) combination and chunk. Whole series are always read,
so later periods whose direction or hard-to-shift flag depends on a changed value are
recomputed too."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from .frames import read_frame
from .models import Target, Value
from .rules import (
    ANNUAL_SNAPSHOT_GAP,
    PeriodKind,
    Polarity,
    Status,
    round_half_up_array,
)

log = logging.getLogger(__name__)

UPDATE_CHUNK = 5000  # well inside SQLite's limit on bound parameters

_VALUE_COLUMNS = [
    "id",
    "authority_id",
    "indicator_id",
    "period__kind",
    "period__sequence",
    "period__fiscal_year",
    "value",
    "reported_status",
    "status",
    "direction",
    "hard_to_shift",
    "indicator__polarity",
    "indicator__decimals",
]
_NAMES = [
    "id",
    "authority_id",
    "indicator_id",
    "kind",
    "sequence",
    "fiscal_year",
    "value",
    "reported_status",
    "old_status",
    "old_direction",
    "old_hard_to_shift",
    "polarity",
    "decimals",
]


def load_series(
    authority_ids: Iterable[int] | None = None, indicator_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    values = Value.objects.all()
    if authority_ids is not None:
        values = values.filter(authority_id__in=list(authority_ids))
    if indicator_ids is not None:
        values = values.filter(indicator_id__in=list(indicator_ids))
    frame = read_frame(values, _VALUE_COLUMNS, _NAMES, numeric=["value", "decimals"])
    frame["reported_status"] = frame["reported_status"].fillna("").astype(str)
    frame["old_hard_to_shift"] = frame["old_hard_to_shift"].isin([True, "t"])
    return frame


def attach_targets(frame: pd.DataFrame) -> pd.DataFrame:
    """Add target and tolerance columns: the authority's own target for the year, else the
    default for all authorities. Target and tolerance always come from the same row."""
    indicator_ids = frame["indicator_id"].unique().tolist()
    targets = pd.DataFrame.from_records(
        Target.objects.filter(indicator_id__in=indicator_ids).values_list(
            "indicator_id", "authority_id", "fiscal_year", "target", "tolerance"
        ),
        columns=["indicator_id", "authority_id", "fiscal_year", "target", "tolerance"],
    )
    keys = ["indicator_id", "fiscal_year"]
    own = targets[targets["authority_id"].notna()].astype({"authority_id": "int64"})
    default = targets[targets["authority_id"].isna()].drop(columns="authority_id")
    frame = frame.merge(own, how="left", on=[*keys, "authority_id"])
    frame = frame.merge(default, how="left", on=keys, suffixes=("", "_default"))
    use_default = frame["target"].isna()
    frame.loc[use_default, "target"] = frame.loc[use_default, "target_default"]
    frame.loc[use_default, "tolerance"] = frame.loc[use_default, "tolerance_default"]
    return frame.drop(columns=["target_default", "tolerance_default"])


def compute(frame: pd.DataFrame) -> pd.DataFrame:
    """Column-wise equivalent of rules.effective_status, direction_of_travel and
    is_hard_to_shift (tests/indicators/test_recompute.py holds the two to each other)."""
    frame = frame.sort_values(["authority_id", "indicator_id", "kind", "sequence"])
    if "decimals" in frame:  # judged at the indicator's published precision, not hidden digits
        frame = frame.assign(
            value=round_half_up_array(
                frame["value"].to_numpy(dtype="float64"),
                frame["decimals"].to_numpy(dtype="float64"),
            )
        )
    value = frame["value"].to_numpy(dtype="float64")
    target = frame["target"].to_numpy(dtype="float64")
    tolerance = frame["tolerance"].to_numpy(dtype="float64")
    polarity = frame["polarity"].to_numpy()
    reported = frame["reported_status"].fillna("").to_numpy()
    higher = polarity == Polarity.HIGHER_IS_BETTER
    sign = np.where(higher, 1.0, -1.0)
    no_value = np.isnan(value)
    with np.errstate(invalid="ignore"):
        on_target = sign * value >= sign * target
        within = ~np.isnan(tolerance) & (sign * value >= sign * tolerance)
    frame["status"] = np.select(
        [
            no_value & (reported != ""),
            (polarity == Polarity.NONE) | np.isnan(target),
            no_value,
            on_target,
            within,
        ],
        [reported, Status.NO_TARGET, Status.NO_VALUE, Status.ON_TARGET, Status.WITHIN_TOLERANCE],
        default=Status.OUTSIDE_TOLERANCE,
    ).astype(object)

    series = frame.groupby(["authority_id", "indicator_id", "kind"], sort=False)
    previous_value = series["value"].shift(1).to_numpy(dtype="float64")
    previous_sequence = series["sequence"].shift(1).to_numpy(dtype="float64")
    previous_status = series["status"].shift(1).to_numpy()
    gap = frame["sequence"].to_numpy() - previous_sequence
    consecutive = gap == 1
    # rules.is_comparable_previous: the period before, or a month's annual snapshot.
    annual_snapshot = (frame["kind"].to_numpy() == PeriodKind.MONTH) & (gap == ANNUAL_SNAPSHOT_GAP)
    change = value - previous_value
    comparable = (consecutive | annual_snapshot) & ~np.isnan(change)
    frame["direction"] = np.select(
        [
            ~comparable,
            change == 0,
            (polarity == Polarity.NONE) & (change > 0),
            polarity == Polarity.NONE,
            (change > 0) == higher,
        ],
        ["", "unchanged", "up", "down", "better"],
        default="worse",
    ).astype(object)
    frame["hard_to_shift"] = (
        (frame["kind"].to_numpy() == "quarter")
        & consecutive
        & (frame["status"].to_numpy() == Status.OUTSIDE_TOLERANCE)
        & (previous_status == Status.OUTSIDE_TOLERANCE)
    )
    return frame


def recompute(
    authority_ids: Iterable[int] | None = None, indicator_ids: Iterable[int] | None = None
) -> int:
    """Recompute the given series (None means all) and return how many values changed."""
    frame = load_series(authority_ids, indicator_ids)
    if frame.empty:
        return 0
    frame = compute(attach_targets(frame))
    changed = frame[
        (frame["status"] != frame["old_status"])
        | (frame["direction"] != frame["old_direction"])
        | (frame["hard_to_shift"] != frame["old_hard_to_shift"])
    ]
    if changed.empty:
        log.info("recompute: %d values read, none changed", len(frame))
        return 0
    # A changed status is a change to the figure's record: "data as of" moves with it.
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_update(changed, now)
        else:
            for (status, direction, hard_to_shift), group in changed.groupby(
                ["status", "direction", "hard_to_shift"]
            ):
                ids = group["id"].tolist()
                for start in range(0, len(ids), UPDATE_CHUNK):
                    Value.objects.filter(pk__in=ids[start : start + UPDATE_CHUNK]).update(
                        status=status,
                        direction=direction,
                        hard_to_shift=bool(hard_to_shift),
                        updated_at=now,
                    )
    log.info("recompute: %d values read, %d changed", len(frame), len(changed))
    return len(changed)


def _copy_update(changed: pd.DataFrame, now) -> None:
    """PostgreSQL: COPY the new statuses into a temporary table and UPDATE from it once."""
    buffer = io.StringIO()
    out = changed[["id", "status", "direction", "hard_to_shift"]].copy()
    out["hard_to_shift"] = out["hard_to_shift"].map({True: "t", False: "f"})
    out.to_csv(buffer, index=False, header=False, na_rep="\\N")
    buffer.seek(0)
    table = Value._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE new_statuses (id bigint PRIMARY KEY, status varchar(20), "
            "direction varchar(10), hard_to_shift boolean) ON COMMIT DROP"
        )
        # NULL is spelt \N so that an empty direction stays an empty string.
        with cursor.copy("COPY new_statuses FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute(
            f"UPDATE {table} AS v SET status = n.status, direction = n.direction, "
            "hard_to_shift = n.hard_to_shift, updated_at = %s FROM new_statuses AS n "
            "WHERE v.id = n.id",
            [now],
        )
        cursor.execute("DROP TABLE new_statuses")

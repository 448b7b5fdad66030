"""The set-based recompute of every derived field of a figure: status, direction of travel,
hard to shift and the control chart's (indicators.models.DERIVED_FIELDS).

Whole series are read at once, a share of authorities at a time (`load_series`, with their
targets and rebases), the rules in indicators.rules and indicators.spc are applied to whole
columns (`derive`), and only the rows whose derived fields moved are written: through a
temporary table and one UPDATE … FROM on PostgreSQL, one prepared UPDATE on SQLite
(`write_derived`). Reading whole series means that later periods whose direction, hard-to-
shift flag or control chart depends on a changed figure are recomputed too."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

from core import versions

from . import bulk, spc
from .bulk import read_frame
from .models import DERIVED_FIELDS, Rebase, Target, Value
from .rules import (
    PeriodKind,
    comparable_previous,
    directions,
    hard_to_shift,
    round_half_up_array,
    statuses,
)

log = logging.getLogger(__name__)


def _derived_fields() -> list:
    """The model's fields for DERIVED_FIELDS: every list, cast and column type below is read
    from them, so a derived field is added in one place (indicators.models)."""
    return [Value._meta.get_field(name) for name in DERIVED_FIELDS]


def _of_type(field_class) -> list[str]:
    return [f.name for f in _derived_fields() if isinstance(f, field_class)]


def _numbers() -> list[str]:
    """Derived numbers, carried as float64 with NaN for none while the rules work on them
    (whole numbers become integers again on their way to the database: plain_types)."""
    return _of_type(models.FloatField) + _of_type(models.IntegerField)


# What the recompute reads of each figure: its key, period, value, the derived fields as
# stored (as `old_<field>`, to write only what moves) and its indicator's polarity and
# decimals.
_VALUE_COLUMNS = [
    "id",
    "authority_id",
    "indicator_id",
    "period_id",
    "period__kind",
    "period__sequence",
    "period__fiscal_year",
    "value",
    "reported_status",
    *DERIVED_FIELDS,
    "indicator__polarity",
    "indicator__decimals",
]
_NAMES = [
    "id",
    "authority_id",
    "indicator_id",
    "period_id",
    "kind",
    "sequence",
    "fiscal_year",
    "value",
    "reported_status",
    *(f"old_{name}" for name in DERIVED_FIELDS),
    "polarity",
    "decimals",
]
SPC_DIGITS = 6  # limits are stored (and compared) at this many decimal places


def load_series(
    authority_ids: Iterable[int] | None = None, indicator_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    values = Value.objects.all()
    if authority_ids is not None:
        values = values.filter(authority_id__in=list(authority_ids))
    if indicator_ids is not None:
        values = values.filter(indicator_id__in=list(indicator_ids))
    floats = [f"old_{name}" for name in _numbers()]
    frame = read_frame(values, _VALUE_COLUMNS, _NAMES, numeric=["value", "decimals", *floats])
    for name in _of_type(models.CharField):
        frame[f"old_{name}"] = frame[f"old_{name}"].fillna("").astype(str)
    frame["reported_status"] = frame["reported_status"].fillna("").astype(str)
    for name in _of_type(models.BooleanField):
        frame[f"old_{name}"] = frame[f"old_{name}"].isin([True, "t"])
    return frame


def load_targets(indicator_ids: list[int]) -> pd.DataFrame:
    """Every target of these measures, each authority's own and the defaults."""
    return pd.DataFrame.from_records(
        Target.objects.filter(indicator_id__in=indicator_ids).values_list(
            "indicator_id", "authority_id", "fiscal_year", "target", "tolerance"
        ),
        columns=["indicator_id", "authority_id", "fiscal_year", "target", "tolerance"],
    )


def attach_targets(frame: pd.DataFrame, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add target and tolerance columns: the authority's own target for the year, else the
    default for all authorities. Target and tolerance always come from the same row.
    `targets`: load_targets for (at least) the frame's measures; read here if not given."""
    if targets is None:
        targets = load_targets(frame["indicator_id"].unique().tolist())
    keys = ["indicator_id", "fiscal_year"]
    own = targets[targets["authority_id"].notna()].astype({"authority_id": "int64"})
    default = targets[targets["authority_id"].isna()].drop(columns="authority_id")
    frame = frame.merge(own, how="left", on=[*keys, "authority_id"])
    frame = frame.merge(default, how="left", on=keys, suffixes=("", "_default"))
    use_default = frame["target"].isna()
    frame.loc[use_default, "target"] = frame.loc[use_default, "target_default"]
    frame.loc[use_default, "tolerance"] = frame.loc[use_default, "tolerance_default"]
    return frame.drop(columns=["target_default", "tolerance_default"])


def compute(frame: pd.DataFrame, rebases: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every derived field of whole series, by the rules in indicators.rules applied to
    columns: status, direction of travel against the comparable previous figure, hard to
    shift against the quarter before, then the control chart's."""
    frame = frame.sort_values(["authority_id", "indicator_id", "kind", "sequence"])
    if "decimals" in frame:  # judged at the indicator's published precision, not hidden digits
        frame = frame.assign(
            value=round_half_up_array(
                frame["value"].to_numpy(dtype="float64"),
                frame["decimals"].to_numpy(dtype="float64"),
            )
        )
    value = frame["value"].to_numpy(dtype="float64")
    polarity = frame["polarity"].to_numpy()
    kind = frame["kind"].to_numpy()
    frame["status"] = statuses(
        value,
        frame["target"].to_numpy(dtype="float64"),
        frame["tolerance"].to_numpy(dtype="float64"),
        polarity,
        frame["reported_status"].fillna("").to_numpy(),
    )
    series = frame.groupby(["authority_id", "indicator_id", "kind"], sort=False)
    previous_sequence = series["sequence"].shift(1).to_numpy(dtype="float64")
    comparable = comparable_previous(kind, frame["sequence"].to_numpy(), previous_sequence)
    previous_value = series["value"].shift(1).to_numpy(dtype="float64")
    frame["direction"] = directions(value, np.where(comparable, previous_value, np.nan), polarity)
    quarter_before = (kind == PeriodKind.QUARTER) & (
        frame["sequence"].to_numpy() - previous_sequence == 1
    )
    previous_status = series["status"].shift(1).to_numpy()
    frame["hard_to_shift"] = hard_to_shift(
        frame["status"].to_numpy(), np.where(quarter_before, previous_status, "")
    )
    return spc_columns(frame, rebases)


SEQUENCE_SPAN = 1 << 32  # wider than any period's sequence number
REBASE_COLUMNS = ["indicator_id", "authority_id", "kind", "sequence", "fixed_points"]


def load_rebases(indicator_ids: list[int]) -> pd.DataFrame:
    """Every rebase of these measures: where (sequence of the period) a chart starts again."""
    return pd.DataFrame.from_records(
        Rebase.objects.filter(indicator_id__in=indicator_ids).values_list(
            "indicator_id", "authority_id", "starts__kind", "starts__sequence", "fixed_points"
        ),
        columns=REBASE_COLUMNS,
    )


def _baselines(present: pd.DataFrame, rebases: pd.DataFrame | None) -> tuple[np.ndarray, ...]:
    """For each figure: the sequence its chart's current baseline starts at (the latest rebase
    at or before it, for its authority or every authority; -1 for none) and the points its
    limits are fixed on (0: all)."""
    start = np.full(len(present), -1, dtype=np.int64)
    fixed = np.zeros(len(present), dtype=np.int64)
    if rebases is None or rebases.empty:
        return start, fixed
    rows = present[["indicator_id", "authority_id", "kind", "sequence"]].reset_index(drop=True)
    rows["row"] = np.arange(len(rows))
    every = rebases[rebases["authority_id"].isna()].drop(columns="authority_id")
    own = rebases[rebases["authority_id"].notna()].astype({"authority_id": "int64"})
    matched = pd.concat(
        [
            rows.merge(own, on=["indicator_id", "authority_id", "kind"], suffixes=("", "_r")),
            rows.merge(every, on=["indicator_id", "kind"], suffixes=("", "_r")),
        ]
    )
    matched = matched[matched["sequence_r"] <= matched["sequence"]]
    if matched.empty:
        return start, fixed
    latest = matched.sort_values("sequence_r").groupby("row").tail(1)
    start[latest["row"].to_numpy()] = latest["sequence_r"].to_numpy()
    fixed[latest["row"].to_numpy()] = latest["fixed_points"].fillna(0).to_numpy(dtype=np.int64)
    return start, fixed


def spc_columns(frame: pd.DataFrame, rebases: pd.DataFrame | None = None) -> pd.DataFrame:
    """indicators.spc's rules over every series at once: for each figure, the XmR limits and
    its variation as the series stood at that period (the figures up to and including it),
    and its assurance against that period's target. Series are laid out as rows of one
    array; each prefix length is one pass over every series long enough."""
    frame["variation"] = ""
    frame["assurance"] = ""
    frame["spc_mean"] = np.nan
    frame["spc_lower"] = np.nan
    frame["spc_upper"] = np.nan
    frame["spc_points"] = np.nan
    keys = ["authority_id", "indicator_id", "kind"]
    present = frame[frame["value"].notna()].sort_values([*keys, "sequence"])
    if present.empty:
        return frame
    grid = _SeriesGrid.of(present, keys)
    starts, fixes = _baseline_grids(present, rebases, grid)
    limits = _limits_as_they_stood(grid, starts, fixes)
    kinds = grid.polarity[grid.group]
    target = present["target"].to_numpy(dtype="float64")
    index = present.index
    frame.loc[index, "variation"] = spc.variations(limits.directions, limits.computed, kinds)
    frame.loc[index, "assurance"] = spc.assurances(
        target, limits.lowers, limits.uppers, limits.computed, kinds
    )
    frame.loc[index, "spc_mean"] = np.round(limits.means, SPC_DIGITS)
    frame.loc[index, "spc_lower"] = np.round(limits.lowers, SPC_DIGITS)
    frame.loc[index, "spc_upper"] = np.round(limits.uppers, SPC_DIGITS)
    frame.loc[index, "spc_points"] = np.where(limits.computed, limits.points, np.nan)
    return frame


@dataclass
class _SeriesGrid:
    """Every series as one row of `values` (NaN past its end): `group` and `position` place
    each figure of `present` in it, `row_of` places each cell back."""

    group: np.ndarray
    position: np.ndarray
    lengths: np.ndarray
    values: np.ndarray
    polarity: np.ndarray
    row_of: np.ndarray

    @classmethod
    def of(cls, present: pd.DataFrame, keys: list[str]) -> _SeriesGrid:
        group = present.groupby(keys, sort=False).ngroup().to_numpy()
        position = present.groupby(keys, sort=False).cumcount().to_numpy()
        lengths = np.bincount(group)
        values = np.full((len(lengths), lengths.max()), np.nan)
        values[group, position] = present["value"].to_numpy(dtype="float64")
        polarity = np.empty(len(lengths), dtype=object)
        polarity[group] = present["polarity"].to_numpy()
        row_of = np.full(values.shape, -1, dtype=np.int64)
        row_of[group, position] = np.arange(len(present))
        return cls(group, position, lengths, values, polarity, row_of)


def _baseline_grids(
    present: pd.DataFrame, rebases: pd.DataFrame | None, grid: _SeriesGrid
) -> tuple[np.ndarray, np.ndarray]:
    """For each cell, where its baseline starts (a position in its series) and how many
    points fix its limits (0: none)."""
    start_sequence, fixed_points = _baselines(present, rebases)
    group = grid.group
    first_position = np.zeros(len(present), dtype=np.int64)
    rebased = start_sequence >= 0
    if rebased.any():
        # Series are laid out in order, so (series, sequence) keys ascend: the baseline's
        # first figure is where the rebase's own key would be inserted.
        keys = group.astype(np.int64) * SEQUENCE_SPAN + present["sequence"].to_numpy()
        series_first = np.searchsorted(group, np.arange(len(grid.lengths)))
        wanted = group[rebased].astype(np.int64) * SEQUENCE_SPAN + start_sequence[rebased]
        first_position[rebased] = np.searchsorted(keys, wanted) - series_first[group[rebased]]
    starts = np.zeros(grid.values.shape, dtype=np.int64)
    starts[group, grid.position] = first_position
    fixes = np.zeros(grid.values.shape, dtype=np.int64)
    fixes[group, grid.position] = fixed_points
    return starts, fixes


@dataclass
class _Limits:
    """Per figure: the limits as its series stood at it, its signal's direction (+1 high,
    -1 low, 0 none) and whether there were enough points to judge."""

    means: np.ndarray
    lowers: np.ndarray
    uppers: np.ndarray
    directions: np.ndarray
    computed: np.ndarray
    points: np.ndarray  # how many figures each figure's limits were drawn from


def _limits_as_they_stood(grid: _SeriesGrid, starts: np.ndarray, fixes: np.ndarray) -> _Limits:
    """One pass per prefix length k over every series at least k long."""
    count = len(grid.group)
    limits = _Limits(
        *(np.full(count, np.nan) for _ in range(3)),
        np.zeros(count, dtype=np.int8),
        np.zeros(count, dtype=bool),
        np.zeros(count, dtype=np.int64),
    )
    for k in range(spc.MIN_POINTS, grid.values.shape[1] + 1):
        rows = np.flatnonzero(grid.lengths >= k)
        begin = starts[rows, k - 1]
        enough = k - begin >= spc.MIN_POINTS
        rows, begin = rows[enough], begin[enough]
        if not len(rows):
            continue
        fix = fixes[rows, k - 1]
        window, mean, average = spc.xmr(grid.values[rows, :k], begin, fix)
        at = grid.row_of[rows, k - 1]
        limits.points[at] = np.where(fix > 0, np.minimum(fix, k - begin), k - begin)
        limits.means[at] = mean
        limits.lowers[at] = mean - spc.LIMIT * average
        limits.uppers[at] = mean + spc.LIMIT * average
        # The last point's signal: the rules need no more than its last 7 points.
        limits.directions[at] = spc.directions(window[:, -spc.RUN :], mean, average)[:, -1]
        limits.computed[at] = True
    return limits


def derive(
    frame: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    rebases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every derived field of the series in `frame` (load_series' columns), against the
    stored targets and rebases: what the recompute writes, and what a write of figures
    computes before it writes them (indicators.writes), so both arrive at the same result.
    Given `targets` (load_targets) and `rebases` (load_rebases) of at least the frame's
    measures, it reads nothing from the database: pure, so it may run on another thread."""
    if rebases is None:
        rebases = load_rebases(frame["indicator_id"].unique().tolist())
    return compute(attach_targets(frame, targets), rebases)


ROWS_PER_SHARE = 20_000  # figures judged (and held in memory) at once


def shares(rows_per_authority: pd.Series, most: int | None = None) -> list[list[int]]:
    """Authority ids (the index) in groups of about `most` figures (the values; by default
    ROWS_PER_SHARE): whole authorities, so every series is judged whole."""
    most = most or ROWS_PER_SHARE
    groups: list[list[int]] = [[]]
    count = 0
    for authority_id, rows in rows_per_authority.sort_index().items():
        if groups[-1] and count + rows > most:
            groups.append([])
            count = 0
        groups[-1].append(int(authority_id))
        count += int(rows)
    return [group for group in groups if group]


def recompute(
    authority_ids: Iterable[int] | None = None, indicator_ids: Iterable[int] | None = None
) -> int:
    """Recompute the given series (None means all) and return how many values changed: a
    share of authorities at a time (one query counts them), so memory stays bounded."""
    values = Value.objects.all()
    if authority_ids is not None:
        values = values.filter(authority_id__in=list(authority_ids))
    if indicator_ids is not None:
        indicator_ids = list(indicator_ids)
        values = values.filter(indicator_id__in=indicator_ids)
    counts = pd.Series(
        dict(values.order_by().values_list("authority_id").annotate(n=Count("id"))),
        dtype="int64",
    )
    read = changed = 0
    for share in shares(counts):
        frame = derive(load_series(share, indicator_ids))
        read += len(frame)
        moved = frame[changed_rows(frame)]
        del frame
        if moved.empty:
            continue
        with transaction.atomic():
            # Statuses, directions and limits are the authority's own pages' (no other
            # authority's comparisons show them).
            versions.take(authorities=moved["authority_id"].unique().tolist())
            write_derived(moved, timezone.now())
        changed += len(moved)
    log.info("recompute: %d values read, %d changed", read, changed)
    return changed


def write_derived(changed: pd.DataFrame, now) -> None:
    """Store the derived fields of these rows (`id` and DERIVED columns), through a temporary
    table and one UPDATE … FROM (indicators.bulk). A changed status is a change to the
    figure's record: "data as of" moves with it."""
    out = plain_types(changed[["id", *DERIVED]].copy())
    out["id"] = out["id"].astype("int64")
    table = Value._meta.db_table
    with connection.cursor() as cursor:
        bulk.temporary_copy(cursor, "new_statuses", table, out)
        when = bulk.database_time(now)
        bulk.update_from(cursor, table, "new_statuses", DERIVED, {"updated_at": when})
        cursor.execute("DROP TABLE new_statuses")


DERIVED = DERIVED_FIELDS  # every field the recompute owns, in one list


def changed_rows(frame: pd.DataFrame) -> pd.Series:
    """Where a derived field differs from the stored one (the `old_` columns)."""
    changed = pd.Series(False, index=frame.index)
    floats = _numbers()
    for column in DERIVED:
        new, old = frame[column], frame[f"old_{column}"]
        if column in floats:
            differs = ~((new == old) | (new.isna() & old.isna()))
        else:
            differs = new != old
        changed |= differs
    return changed


def plain_types(out: pd.DataFrame) -> pd.DataFrame:
    """The derived fields as the database is given them: flags as bool, text as str (not the
    rules' enums). Floats stay NaN for none."""
    for column in _of_type(models.BooleanField):
        out[column] = out[column].astype(bool)
    for column in _of_type(models.CharField):
        out[column] = out[column].astype(str)
    for column in _of_type(models.IntegerField):
        out[column] = out[column].astype("Int64")
    return out

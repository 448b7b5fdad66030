"""The one write path for indicators, targets and values.

Every writer goes through here: the demo, every importer, the Django admin (its inlines too)
and the in-app edit forms. Each function writes set-based, records history, and schedules the
recompute of every series it touched after the transaction commits, so no stored status is
ever left judged against an old figure, target or polarity. A `scheduler` may be given to
track that recompute (an import shows its progress); by default it is
`indicators.tasks.schedule_recompute`.

`tests/indicators/test_one_write_path.py` proves statuses are current after each kind of write
and that nothing outside this module (and the recompute) writes these models."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from authorities.models import Authority
from core import versions

from . import bulk, recompute, rules
from .models import (
    DERIVED_FIELDS,
    FIGURE_FIELDS,
    Category,
    Indicator,
    Period,
    Rebase,
    Target,
    Value,
)

Scheduler = Callable[[Iterable[int] | None, Iterable[int] | None], None]

VALUE_COLUMNS = ["authority_id", "indicator_id", "period_id", "reported_status", *FIGURE_FIELDS]
KEYS = VALUE_COLUMNS[:3]


def _schedule(scheduler: Scheduler | None, authority_ids, indicator_ids) -> None:
    if scheduler is None:
        from .tasks import schedule_recompute

        scheduler = schedule_recompute
    scheduler(authority_ids, indicator_ids)


# Indicators -------------------------------------------------------------------------------


@transaction.atomic
def save_indicators(frame: pd.DataFrame, scheduler: Scheduler | None = None) -> set[int]:
    """Create or update indicators (and their categories) from code, name, category, unit,
    polarity, decimals, description and optional benchmark and timing columns. Every
    indicator in the frame is recomputed for every authority, since its polarity may have
    changed. Returns their ids."""
    _refuse_unsafe_codes(frame["code"])
    versions.take(everything=True)
    names = list(dict.fromkeys(frame["category"]))
    Category.objects.bulk_create(
        [Category(name=name, order=i) for i, name in enumerate(names)], ignore_conflicts=True
    )
    category_ids = dict(Category.objects.filter(name__in=names).values_list("name", "id"))
    Indicator.objects.bulk_create(
        [
            Indicator(
                code=row.code,
                name=row.name,
                category_id=category_ids[row.category],
                unit=row.unit,
                polarity=rules.Polarity(row.polarity),
                decimals=int(row.decimals or 0),
                description=row.description,
                timing=getattr(row, "timing", ""),
            )
            for row in frame.itertuples(index=False)
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "category", "unit", "polarity", "decimals", "description"]
        + (["timing"] if "timing" in frame else []),
    )
    ids = dict(Indicator.objects.values_list("code", "id"))
    if "benchmark" in frame:
        named = [
            Indicator(
                id=ids[row.code],
                benchmark_code=row.benchmark or "",
                benchmark_match=getattr(row, "benchmark_match", ""),
                benchmark_difference=getattr(row, "benchmark_difference", ""),
            )
            for row in frame.itertuples(index=False)
        ]
        fields = ["benchmark_code", "benchmark_match", "benchmark_difference"]
        Indicator.objects.bulk_update(named, fields, batch_size=500)
    link_benchmarks()
    touched = {ids[code] for code in frame["code"]}
    _schedule(scheduler, None, touched)
    return touched


def link_benchmarks() -> int:
    """Point every indicator's `benchmark` at the indicator its `benchmark_code` names, now
    that it may exist (a local measure loaded before its national equivalent is linked when
    the equivalent arrives). Returns how many links changed."""
    ids = dict(Indicator.objects.values_list("code", "id"))
    changed = []
    for indicator in Indicator.objects.only("id", "benchmark_code", "benchmark_id"):
        wanted = ids.get(indicator.benchmark_code) if indicator.benchmark_code else None
        if wanted == indicator.id:
            wanted = None
        if indicator.benchmark_id != wanted:
            indicator.benchmark_id = wanted
            changed.append(indicator)
    Indicator.objects.bulk_update(changed, ["benchmark"], batch_size=500)
    return len(changed)


def save_indicator(indicator: Indicator) -> None:
    """One indicator edited by hand (the admin): its statuses follow its polarity."""
    _refuse_unsafe_codes([indicator.code])
    with transaction.atomic():
        versions.take(everything=True)
        indicator.save()
        _schedule(None, None, [indicator.pk])


def _refuse_unsafe_codes(codes: Iterable[str]) -> None:
    """A code no web address can carry is checked before here (the import's check, the
    admin's form): never written, whoever calls."""
    unsafe = [code for code in codes if rules.code_problem(code)]
    if unsafe:
        raise ValueError(f"measure codes {unsafe!r}: {rules.code_problem(unsafe[0])}")


# Targets ----------------------------------------------------------------------------------


def _affected(targets: Iterable[Target]) -> tuple[set[int] | None, set[int]]:
    """The series a change of these targets can move: a default target moves every
    authority's series of its indicator."""
    targets = list(targets)
    indicator_ids = {t.indicator_id for t in targets}
    if any(t.authority_id is None for t in targets):
        return None, indicator_ids
    return {t.authority_id for t in targets}, indicator_ids


def _take_for_targets(targets: Iterable[Target]) -> None:
    """Move the versions of what these targets are judged for: their authorities, or
    everything for a default target (every authority's statuses may follow it)."""
    authority_ids, _ = _affected(targets)
    if authority_ids is None:
        versions.take(everything=True)
    else:
        versions.take(authorities=authority_ids)


@transaction.atomic
def save_target_rows(
    rows: pd.DataFrame, user=None, reason: str = "", scheduler: Scheduler | None = None
) -> set[int]:
    """Create or replace the target for each (indicator, authority or default, year) in the
    frame (columns indicator_id, authority_id, fiscal_year, target, tolerance; validated by
    the caller), with a history row for each. Returns the ids of the indicators touched."""
    incoming = [
        Target(
            indicator_id=int(row.indicator_id),
            authority_id=None if pd.isna(row.authority_id) else int(row.authority_id),
            fiscal_year=int(row.fiscal_year),
            target=float(row.target),
            tolerance=None if pd.isna(row.tolerance) else float(row.tolerance),
        )
        for row in rows.itertuples(index=False)
    ]
    _take_for_targets(incoming)
    stored = {
        (t.indicator_id, t.authority_id, t.fiscal_year): t
        for t in Target.objects.filter(
            indicator_id__in={t.indicator_id for t in incoming},
            fiscal_year__in={t.fiscal_year for t in incoming},
        )
    }
    new, changed = [], []
    for target in incoming:
        old = stored.get((target.indicator_id, target.authority_id, target.fiscal_year))
        if old is None:
            new.append(target)
        elif (old.target, old.tolerance) != (target.target, target.tolerance):
            old.target, old.tolerance = target.target, target.tolerance
            changed.append(old)
    reason = (reason or "Targets saved")[:100]
    if new:
        bulk_create_with_history(new, Target, default_user=user, default_change_reason=reason)
    if changed:
        bulk_update_with_history(
            changed,
            Target,
            ["target", "tolerance"],
            default_user=user,
            default_change_reason=reason,
        )
    if new or changed:
        _schedule(scheduler, *_affected([*new, *changed]))
    return {t.indicator_id for t in incoming}


def save_target(target: Target, user=None, reason: str = "") -> None:
    """One target set by hand (the admin, its inline on the indicator, the target form)."""
    with transaction.atomic():
        _take_for_targets([target, *Target.objects.filter(pk=target.pk)])
        if reason:
            target._change_reason = reason[:100]
        if user is not None:  # a request's user is simple-history's own default
            target._history_user = user
        target.save()
        _schedule(None, *_affected([target]))


def delete_targets(targets) -> None:
    """Targets deleted (one, or an admin's selection): one DELETE, history kept by
    simple-history, one recompute of every series they touched."""
    targets = list(targets)
    if not targets:
        return
    with transaction.atomic():
        _take_for_targets(targets)
        affected = _affected(targets)
        Target.objects.filter(pk__in=[t.pk for t in targets]).delete()
        _schedule(None, *affected)


@transaction.atomic
def save_targets_by_code(frame: pd.DataFrame, user=None) -> set[int]:
    """Targets from indicator code, year, target, tolerance and authority code columns (the
    demo's CSV)."""
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=set(frame["indicator"]))}
    authority_ids = _ids(Authority, "code", frame["authority"])
    for number, row in enumerate(frame.itertuples(index=False), start=2):
        target = float(row.target)
        tolerance = float(row.tolerance) if str(row.tolerance).strip() else None
        try:
            indicator = indicators[row.indicator]
            rules.validate_target(target, tolerance, indicator.polarity_rule, indicator.unit)
        except rules.TargetError as error:
            raise ValueError(f"Row {number}, indicator {row.indicator}: {error}") from error
    rows = pd.DataFrame(
        {
            "indicator_id": frame["indicator"].map(lambda code: indicators[code].id),
            "authority_id": frame["authority"].map(authority_ids),
            "fiscal_year": frame["year"].map(lambda text: rules.parse_period(text).fiscal_year),
            "target": frame["target"].astype(float),
            "tolerance": pd.to_numeric(frame["tolerance"], errors="coerce"),
        }
    )
    return save_target_rows(rows, user=user)


# Values -----------------------------------------------------------------------------------


def save_value_rows(
    rows: pd.DataFrame,
    user_id: int | None = None,
    reason: str = "",
    scheduler: Scheduler | None = None,
) -> tuple[set[int], set[int]]:
    """Insert or update many values (columns VALUE_COLUMNS; ids resolved by the caller), each
    with its history row, and every derived field (status, direction, hard to shift, control
    limits) of every series they touch computed before anything is written: new figures are
    inserted once, complete; changed ones updated once; later periods whose direction or
    limits move with them updated too. The recompute scheduled after commit then confirms
    and finds nothing to change. Must run inside the caller's transaction, so the values
    commit or roll back with whatever else the caller writes (an import's batch record)."""
    assert connection.in_atomic_block, "save_value_rows must run inside a transaction"
    if rows.empty:
        return Written(set(), set(), 0)
    incoming = _incoming(rows)
    pairs = incoming[["authority_id", "indicator_id"]].drop_duplicates()
    versions.take(figures=pairs.itertuples(index=False, name=None))
    if incoming.duplicated(KEYS).any():
        raise ValueError("Two figures for the same authority, indicator and period")
    authority_ids = {int(a) for a in incoming["authority_id"].unique()}
    indicator_ids = {int(i) for i in incoming["indicator_id"].unique()}
    now = timezone.now()
    measures = sorted(indicator_ids)
    targets, rebases = recompute.load_targets(measures), recompute.load_rebases(measures)
    # A few authorities at a time: every series of an authority is in one share, so each is
    # judged whole, and a national file holds one share's frames at once. (The next share was
    # once judged on a second thread while this one was written: it saved under a tenth of a
    # national import, measured, so it went.)
    moved = 0
    for share in recompute.shares(incoming["authority_id"].value_counts()):
        part = incoming[incoming["authority_id"].isin(share)].reset_index(drop=True)
        stored = recompute.load_series(share, indicator_ids)
        judged = _judge_share(part, stored, targets, rebases, now)
        del part, stored
        moved += _write_share(*judged, now, user_id, reason)
        del judged
    bulk.analyse_after_commit(Value._meta.db_table, len(incoming))
    _schedule(scheduler, authority_ids, indicator_ids)
    return Written(authority_ids, indicator_ids, moved)


class Written(NamedTuple):
    """What a write of figures touched: the series (authority and indicator ids) and how
    many stored figures it did not name moved with it (a later period's direction, a run of
    hard to shift, a control chart's limits)."""

    authority_ids: set[int]
    indicator_ids: set[int]
    moved: int


def _judge_share(incoming, stored, targets, rebases, now):
    """A share's figures as they will be written, every derived field computed with the
    stored series they join, and the stored figures whose direction or limits move with
    them. Pure pandas: no database."""
    series = recompute.derive(_series_with(incoming, stored), targets, rebases)
    arrived = series[series["_row"] >= 0].sort_values("_row")
    written = incoming.drop(columns=["kind", "sequence", "fiscal_year", "polarity", "decimals"])
    for column in ["id", *DERIVED_FIELDS]:
        written[column] = arrived[column].to_numpy()
    del arrived
    written["updated_at"] = now
    rest = series[series["_row"] < 0]
    moved = rest[recompute.changed_rows(rest)] if not rest.empty else rest
    return written, moved


def _write_share(written, moved, now, user_id, reason):
    new = written["id"].isna()
    written.loc[new, "id"] = bulk.reserve_ids(Value._meta.db_table, int(new.sum()))
    written["id"] = written["id"].astype("int64")
    # Sorted by key, so two writers take row locks in one order (writers of one authority
    # queue on its version first in any case).
    written = written.sort_values(KEYS)
    new = new.loc[written.index]
    inserted = written.loc[new, "id"]
    with connection.cursor() as cursor:
        _insert(cursor, written[new].sort_values(LAID_DOWN))
        changed = _update(cursor, written[~new])
        del written
        _record_history(
            cursor,
            (int(inserted.min()), int(inserted.max())) if len(inserted) else None,
            changed,
            now,
            user_id,
            reason,
        )
        if changed:
            cursor.execute("DROP TABLE changed_values")
    if not moved.empty:  # later figures whose direction or limits moved with the new ones
        recompute.write_derived(moved, now)
    return len(moved)


STORED_COLUMNS = ["id", *VALUE_COLUMNS, *DERIVED_FIELDS, "updated_at"]
# New figures are laid down in the table by authority, then period: a council's figures of a
# quarter (its quarter view) sit together, as a quarterly return brings them, and a measure's
# figures of a period from every council (its national distribution) lie on one page per
# council rather than one per figure. Laid down by key (authority, indicator, period), a
# quarter's 9,000 comparators were spread over as many pages (docs/benchmarks.md). Every
# writer inserts in this one order, as it updates in key order.
LAID_DOWN = ["authority_id", "period_id", "indicator_id"]


def _incoming(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows to write, with defaults, plain types, and their period's and indicator's
    facts the rules need (the same columns recompute.load_series reads)."""
    rows = rows[[c for c in VALUE_COLUMNS if c in rows]].copy()
    defaults = [("reported_status", ""), ("provisional", False), ("period_stated", True)]
    for column, default in defaults:
        if column not in rows:
            rows[column] = default
    for column in KEYS:
        rows[column] = rows[column].astype("int64")
    for column in ["value", "numerator", "denominator"]:
        rows[column] = pd.to_numeric(rows[column]).astype("float64")
    for column in ["no_value_reason", "reported_status", "note"]:
        rows[column] = rows[column].fillna("").astype(str)
    rows["provisional"] = rows["provisional"].fillna(False).astype(bool)
    rows["period_stated"] = rows["period_stated"].fillna(True).astype(bool)
    periods = pd.DataFrame.from_records(
        Period.objects.filter(id__in=rows["period_id"].unique().tolist()).values_list(
            "id", "kind", "sequence", "fiscal_year"
        ),
        columns=["period_id", "kind", "sequence", "fiscal_year"],
    )
    indicators = pd.DataFrame.from_records(
        Indicator.objects.filter(id__in=rows["indicator_id"].unique().tolist()).values_list(
            "id", "polarity", "decimals"
        ),
        columns=["indicator_id", "polarity", "decimals"],
    ).astype({"decimals": "float64"})
    known = rows.merge(periods, on="period_id").merge(indicators, on="indicator_id")
    if len(known) != len(rows):
        raise ValueError("A figure names a period or an indicator that is not stored")
    return known.reset_index(drop=True)


# What the rules read of each figure (recompute.load_series reads the same of stored ones).
RULE_COLUMNS = [*KEYS, "value", "reported_status", "kind", "sequence", "fiscal_year"]
RULE_COLUMNS += ["polarity", "decimals"]


def _series_with(incoming: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """The stored series with the incoming figures in place of (or beside) the stored ones:
    the series as they will stand once written, with only what the rules read. `_row` is
    each incoming figure's position in `incoming` (-1 for a stored figure kept as it is);
    incoming figures carry the stored row's id and derived fields where there is one."""
    arriving = incoming[RULE_COLUMNS].assign(_row=np.arange(len(incoming)))
    if stored.empty:
        return arriving.assign(id=np.nan)
    stored = stored.astype(dict.fromkeys(KEYS, "int64"))
    old = ["id", *KEYS, *(c for c in stored.columns if c.startswith("old_"))]
    arriving = arriving.merge(stored[old], on=KEYS, how="left")
    kept = stored.merge(incoming[KEYS], on=KEYS, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge").assign(_row=-1)
    return pd.concat([kept, arriving], ignore_index=True)


def _stored_frame(written: pd.DataFrame) -> pd.DataFrame:
    out = recompute.plain_types(written[STORED_COLUMNS].copy())
    out["updated_at"] = bulk.database_time(written["updated_at"].iloc[0])
    return out


def _insert(cursor, written: pd.DataFrame) -> None:
    if written.empty:
        return
    bulk.write_rows(cursor, Value._meta.db_table, _stored_frame(written))


def _update(cursor, written: pd.DataFrame) -> bool:
    """Changed figures: every stored column rewritten, through a temporary table
    (changed_values), which is left for their history to be read from: True if there were
    any."""
    if written.empty:
        return False
    table = Value._meta.db_table
    bulk.temporary_copy(cursor, "changed_values", table, _stored_frame(written))
    bulk.update_from(cursor, table, "changed_values", [c for c in STORED_COLUMNS if c != "id"])
    return True


def history_columns() -> list[str]:
    """The columns a figure's history row copies from the figure (all but history's own)."""
    return [
        f.column
        for f in Value.history.model._meta.concrete_fields
        if not f.name.startswith("history_")
    ]


def _record_history(
    cursor, inserted: tuple[int, int] | None, changed: bool, now, user_id, reason: str
) -> None:
    """One history row for every value written (simple-history's signals do not see bulk
    writes, and a save per row would be slow), read back from the rows just written, in the
    database: "+" for each new figure (the block of ids reserved for them), "~" for each
    changed one (changed_values). What history says is what was stored, and the rows never
    travel twice (a quarter faster than a second COPY; on SQLite, than a second INSERT per
    row from Python)."""
    stamp = {
        "history_date": bulk.database_time(now),
        "history_change_reason": (reason or "Figures saved")[:100],
        "history_user_id": user_id,
    }
    history, table = Value.history.model._meta.db_table, Value._meta.db_table
    if inserted is not None:
        stamp["history_type"] = "+"
        bulk.insert_from(
            cursor, history, table, history_columns(), stamp, "s.id BETWEEN %s AND %s", inserted
        )
    if changed:
        stamp["history_type"] = "~"
        bulk.insert_from(
            cursor,
            history,
            table,
            history_columns(),
            stamp,
            "s.id IN (SELECT id FROM changed_values)",
            (),
        )


class Changed(Exception):
    """The figure was changed by someone else since the writer read it: nothing saved."""


def save_value(value: Value, user=None, reason: str = "", unless_changed_since=None) -> None:
    """One figure corrected by hand (the admin, the correction form), with its reason. With
    `unless_changed_since` (its updated_at as the writer read it), refused with Changed if
    it was saved since: the row is locked, so two corrections at once cannot both pass."""
    with transaction.atomic():
        stored = Value.objects.filter(pk=value.pk).values_list("authority_id", "indicator_id")
        versions.take(figures=[(value.authority_id, value.indicator_id), *stored])
        if unless_changed_since is not None and value.pk:
            stored = Value.objects.select_for_update().filter(pk=value.pk).values("updated_at")
            if stored.get()["updated_at"] != unless_changed_since:
                raise Changed
        if reason:
            value._change_reason = reason[:100]
        if user is not None:  # a request's user is simple-history's own default
            value._history_user = user
        value.save()
        _schedule(None, [value.authority_id], [value.indicator_id])


def delete_values(values) -> None:
    """Figures deleted (one, or an admin's selection), with their history and one recompute."""
    values = list(values)
    if not values:
        return
    with transaction.atomic():
        versions.take(figures={(v.authority_id, v.indicator_id) for v in values})
        Value.objects.filter(pk__in=[v.pk for v in values]).delete()
        _schedule(None, {v.authority_id for v in values}, {v.indicator_id for v in values})


@transaction.atomic
def save_values_by_code(
    frame: pd.DataFrame, user_id: int | None = None
) -> tuple[set[int], set[int]]:
    """Values from authority (GSS code), indicator (code), period (any form the parser reads),
    value and optional no_value_reason, reported_status, numerator, denominator, note and
    period_stated ("no" where the source gave no period) columns (the demo's CSV)."""
    frame = frame.fillna("")
    parsed = {text: rules.parse_period(text) for text in set(frame["period"])}
    periods = Period.ensure(parsed.values())
    authority_ids = _ids(Authority, "code", frame["authority"])
    indicator_ids = _ids(Indicator, "code", frame["indicator"])

    def numbers(column: str) -> pd.Series:
        if column not in frame:
            return pd.Series(float("nan"), index=frame.index)
        return pd.to_numeric(frame[column].replace("", None), errors="raise").astype(float)

    rows = pd.DataFrame(
        {
            "authority_id": frame["authority"].map(authority_ids),
            "indicator_id": frame["indicator"].map(indicator_ids),
            "period_id": frame["period"].map(lambda text: periods[parsed[text].code].id),
            "value": numbers("value"),
            "no_value_reason": frame.get("no_value_reason", ""),
            "reported_status": frame.get("reported_status", ""),
            "numerator": numbers("numerator"),
            "denominator": numbers("denominator"),
            "note": frame.get("note", ""),
            "provisional": False,
            "period_stated": ~frame.get("period_stated", pd.Series("", index=frame.index))
            .astype(str)
            .str.casefold()
            .isin(rules.NO_WORDS),
        }
    )
    return save_value_rows(rows, user_id=user_id)


def _ids(model, field: str, keys) -> dict[str, int]:
    return dict(model.objects.filter(**{f"{field}__in": set(keys)}).values_list(field, "id"))


# Control-chart rebases ---------------------------------------------------------------------


def save_rebase(rebase: Rebase) -> None:
    """A rebase recorded or changed (the admin): every chart of its measure is recomputed (an
    edit may have moved it from one authority to another)."""
    with transaction.atomic():
        versions.take(everything=True)
        before = Rebase.objects.filter(pk=rebase.pk).values_list("indicator_id", flat=True)
        indicators = {rebase.indicator_id, *before}
        rebase.save()
        _schedule(None, None, indicators)


def delete_rebases(rebases) -> None:
    rebases = list(rebases)
    if not rebases:
        return
    with transaction.atomic():
        versions.take(everything=True)
        Rebase.objects.filter(pk__in=[r.pk for r in rebases]).delete()
        _schedule(None, None, {r.indicator_id for r in rebases})

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

import io
from collections.abc import Callable, Iterable

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from authorities.models import Authority

from . import rules
from .models import Category, Indicator, Period, Rebase, Target, Value

Scheduler = Callable[[Iterable[int] | None, Iterable[int] | None], None]

VALUE_COLUMNS = [
    "authority_id",
    "indicator_id",
    "period_id",
    "value",
    "no_value_reason",
    "reported_status",
    "numerator",
    "denominator",
    "note",
    "provisional",
]
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
    polarity, decimals, description and optional benchmark columns. Every indicator in the
    frame is recomputed for every authority, since its polarity may have changed. Returns
    their ids."""
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
            )
            for row in frame.itertuples(index=False)
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "category", "unit", "polarity", "decimals", "description"],
    )
    ids = dict(Indicator.objects.values_list("code", "id"))
    if "benchmark" in frame:
        named = [
            Indicator(id=ids[row.code], benchmark_code=row.benchmark or "")
            for row in frame.itertuples(index=False)
        ]
        Indicator.objects.bulk_update(named, ["benchmark_code"], batch_size=500)
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
    with transaction.atomic():
        indicator.save()
        _schedule(None, None, [indicator.pk])


# Targets ----------------------------------------------------------------------------------


def _affected(targets: Iterable[Target]) -> tuple[set[int] | None, set[int]]:
    """The series a change of these targets can move: a default target moves every
    authority's series of its indicator."""
    targets = list(targets)
    indicator_ids = {t.indicator_id for t in targets}
    if any(t.authority_id is None for t in targets):
        return None, indicator_ids
    return {t.authority_id for t in targets}, indicator_ids


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
        if reason:
            target._change_reason = reason[:100]
        target.save()
        _schedule(None, *_affected([target]))


def delete_targets(targets) -> None:
    """Targets deleted (one, or an admin's selection): one DELETE, history kept by
    simple-history, one recompute of every series they touched."""
    targets = list(targets)
    if not targets:
        return
    with transaction.atomic():
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
            rules.validate_target(target, tolerance, indicators[row.indicator].polarity_rule)
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
    import_batch_id: int | None = None,
    user_id: int | None = None,
    reason: str = "",
    scheduler: Scheduler | None = None,
) -> tuple[set[int], set[int]]:
    """Insert or update many values (columns VALUE_COLUMNS; ids resolved by the caller) in
    one statement, write one history row for each in one more, and schedule the recompute
    of the series touched. Must run inside the caller's transaction, so the values commit or
    roll back with whatever else the caller writes (an import's batch record)."""
    assert connection.in_atomic_block, "save_value_rows must run inside a transaction"
    if rows.empty:
        return set(), set()
    rows = rows.copy()
    for column, default in [("reported_status", ""), ("provisional", False)]:
        if column not in rows:
            rows[column] = default
    # Sorted by key, so two writers running at once take row locks in the same order and
    # cannot deadlock each other.
    rows = rows.sort_values(KEYS)
    now = timezone.now()
    with connection.cursor() as cursor:
        _stage(cursor, rows)
        names = ", ".join(VALUE_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in VALUE_COLUMNS[3:])
        # "WHERE true" lets SQLite tell the ON CONFLICT clause from a join.
        cursor.execute(
            f"INSERT INTO {Value._meta.db_table} ({names}, status, direction, hard_to_shift, "
            f"updated_at, import_batch_id) SELECT {names}, 'no_value', '', false, %s, %s "
            "FROM incoming_values WHERE true "
            f"ON CONFLICT (authority_id, indicator_id, period_id) DO UPDATE SET {updates}, "
            "updated_at = excluded.updated_at, import_batch_id = excluded.import_batch_id",
            [now, import_batch_id],
        )
        _record_history(cursor, now, user_id, reason or "Figures saved")
        cursor.execute("DROP TABLE incoming_values")
    authority_ids = {int(a) for a in rows["authority_id"].unique()}
    indicator_ids = {int(i) for i in rows["indicator_id"].unique()}
    _schedule(scheduler, authority_ids, indicator_ids)
    return authority_ids, indicator_ids


def _stage(cursor, rows: pd.DataFrame) -> None:
    """The rows into a temporary table: COPY on PostgreSQL, one prepared INSERT elsewhere."""
    cursor.execute(
        "CREATE TEMPORARY TABLE incoming_values (authority_id bigint, indicator_id bigint, "
        "period_id bigint, value double precision, no_value_reason varchar(60), "
        "reported_status varchar(20), numerator double precision, "
        "denominator double precision, note text, provisional boolean)"
    )
    out = rows[VALUE_COLUMNS].copy()
    for column in KEYS:
        out[column] = out[column].astype("int64")
    for column in ["no_value_reason", "reported_status", "note"]:
        out[column] = out[column].fillna("").astype(str)
    out["provisional"] = out["provisional"].fillna(False).astype(bool)
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        out["provisional"] = out["provisional"].map({True: "t", False: "f"})
        out.to_csv(buffer, index=False, header=False, na_rep="\\N", float_format="%.17g")
        buffer.seek(0)
        with cursor.copy(
            f"COPY incoming_values ({', '.join(VALUE_COLUMNS)}) FROM STDIN "
            "WITH (FORMAT csv, NULL '\\N')"
        ) as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        return
    params = out.astype(object).where(out.notna(), None).itertuples(index=False, name=None)
    cursor.executemany(
        f"INSERT INTO incoming_values ({', '.join(VALUE_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(VALUE_COLUMNS))})",
        list(params),
    )


def _record_history(cursor, now, user_id: int | None, reason: str) -> None:
    """One history row for every value just written, in a single INSERT … SELECT:
    simple-history's signals do not see bulk writes, and a save per row would be slow."""
    history = Value.history.model
    columns = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    join = " AND ".join(f"v.{key} = i.{key}" for key in KEYS)
    cursor.execute(
        f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}, history_date, "
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join('v.' + c for c in columns)}, %s, %s, '~', %s "
        f"FROM {Value._meta.db_table} v JOIN incoming_values i ON {join}",
        [now, reason[:100], user_id],
    )


def save_value(value: Value, user=None, reason: str = "") -> None:
    """One figure corrected by hand (the admin, the correction form), with its reason."""
    with transaction.atomic():
        if reason:
            value._change_reason = reason[:100]
        value.save()
        _schedule(None, [value.authority_id], [value.indicator_id])


def delete_values(values) -> None:
    """Figures deleted (one, or an admin's selection), with their history and one recompute."""
    values = list(values)
    if not values:
        return
    with transaction.atomic():
        Value.objects.filter(pk__in=[v.pk for v in values]).delete()
        _schedule(None, {v.authority_id for v in values}, {v.indicator_id for v in values})


@transaction.atomic
def save_values_by_code(
    frame: pd.DataFrame, import_batch_id: int | None = None, user_id: int | None = None
) -> tuple[set[int], set[int]]:
    """Values from authority (GSS code), indicator (code), period (any form the parser reads),
    value and optional no_value_reason, reported_status, numerator, denominator, note columns
    (the demo's CSV)."""
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
        }
    )
    return save_value_rows(rows, import_batch_id=import_batch_id, user_id=user_id)


def _ids(model, field: str, keys) -> dict[str, int]:
    return dict(model.objects.filter(**{f"{field}__in": set(keys)}).values_list(field, "id"))


# Control-chart rebases ---------------------------------------------------------------------


def save_rebase(rebase: Rebase) -> None:
    """A rebase recorded or changed (the admin): every chart of its measure is recomputed (an
    edit may have moved it from one authority to another)."""
    with transaction.atomic():
        before = Rebase.objects.filter(pk=rebase.pk).values_list("indicator_id", flat=True)
        indicators = {rebase.indicator_id, *before}
        rebase.save()
        _schedule(None, None, indicators)


def delete_rebases(rebases) -> None:
    rebases = list(rebases)
    if not rebases:
        return
    with transaction.atomic():
        Rebase.objects.filter(pk__in=[r.pk for r in rebases]).delete()
        _schedule(None, None, {r.indicator_id for r in rebases})

"""Writing many values at once. PostgreSQL gets COPY into a temporary table and one
INSERT … ON CONFLICT; SQLite gets one prepared INSERT … ON CONFLICT executed per row."""

from __future__ import annotations

import io

import pandas as pd
from django.db import connection
from django.utils import timezone

from indicators.models import Value

COLUMNS = [
    "authority_id",
    "indicator_id",
    "period_id",
    "value",
    "no_value_reason",
    "numerator",
    "denominator",
    "note",
    "provisional",
]


def upsert_values(rows: pd.DataFrame, import_batch_id: int | None) -> None:
    # Sorted by key, so two imports running at once take row locks in the same order and
    # cannot deadlock each other.
    rows = rows.sort_values(["authority_id", "indicator_id", "period_id"])
    if connection.vendor == "postgresql":
        _copy_upsert(rows, import_batch_id)
    else:
        _executemany_upsert(rows, import_batch_id)


def _executemany_upsert(rows: pd.DataFrame, import_batch_id: int | None) -> None:
    """SQLite (and any other database with INSERT … ON CONFLICT): one prepared statement
    executed for every row, without building a model instance per row."""
    table = Value._meta.db_table
    now = timezone.now()
    out = rows[COLUMNS].astype(object).where(rows[COLUMNS].notna(), None)
    params = [
        (*row[:8], bool(row[8]), "", "no_value", "", False, now, import_batch_id)
        for row in out.itertuples(index=False, name=None)
    ]
    names = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in [*COLUMNS[3:], "reported_status"])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}, reported_status, status, direction, hard_to_shift, "
            f"updated_at, import_batch_id) VALUES ({', '.join(['%s'] * 15)}) "
            f"ON CONFLICT (authority_id, indicator_id, period_id) DO UPDATE SET {updates}, "
            "updated_at = excluded.updated_at, import_batch_id = excluded.import_batch_id",
            params,
        )


def _copy_upsert(rows: pd.DataFrame, import_batch_id: int | None) -> None:
    table = Value._meta.db_table
    buffer = io.StringIO()
    out = rows[COLUMNS].copy()
    for column in ["authority_id", "indicator_id", "period_id"]:
        out[column] = out[column].astype("int64")
    out["provisional"] = out["provisional"].map({True: "t", False: "f"})
    out.to_csv(buffer, index=False, header=False, na_rep="\\N", float_format="%.17g")
    buffer.seek(0)
    now = timezone.now()
    names = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[3:])
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE incoming_values (authority_id bigint, indicator_id bigint, "
            "period_id bigint, value double precision, no_value_reason varchar(60), "
            "numerator double precision, denominator double precision, note text, "
            "provisional boolean) ON COMMIT DROP"
        )
        with cursor.copy(
            f"COPY incoming_values ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        ) as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute(
            f"INSERT INTO {table} ({names}, reported_status, status, direction, "
            "hard_to_shift, updated_at, import_batch_id) "
            f"SELECT {names}, '', 'no_value', '', false, %s, %s FROM incoming_values "
            f"ON CONFLICT (authority_id, indicator_id, period_id) DO UPDATE SET {updates}, "
            "reported_status = '', updated_at = EXCLUDED.updated_at, "
            "import_batch_id = EXCLUDED.import_batch_id",
            [now, import_batch_id],
        )
        cursor.execute("DROP TABLE incoming_values")


def record_history(import_batch_id: int, user_id: int | None, reason: str) -> None:
    """One history row for every value this import wrote, in a single INSERT … SELECT:
    simple-history's signals do not see bulk writes, and a per-row save would be slow."""
    history = Value.history.model
    columns = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({names}, history_date, "
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {names}, %s, %s, '~', %s FROM {Value._meta.db_table} "
            "WHERE import_batch_id = %s",
            [timezone.now(), reason[:100], user_id, import_batch_id],
        )

"""Rows in bulk, to and from the database: the one module that asks which database it is.

Everything set-based that reads or writes figures goes through here: a queryset's columns read
straight into a DataFrame (`read_frame`), a frame's rows written into a table
(`write_rows`) or into a temporary copy of one (`temporary_copy`) that rows of the table
take their columns from (`update_from`), rows copied from one table into another in the
database (`insert_from`: a figure's history read back from the figure just stored), a block
of ids reserved for rows about to be inserted (`reserve_ids`), a time as the database is
given it (`database_time`), the planner's statistics of a table brought up to date after
a write of many of its rows (`analyse_after_commit`), and a column's values gathered into a
list for each value of some others (`lists_by`, its rows handed over in PostgreSQL's binary
format). On PostgreSQL rows travel as CSV
through COPY (several times faster than a Python tuple per row, and a fraction of the memory
at national scale); on SQLite as one prepared statement run for every row."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import BooleanField, Case, Q, When
from django.db.models import Value as Constant


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


ANALYSE_FROM_ROWS = 10_000  # a national import, or a council's first years of figures


def analyse_after_commit(table: str, rows: int) -> None:
    """Once a write of at least ANALYSE_FROM_ROWS rows of `table` commits, PostgreSQL's planner
    statistics of it are taken afresh (ANALYZE samples 30,000 rows: about 0.2 s for the
    figures at national scale), so the first pages after a national import are planned from
    the figures it wrote. Planned from the table as it was before, one comparison's read
    took 17 ms rather than 1.7 (docs/benchmarks.md); autovacuum would take them too, within
    a minute or so. After the commit, in a transaction of its own: ANALYZE holds a lock
    that two of it at once queue on, and two imports must never queue on each other. SQLite
    plans without them."""
    if _postgresql() and rows >= ANALYSE_FROM_ROWS:
        name = connection.ops.quote_name(table)
        transaction.on_commit(lambda: _analyse(name))


def _analyse(quoted_table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {quoted_table}")


def lists_by(queryset, keys: list[str], field: str, where: Q | None = None) -> dict[tuple, list]:
    """`field`'s values in the queryset's rows, a list for each combination of `keys` (in no
    particular order); with `where`, only the values of rows it admits, and an empty list
    for a combination with none. PostgreSQL gathers them (array_agg: one row a combination,
    where thousands of rows were a third of a quarter view's read of its national
    distributions); SQLite hands over its rows to be gathered here."""
    rows = queryset.order_by()
    if _postgresql():
        from django.contrib.postgres.aggregates import ArrayAgg

        gathered = ArrayAgg(field) if where is None else ArrayAgg(field, filter=where, default=[])
        grouped = rows.values(*keys).annotate(gathered=gathered).values_list(*keys, "gathered")
        return {tuple(row[:-1]): row[-1] for row in _binary_rows(grouped)}
    admitted = (
        Constant(True, output_field=BooleanField())
        if where is None
        else Case(
            When(where, then=Constant(True)), default=Constant(False), output_field=BooleanField()
        )
    )
    lists: dict[tuple, list] = {}
    for *key, value, admit in rows.values_list(*keys, field, admitted):
        kept = lists.setdefault(tuple(key), [])
        if admit:
            kept.append(value)
    return lists


def _binary_rows(queryset) -> list[tuple]:
    """A PostgreSQL queryset's rows, handed over in PostgreSQL's binary format rather than as
    text: an array of figures arrives as machine floats, where as text each of them was
    written out by the server and parsed back by the client (a quarter view's 9,180 national
    figures: 11.5 -> 9.1 ms, docs/benchmarks.md). Binary results need PostgreSQL's own
    binding of the statement's parameters (psycopg's Cursor) rather than the client-side
    binding Django's cursors use; the cursor is wrapped as Django wraps its own, so the
    statement is counted, logged and timed as any other, on the connection the queryset
    was routed to (a replica's, for a page). Rows as the database gives them: for columns
    Django converts nothing in (numbers, and arrays of them), not dates or JSON."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # .none(), or a filter nothing can match: no statement at all
        return []
    database = connections[queryset.db]
    database.ensure_connection()
    database.validate_thread_sharing()
    raw = psycopg.Cursor(database.connection)
    raw.format = psycopg.pq.Format.BINARY
    debug = database.queries_logged
    with database.make_debug_cursor(raw) if debug else database.make_cursor(raw) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if debug:  # logged with its parameters in place, as Django logs its own statements
        database.queries_log[-1]["sql"] = database.ops.compose_sql(sql, params)
    return rows


def read_frame(queryset, fields: list[str], names: list[str], numeric: list[str]) -> pd.DataFrame:
    """Columns in `numeric` come back as float64 with NaN for NULL; the rest as text ("" for
    an empty string), except that integer id columns are parsed as integers."""
    if not _postgresql():
        frame = pd.DataFrame.from_records(queryset.values_list(*fields), columns=names)
        for name in numeric:
            frame[name] = frame[name].astype("float64")
        return frame
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        # COPY takes no bound parameters: psycopg quotes them into the statement safely.
        query = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
        with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(
        buffer,
        names=names,
        header=None,
        keep_default_na=False,
        na_values={name: [""] for name in numeric},
        dtype=dict.fromkeys(numeric, "float64"),
    )


def write_rows(cursor, table: str, frame: pd.DataFrame) -> None:
    """Write a frame's rows into `table` (its column names). PostgreSQL: one COPY, the CSV
    written by Arrow — numbers in their shortest exact form (a float read back is the same
    float), text always quoted, a missing value as an unquoted empty field, which COPY reads
    as NULL, so an empty text stays an empty text. SQLite: one prepared INSERT run for every
    row."""
    if not _postgresql():
        names = ", ".join(frame.columns)
        marks = ", ".join(["%s"] * len(frame.columns))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
            list(python_rows(frame)),
        )
        return
    import pyarrow as pa
    import pyarrow.csv as arrow_csv

    buffer = io.BytesIO()
    arrow_csv.write_csv(
        pa.Table.from_pandas(frame, preserve_index=False),
        buffer,
        arrow_csv.WriteOptions(include_header=False, batch_size=1 << 16),
    )
    buffer.seek(0)
    columns = ", ".join(frame.columns)
    # COPY goes to psycopg's own cursor: its errors (a figure that refers to nothing, say)
    # come out as Django's, as they do from every other statement.
    with connection.wrap_database_errors:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)


def temporary_copy(cursor, name: str, table: str, frame: pd.DataFrame) -> None:
    """A temporary table `name` with `table`'s columns that `frame` has (their types
    included), holding the frame's rows: what an UPDATE … FROM reads (PostgreSQL, and SQLite
    since 3.33). The caller drops it."""
    columns = ", ".join(frame.columns)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {name} AS SELECT {columns} FROM {table} WHERE false"  # noqa: S608
    )
    write_rows(cursor, name, frame)


def update_from(cursor, table: str, source: str, columns: list[str], constants=None) -> None:
    """Each row of `table` whose id is in `source` takes `source`'s `columns`, and each of
    `constants` (column: value): one UPDATE … FROM (PostgreSQL, and SQLite since 3.33)."""
    constants = constants or {}
    assignments = ", ".join([f"{c} = n.{c}" for c in columns] + [f"{c} = %s" for c in constants])
    cursor.execute(
        f"UPDATE {table} SET {assignments} FROM {source} AS n "  # noqa: S608 - names are ours
        f"WHERE {table}.id = n.id",
        list(constants.values()),
    )


def insert_from(
    cursor, table: str, source: str, columns: list[str], constants: dict, where: str, params
) -> None:
    """Rows of `source` that match `where` (with `params`) copied into `table`: its
    `columns`, as they are stored, and each of `constants` (column: value), in one
    INSERT … SELECT: the rows never travel to Python and back."""
    names = ", ".join([*columns, *constants])
    selected = ", ".join([*(f"s.{c}" for c in columns), *(["%s"] * len(constants))])
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {selected} FROM {source} AS s "  # noqa: S608
        f"WHERE {where}",
        [*constants.values(), *params],
    )


# Any constant: PostgreSQL's session lock while ids are reserved.
ID_LOCK = 0x4F75_7469


def reserve_ids(table: str, count: int) -> np.ndarray:
    """Ids for rows about to be inserted into `table`, so that rows referring to them (their
    history) can be written from the same frame. PostgreSQL: a block of the table's own
    sequence, reserved in one statement while a session lock is held for that instant, so
    two bulk writers (other authorities' imports go on side by side) never reserve
    overlapping blocks; a single row saved by hand in that instant would collide on the
    primary key and fail, never overwrite. SQLite: after the largest in use (the caller holds
    the database's write lock)."""
    if count == 0:
        return np.empty(0, dtype="int64")
    with connection.cursor() as cursor:
        if _postgresql():
            cursor.execute("SELECT pg_advisory_lock(%s)", [ID_LOCK])
            try:
                cursor.execute(
                    "SELECT setval(s, nextval(s) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') s",
                    [count, table],
                )
                last = cursor.fetchone()[0]
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ID_LOCK])
            return np.arange(last - count + 1, last + 1, dtype="int64")
        cursor.execute(
            "SELECT max(n) FROM (SELECT max(id) AS n FROM " + table + " UNION ALL "
            "SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        largest = cursor.fetchone()[0] or 0
    return np.arange(largest + 1, largest + 1 + count, dtype="int64")


def database_time(moment):
    """A time as the database is given it in a bulk write: text PostgreSQL parses, or
    Django's SQLite form."""
    if _postgresql():
        return moment.isoformat()
    return connection.ops.adapt_datetimefield_value(moment)


def python_rows(frame: pd.DataFrame):
    """Rows as tuples of plain Python values, None for missing."""
    return frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)

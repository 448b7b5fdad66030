"""Load an expensive fixture once per test session, then restore it in each test that asks.

The first test to ask runs the real loader (through the one write path, recompute and all)
and records, table by table, every row it added or changed. Later tests that start from the
same database state get the same rows back with one multi-row INSERT per table, inside their
own transaction, so each test still starts from exactly what the loader writes and rolls
back as before. A few hundred milliseconds a test become a few: most of the suite's set-up.
A test that starts from any other state (its own rows first, or a transactional test's flush
that recreated the migrations' rows) gets the real loader, recorded under that state.

Why not pytest-django's own way of loading once (overriding `django_db_setup`)? It puts the
data in the database every test of the session starts from. This suite needs six starting
points — empty, the demo, England's definitions, the published national data, the national
pages' and the control charts' series — each for some tests and wrong for the others (a
factory's Doncaster collides with the demo's), and pytest-django has one per session.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction


@dataclass
class TableRows:
    table: str
    pk: str
    columns: list[str]
    rows: list[tuple]


def _tables() -> list[tuple[str, str]]:
    """Every table, each after the tables it refers to, so a restore never waits on a
    reference it has not yet written."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        # Sessions and axes' records of sign-ins are a signed-in client's own (random keys;
        # keys from a sequence no rollback moves back): never part of a fixture, and a
        # sign-in before a fixture loads must not make its state look new.
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.db_table != "django_session"
        and model._meta.app_label != "axes"
    ]
    known = {model._meta.db_table for model in models}
    seen, tables = set(), []

    def visit(model, path=()):
        table = model._meta.db_table
        if table in seen or table in path or table not in known:
            return
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                visit(field.related_model._meta.concrete_model, (*path, table))
        if table not in seen:
            seen.add(table)
            tables.append((table, model._meta.pk.column))

    for model in models:
        visit(model)
    return tables


def _read(table: str) -> tuple[list[str], set[tuple]]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - table names are ours
        columns = [column[0] for column in cursor.description]
        rows = {tuple(_storable(value) for value in row) for row in cursor.fetchall()}
    return columns, rows


def _storable(value):
    """psycopg returns JSON columns as Python objects; the snapshot keeps their text."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


@dataclass
class Snapshot:
    parts: list[TableRows]
    baseline: list[tuple]  # every table's row count and largest key before the loader ran


def _baseline() -> list[tuple]:
    quote = connection.ops.quote_name
    query = " UNION ALL ".join(
        f"SELECT '{table}', COUNT(*), MAX({quote(pk)}) FROM {quote(table)}"  # noqa: S608
        for table, pk in _tables()
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return sorted(cursor.fetchall())


def record(load: Callable[[], object]) -> Snapshot:
    """Run `load` and return every row it added or changed, per table."""
    baseline = _baseline()
    before = {table: _read(table)[1] for table, _ in _tables()}
    load()
    changed = []
    for table, pk in _tables():
        columns, rows = _read(table)
        removed = {row[columns.index(pk)] for row in before[table] - rows}
        added = sorted(rows - before[table], key=lambda row: row[columns.index(pk)])
        if {row[columns.index(pk)] for row in added} < removed:
            raise RuntimeError(f"the loader deleted rows from {table}: cannot snapshot it")
        if added:
            changed.append(TableRows(table, pk, columns, added))
    return Snapshot(changed, baseline)


@transaction.atomic
def restore(snapshot: Snapshot) -> None:
    """Write the recorded rows back: replace any with the same key, insert the rest. Rows
    go out referring tables first and come back referred-to tables first, so every
    statement leaves each reference whole (foreign keys on SQLite are checked at the
    commit; PostgreSQL checks a figure's at each statement)."""
    with connection.cursor() as cursor:
        for part in reversed(snapshot.parts):
            _delete(cursor, part)
        for part in snapshot.parts:
            _insert(cursor, part)
        # PostgreSQL's sequences must move past the restored keys (SQLite's follow by themselves).
        tables = {part.table for part in snapshot.parts}
        models = [
            m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in tables
        ]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _delete(cursor, part: TableRows) -> None:
    quote = connection.ops.quote_name
    keys = [row[part.columns.index(part.pk)] for row in part.rows]
    if connection.vendor == "postgresql":
        # One array, not a parameter a key: psycopg quotes each parameter in Python.
        sql = f"DELETE FROM {quote(part.table)} WHERE {quote(part.pk)} = ANY(%s)"  # noqa: S608
        cursor.execute(sql, [keys])
        return
    for start in range(0, len(keys), 20_000):
        chunk = keys[start : start + 20_000]
        cursor.execute(
            f"DELETE FROM {quote(part.table)} WHERE {quote(part.pk)} IN "  # noqa: S608
            f"({', '.join(['%s'] * len(chunk))})",
            chunk,
        )


def _insert(cursor, part: TableRows) -> None:
    """PostgreSQL takes the rows through COPY: the national data's 50,000 rows as multi-row
    INSERTs, every value a parameter quoted in Python, took longer than loading them for
    real (13 s against 8); SQLite takes multi-row INSERTs as fast as anything."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in part.columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {quote(part.table)} ({names}) FROM STDIN") as copy:
            for row in part.rows:
                copy.write_row(row)
        return
    marks = "(" + ", ".join(["%s"] * len(part.columns)) + ")"
    size = max(1, 20_000 // len(part.columns))  # within SQLite's parameter limit
    for start in range(0, len(part.rows), size):
        chunk = part.rows[start : start + size]
        cursor.execute(
            f"INSERT INTO {quote(part.table)} ({names}) VALUES "  # noqa: S608
            + ", ".join([marks] * len(chunk)),
            [value for row in chunk for value in row],
        )


_recorded: dict[tuple, tuple[Snapshot, object]] = {}


def load_once(name: str, load: Callable[[], object]):
    """`load()`'s result, running it for real the first time from this database state and
    restoring its rows every later time."""
    key = (name, connection.vendor, tuple(_baseline()))
    if key in _recorded:
        snapshot, result = _recorded[key]
        restore(snapshot)
        return result
    outcome = []
    snapshot = record(lambda: outcome.append(load()))
    _recorded[key] = (snapshot, outcome[0])
    return outcome[0]

"""Read a queryset's columns straight into a DataFrame. On PostgreSQL the rows travel as CSV
through COPY: several times faster than building a Python tuple per row, and a fraction of
the memory at national scale (440,000 rows)."""

from __future__ import annotations

import io

import pandas as pd
import psycopg
from django.db import connection


def read_frame(queryset, fields: list[str], names: list[str], numeric: list[str]) -> pd.DataFrame:
    """Columns in `numeric` come back as float64 with NaN for NULL; the rest as text ("" for
    an empty string), except that integer id columns are parsed as integers."""
    if connection.vendor != "postgresql":
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


def copy_into(cursor, table: str, frame: pd.DataFrame) -> None:
    """Write a frame's rows into `table` (its column names) on PostgreSQL with one COPY.
    Arrow writes the CSV: numbers in their shortest exact form (a float read back is the same
    float), text always quoted, a missing value as an unquoted empty field, which COPY reads
    as NULL — so an empty text stays an empty text."""
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


def insert_many(cursor, table: str, frame: pd.DataFrame) -> None:
    """The same on SQLite: one prepared INSERT run for every row."""
    names = ", ".join(frame.columns)
    marks = ", ".join(["%s"] * len(frame.columns))
    cursor.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
        list(python_rows(frame)),
    )


def python_rows(frame: pd.DataFrame):
    """Rows as tuples of plain Python values, None for missing."""
    return frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)

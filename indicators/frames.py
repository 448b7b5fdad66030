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

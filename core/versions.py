"""The data version (core.models.DataVersion): one number that moves with every write of what
figures are judged from, and that every such writer takes first.

- `take()` — inside a writer's transaction, before it writes: moves the number on and holds
  the row until commit, so writers queue behind each other in one order (never a deadlock
  between two of them) and a reader that saw the old number knows something changed.
- `current()` — the number as committed now: one indexed read.

On SQLite the UPDATE is what takes the database's write lock, which serialises writers the
same way."""

from __future__ import annotations

from django.db import connection

from .models import DataVersion

ROW = 1


def take() -> int:
    """Move the version on, inside the caller's transaction, and return the number it had
    before: what a reader that saw nothing of this write would have read."""
    assert connection.in_atomic_block, "take the data version inside a transaction"
    table = DataVersion._meta.db_table
    with connection.cursor() as cursor:
        # An upsert, so that a database without the row (one flushed by a test) gets it back
        # on first use even when two writers arrive together.
        cursor.execute(
            f"INSERT INTO {table} (id, number) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (id) DO UPDATE SET number = {table}.number + 1 RETURNING number",
            [ROW],
        )
        return cursor.fetchone()[0] - 1


def current() -> int:
    return DataVersion.objects.filter(pk=ROW).values_list("number", flat=True).first() or 0

"""The suite's fixture snapshots (tests/snapshot.py) give back exactly what the loader wrote."""

from __future__ import annotations

import pytest
from django.db import transaction

from .snapshot import _read, _tables, record, restore

pytestmark = pytest.mark.django_db


def _everything() -> dict[str, set]:
    return {table: _read(table)[1] for table, _ in _tables()}


def test_a_restored_demo_is_the_loaded_demo_row_for_row(django_capture_on_commit_callbacks):
    from demo.load import load_demo

    def load():
        with django_capture_on_commit_callbacks(execute=True):
            load_demo()

    empty = _everything()
    with transaction.atomic():
        undo = transaction.savepoint()
        snapshot = record(load)
        loaded = _everything()
        transaction.savepoint_rollback(undo)
    assert _everything() == empty
    restore(snapshot)
    assert _everything() == loaded
    assert sum(len(part.rows) for part in snapshot.parts) > 200

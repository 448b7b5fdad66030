"""A national import writes 440,000 figures and as many history rows, and every index on
their tables is paid for by each one (docs/benchmarks.md). So each table keeps exactly the
indexes its readers use — listed here with their reader — and one added without a reader, or
one dropped that a page still reads by, fails this test. The same on both databases."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from indicators import writes
from indicators.models import Value
from tests.factories import ValueFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    Value._meta.db_table: {
        ("id",),  # the primary key: a figure's own page, its edits
        # the unique key: a measure's series (authority, indicator) and the quarter page's
        # figures (authority, period: the authority's entries in the key)
        ("authority_id", "indicator_id", "period_id"),
        ("indicator_id", "period_id"),  # compare pages and the recompute by measure
    },
    Value.history.model._meta.db_table: {
        ("history_id",),  # the primary key
        ("id",),  # a figure's history (its record)
        ("authority_id",),  # the history page of a measure in one place (reports.history)
        ("history_user_id",),  # deleting a user (SET_NULL): simple-history's own index
    },
}


def _indexes(table: str) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        tuple(details["columns"])
        for details in constraints.values()
        if details["index"] or details["primary_key"] or details["unique"]
    }


@pytest.mark.parametrize("table", list(EXPECTED))
def test_figures_and_their_history_keep_only_the_indexes_read_by(table):
    found = _indexes(table)
    if connection.vendor == "sqlite":
        # SQLite's rowid is the primary key: it lists no index for it.
        found |= {("id",)} if table == Value._meta.db_table else {("history_id",)}
    assert found == EXPECTED[table]


def test_deleting_a_user_keeps_the_history_they_wrote_without_their_name():
    """The history loses its user the way simple-history says (SET_NULL), and nothing
    else."""
    user = get_user_model().objects.create_user("officer", password="x")  # noqa: S106
    value = ValueFactory(value=40.0)
    value.value = 45.0
    writes.save_value(value, user=user, reason="corrected")
    entries = Value.history.filter(id=value.pk)
    assert entries.filter(history_user=user).count() == 1
    user.delete()
    assert entries.count() == 2
    assert not entries.exclude(history_user=None).exists()

"""A national import writes 440,000 figures and as many history rows, and every index on
their tables is paid for by each one (docs/benchmarks.md). So each table keeps exactly the
indexes its readers use — listed here with their reader — and one added without a reader, or
one dropped that a page still reads by, fails this test. The same on both databases."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

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
        # compare pages, comparisons' national distributions and the recompute by measure
        ("indicator_id", "period_id"),
    },
    Value.history.model._meta.db_table: {
        ("history_id",),  # the primary key
        ("id",),  # a figure's history (its record)
        # a measure's history in one place, in time order (reports.history): the authority
        # alone read every other measure's history of it too
        ("authority_id", "indicator_id", "history_date"),
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


def _figure(authority, indicator, quarter) -> dict:
    """A row for the write path: a figure of 50 for the authority, measure and quarter."""
    return {
        "authority_id": authority.id,
        "indicator_id": indicator.id,
        "period_id": quarter.id,
        "value": 50.0,
        "no_value_reason": "",
        "numerator": None,
        "denominator": None,
        "note": "",
    }


def _planned_rows() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Value._meta.db_table])
        return cursor.fetchone()[0]


def test_a_large_write_takes_the_planners_statistics_afresh_once_committed(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Planned from the table before a national import, a comparison's read took ten times
    as long (docs/benchmarks.md): a write of many figures has PostgreSQL analyse the table
    after it commits; a small one leaves that to autovacuum."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite plans without the statistics ANALYZE takes")
    import pandas as pd

    from indicators import bulk
    from tests.factories import AuthorityFactory, IndicatorFactory, period

    monkeypatch.setattr(bulk, "ANALYSE_FROM_ROWS", 3)
    indicator, quarter = IndicatorFactory(), period("2016-17 Q2")

    def rows(count: int) -> pd.DataFrame:
        return pd.DataFrame([_figure(AuthorityFactory(), indicator, quarter) for _ in range(count)])

    with django_capture_on_commit_callbacks() as small:
        with transaction.atomic():
            writes.save_value_rows(rows(2), scheduler=lambda *args: None)
    assert small == []
    with django_capture_on_commit_callbacks() as large:
        with transaction.atomic():
            writes.save_value_rows(rows(3), scheduler=lambda *args: None)
    assert len(large) == 1
    assert _planned_rows() != 5
    large[0]()
    assert _planned_rows() == 5


def test_new_figures_are_laid_down_by_authority_then_period(django_capture_on_commit_callbacks):
    """A council's figures of a quarter together, and a measure's figures of a period one
    page a council: the order new rows go into the table, whatever order they came in."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's rows are laid down by rowid, which is the id")
    import pandas as pd

    from tests.factories import AuthorityFactory, IndicatorFactory, period

    places = [AuthorityFactory(), AuthorityFactory()]
    measures = [IndicatorFactory(), IndicatorFactory(), IndicatorFactory()]
    quarters = [period("2016-17 Q1"), period("2016-17 Q2")]
    # A fresh heap, so that the physical order is the order written: rows earlier tests
    # wrote and rolled back leave dead slots that PostgreSQL may fill first (rolled back
    # with the test, as everything here is).
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE indicators_value CASCADE")
    rows = pd.DataFrame(
        [
            _figure(place, measure, quarter)
            for measure in measures  # as a file by measure would bring them
            for quarter in quarters
            for place in places
        ]
    )
    with transaction.atomic():
        writes.save_value_rows(rows, scheduler=lambda *args: None)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT authority_id, period_id, indicator_id FROM indicators_value ORDER BY ctid"
        )
        laid_down = cursor.fetchall()
    assert laid_down == sorted(laid_down)
    assert len(laid_down) == 12

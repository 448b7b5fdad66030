"""A figure's four references (authority, indicator, period, import) are kept whole by the
database: PostgreSQL checks them once per statement (indicators migration 0010), SQLite
with its own foreign keys. A figure that refers to nothing is refused, whichever way it is
written; so is deleting what a stored figure still refers to; Django's on_delete runs first,
as before; and a delete that races an import waits for it and is then refused."""

from __future__ import annotations

import os
import threading

import pandas as pd
import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from authorities.models import Authority
from imports.models import ImportBatch
from indicators import writes
from indicators.models import Indicator, Period, Value
from tests.factories import AuthorityFactory, IndicatorFactory, ValueFactory, period

pytestmark = pytest.mark.django_db
REFERENCES = {
    "authority_id": "authorities_authority",
    "indicator_id": "indicators_indicator",
    "period_id": "indicators_period",
    "import_batch_id": "imports_importbatch",
}


def checked():
    """Where the database checks references: PostgreSQL at the statement, SQLite (deferred
    foreign keys) when asked, as at a commit."""
    if connection.vendor == "sqlite":
        connection.check_constraints()


def raw(statement: str, *params, wait: str = "") -> None:
    """One statement behind Django's back, in its own savepoint, then what a commit checks."""
    with transaction.atomic(), connection.cursor() as cursor:
        if wait:
            cursor.execute(f"SET LOCAL lock_timeout = '{wait}'")
        cursor.execute(statement, list(params))
        checked()


def postgresql_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs this on PostgreSQL")
        pytest.skip("statement-level reference checks are PostgreSQL's")


def test_each_database_holds_the_references_in_its_own_way():
    table = Value._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'",
                [table],
            )
            assert cursor.fetchone()[0] == 0  # no trigger per figure
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgfoid::regproc::text IN "
                "('outturn_references_exist', 'outturn_not_referenced')"
            )
            triggers = cursor.fetchall()
            assert {t for t, _ in triggers} == {table, *REFERENCES.values()}
            assert len(triggers) == 2 + 3 * len(REFERENCES)
        else:
            cursor.execute(f"PRAGMA foreign_key_list({table})")
            found = {(row[3], row[2]) for row in cursor.fetchall()}
            assert found == set(REFERENCES.items())


def _row(**changes) -> pd.DataFrame:
    row = {
        "authority_id": AuthorityFactory().id,
        "indicator_id": IndicatorFactory().id,
        "period_id": period("2016-17 Q2").id,
        "value": 50.0,
        "no_value_reason": "",
        "numerator": None,
        "denominator": None,
        "note": "",
    }
    return pd.DataFrame([{**row, **changes}])


@pytest.mark.parametrize("reference", ["authority_id", "indicator_id", "period_id"])
def test_the_write_path_refuses_a_figure_that_refers_to_nothing(reference):
    """The write path checks periods and indicators itself; the database is the last word
    for all three, whichever code writes."""
    rows = _row(**{reference: 987_654})
    with pytest.raises((IntegrityError, ValueError)), transaction.atomic():  # noqa: PT012
        writes.save_value_rows(rows)
        checked()
    assert not Value.objects.exists()


def test_an_import_that_names_no_stored_import_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():  # noqa: PT012
        writes.save_value_rows(_row(), import_batch_id=987_654)
        checked()
    assert not Value.objects.exists()


@pytest.mark.parametrize("reference", list(REFERENCES))
def test_a_figure_saved_one_at_a_time_that_refers_to_nothing_is_refused(reference):
    value = ValueFactory()
    setattr(value, reference, 987_654)
    with pytest.raises(IntegrityError), transaction.atomic():  # noqa: PT012
        value.save()
        checked()
    assert getattr(Value.objects.get(pk=value.pk), reference) != 987_654


@pytest.mark.parametrize("reference", list(REFERENCES))
def test_deleting_what_a_figure_refers_to_behind_django_s_back_is_refused(reference):
    batch = ImportBatch.objects.create(file_name="q2.csv", sha256="0" * 64)
    value = ValueFactory(import_batch=batch)
    with pytest.raises(IntegrityError):
        raw(f"DELETE FROM {REFERENCES[reference]} WHERE id = %s", getattr(value, reference))
    assert Value.objects.filter(pk=value.pk).exists()


def test_emptying_a_table_that_figures_refer_to_is_refused_but_emptying_both_is_not():
    postgresql_only()  # SQLite has no TRUNCATE
    ValueFactory()
    with pytest.raises(IntegrityError, match="still referred to"):
        raw("TRUNCATE indicators_period CASCADE")  # CASCADE: the tables with real keys
    assert Value.objects.count() == 1
    raw("TRUNCATE indicators_value, indicators_period CASCADE")
    assert not Value.objects.exists()


def test_renumbering_what_a_figure_refers_to_is_refused():
    value = ValueFactory()
    with pytest.raises(IntegrityError):
        raw("UPDATE authorities_authority SET id = id + 100000 WHERE id = %s", value.authority_id)


def test_django_s_on_delete_still_decides_what_happens():
    batch = ImportBatch.objects.create(file_name="q2.csv", sha256="0" * 64)
    kept = ValueFactory(import_batch=batch)
    batch.delete()  # SET_NULL: the figure stays, without its import
    kept.refresh_from_db()
    assert kept.import_batch_id is None

    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Period.objects.filter(pk=kept.period_id).delete()

    gone = ValueFactory()
    Indicator.objects.filter(pk=gone.indicator_id).delete()  # CASCADE
    assert not Value.objects.filter(pk=gone.pk).exists()
    Authority.objects.filter(pk=kept.authority_id).delete()
    assert not Value.objects.exists()
    # Renaming a place that has figures is fine: only its id matters.
    other = ValueFactory()
    Authority.objects.filter(pk=other.authority_id).update(name="Renamed")


@pytest.mark.django_db(transaction=True)
def test_a_delete_that_races_a_write_waits_for_it_and_is_then_refused():
    """The write takes KEY SHARE locks on what its figures refer to, as a foreign key's check
    does: a delete arriving meanwhile waits, and once the figures are committed it finds them
    and is refused. (And a write after a committed delete finds nothing to refer to.)"""
    postgresql_only()
    authority = AuthorityFactory()
    written, release = threading.Event(), threading.Event()
    failures = []

    def write():
        try:
            with transaction.atomic():
                writes.save_value_rows(_row(authority_id=authority.id))
                written.set()
                release.wait(30)
        except Exception as error:  # surfaced below
            failures.append(error)
        finally:
            written.set()
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    assert written.wait(30)
    try:
        with pytest.raises(OperationalError, match="lock timeout"):
            raw("DELETE FROM authorities_authority WHERE id = %s", authority.id, wait="300ms")
    finally:
        release.set()
        writer.join(30)
    assert not failures, failures
    with pytest.raises(IntegrityError, match="still referred to"):
        raw("DELETE FROM authorities_authority WHERE id = %s", authority.id)
    assert Value.objects.filter(authority=authority).count() == 1

    # The other way round: the delete commits first, the write then refers to nothing.
    other = AuthorityFactory()
    raw("DELETE FROM authorities_authority WHERE id = %s", other.id)
    with pytest.raises(IntegrityError, match="not stored"), transaction.atomic():
        writes.save_value_rows(_row(authority_id=other.id))

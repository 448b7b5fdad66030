"""A figure's three references (authority, indicator, period) are foreign keys, the same on
both databases, checked when the transaction commits. A figure that refers to nothing is
refused, whichever way it is written; so is deleting what a stored figure still refers to;
Django's on_delete runs first; and a write that races a delete saves nothing."""

from __future__ import annotations

import os
import threading

import pandas as pd
import pytest
from django.db import IntegrityError, connection, connections, transaction

from authorities.models import Authority
from indicators import writes
from indicators.models import Indicator, Period, Value
from tests.factories import AuthorityFactory, IndicatorFactory, ValueFactory, period

pytestmark = pytest.mark.django_db
REFERENCES = {
    "authority_id": "authorities_authority",
    "indicator_id": "indicators_indicator",
    "period_id": "indicators_period",
}


def checked():
    """What a commit checks (the keys are deferred to it on both databases)."""
    connection.check_constraints()


def raw(statement: str, *params) -> None:
    """One statement behind Django's back, in its own savepoint, then what a commit checks."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, list(params))
        checked()


def postgresql_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs this on PostgreSQL")
        pytest.skip("PostgreSQL's own statement")


def test_both_databases_hold_the_references_as_the_model_declares_them():
    table = Value._meta.db_table
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, table)
    assert {column: target for column, (_, target) in relations.items()} == REFERENCES
    declared = {
        f.column: f.related_model._meta.db_table
        for f in Value._meta.concrete_fields
        if f.is_relation and f.db_constraint
    }
    assert declared == REFERENCES


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
    value = ValueFactory()
    with pytest.raises(IntegrityError):
        raw(f"DELETE FROM {REFERENCES[reference]} WHERE id = %s", getattr(value, reference))
    assert Value.objects.filter(pk=value.pk).exists()


def test_renumbering_what_a_figure_refers_to_is_refused():
    value = ValueFactory()
    with pytest.raises(IntegrityError):
        raw("UPDATE authorities_authority SET id = id + 100000 WHERE id = %s", value.authority_id)


def test_django_s_on_delete_still_decides_what_happens():
    kept = ValueFactory()
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
def test_a_write_that_races_a_delete_saves_nothing():
    """An authority deleted (behind Django's back) while its figures are being written, then
    committed first: the write's commit finds nothing to refer to and stores nothing. A
    delete after the figures are committed is refused."""
    postgresql_only()
    authority, other = AuthorityFactory(), AuthorityFactory()
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
        raw("DELETE FROM authorities_authority WHERE id = %s", authority.id)
    finally:
        release.set()
        writer.join(30)
    assert [type(f) for f in failures] == [IntegrityError]
    assert not Value.objects.exists()

    with transaction.atomic():
        writes.save_value_rows(_row(authority_id=other.id))
    with pytest.raises(IntegrityError):
        raw("DELETE FROM authorities_authority WHERE id = %s", other.id)
    assert Value.objects.filter(authority=other).count() == 1

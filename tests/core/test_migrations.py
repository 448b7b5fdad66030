"""The migrations describe the models exactly, one per app, and the database is what they
describe on both databases: a model change without its migration, or a library upgrade
that shapes a field otherwise, shows here rather than at someone's deploy."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from core.checks import OWN_APPS, migrated_before_the_reset, tables_its_migrations_describe

pytestmark = pytest.mark.django_db


def test_no_model_change_is_without_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # --check exits non-zero when a migration is missing
        pytest.fail(f"a model change has no migration:\n{out.getvalue()}")


def test_each_app_has_one_migration_and_none_reaches_upwards():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {key: m for key, m in loader.disk_migrations.items() if key[0] in OWN_APPS}
    assert sorted(ours) == [(app, "0001_initial") for app in sorted(OWN_APPS)]
    # The layers of pyproject.toml's import contract, lowest first: a migration depends
    # only on apps below its own.
    layers = ["core", "authorities", "indicators", "scrutiny", "imports", "reports"]
    for (app, _), migration in ours.items():
        for depends_on, _ in migration.dependencies:
            if depends_on in OWN_APPS:
                assert layers.index(depends_on) < layers.index(app), (app, depends_on)


def test_every_table_is_what_its_model_declares():
    """Columns and foreign keys, model by model: nothing made or dropped by hand."""
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.app_label not in OWN_APPS or not model._meta.managed:
                continue
            table = model._meta.db_table
            described = connection.introspection.get_table_description(cursor, table)
            assert {c.name for c in described} == {
                f.column for f in model._meta.local_concrete_fields
            }, table
            relations = connection.introspection.get_relations(cursor, table)
            declared = {
                f.column: f.related_model._meta.db_table
                for f in model._meta.local_concrete_fields
                if f.is_relation and f.db_constraint
            }
            assert {c: target for c, (_, target) in relations.items()} == declared, table


def test_a_database_migrated_before_the_reset_is_refused_in_words():
    assert migrated_before_the_reset(databases=["default"]) == []
    MigrationRecorder(connection).record_applied("indicators", "0017_history_indexed_by_user")
    (error,) = migrated_before_the_reset(databases=["default"])
    assert "indicators.0017_history_indexed_by_user" in error.msg
    assert "delete var/db.sqlite3" in error.hint
    assert error.id == "outturn.E001"


def test_a_database_lacking_a_table_its_migrations_describe_is_refused_in_words():
    """A database made before a table was added to an app's one migration (0.x)."""
    assert tables_its_migrations_describe(databases=["default"]) == []
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute("DROP TABLE indicators_distribution")
    (error,) = tables_its_migrations_describe(databases=["default"])
    assert "no table indicators_distribution" in error.msg
    assert "delete var/db.sqlite3" in error.hint
    assert error.id == "outturn.E002"

"""Checks Django runs before it migrates (and with `check --database default`)."""

from django.core.checks import Error, Tags, register

# Outturn's own apps: their migrations were reset to one per app at 0.x.
OWN_APPS = ("authorities", "core", "imports", "indicators", "reports", "scrutiny")
RECREATE = (
    "A 0.x database is recreated, not upgraded: delete var/db.sqlite3 (the embedded demo) or "
    "create an empty PostgreSQL database, then migrate and load again (docs/deploy.md, "
    "'Upgrade')."
)


def _recorded(databases):
    """Each database that records migrations, with the recorder: (alias, recorder)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    for alias in databases or ():
        recorder = MigrationRecorder(connections[alias])
        if recorder.has_table():
            yield alias, recorder


@register(Tags.database)
def migrated_before_the_reset(app_configs=None, databases=None, **kwargs):
    """A database migrated before Outturn's migrations were reset to one per app records
    migrations that no longer exist, and its tables are not what the new ones describe:
    `migrate` would call it up to date. It is refused, saying what to do (docs/deploy.md)."""
    from django.db.migrations.loader import MigrationLoader

    errors = []
    for alias, recorder in _recorded(databases):
        on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
        gone = sorted(
            f"{app}.{name}"
            for app, name in recorder.applied_migrations()
            if app in OWN_APPS and (app, name) not in on_disk
        )
        if gone:
            errors.append(
                Error(
                    f"The database '{alias}' was made by Outturn's migrations from before they "
                    f"were reset to one per app: it records {gone[0]}"
                    + (
                        f" and {len(gone) - 1} more, which no longer exist."
                        if len(gone) > 1
                        else ", which no longer exists."
                    ),
                    hint=RECREATE,
                    id="outturn.E001",
                )
            )
    return errors


@register(Tags.database)
def tables_its_migrations_describe(app_configs=None, databases=None, **kwargs):
    """A database whose Outturn migrations are recorded as applied but which lacks a table
    they create was made by an earlier 0.x build of the same migration (0.x edits an app's
    one migration rather than adding another): `migrate` would call it up to date, and every
    page reading that table would fail. It is refused, saying what to do."""
    from django.apps import apps

    errors = []
    for alias, recorder in _recorded(databases):
        applied = {app for app, _ in recorder.applied_migrations() if app in OWN_APPS}
        present = set(recorder.connection.introspection.table_names())
        missing = sorted(
            model._meta.db_table
            for app in applied
            for model in apps.get_app_config(app).get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and model._meta.db_table not in present
        )
        if missing:
            errors.append(
                Error(
                    f"The database '{alias}' records Outturn's migrations as applied but has "
                    f"no table {', '.join(missing)}: it was made by an earlier 0.x build.",
                    hint=RECREATE,
                    id="outturn.E002",
                )
            )
    return errors

"""Checks Django runs before it migrates (and with `check --database default`)."""

from django.core.checks import Error, Tags, register

# Outturn's own apps: their migrations were reset to one per app at 0.x.
OWN_APPS = ("authorities", "core", "imports", "indicators", "reports", "scrutiny")


@register(Tags.database)
def migrated_before_the_reset(app_configs=None, databases=None, **kwargs):
    """A database migrated before Outturn's migrations were reset to one per app records
    migrations that no longer exist, and its tables are not what the new ones describe:
    `migrate` would call it up to date. It is refused, saying what to do (docs/deploy.md)."""
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    errors = []
    for alias in databases or ():
        recorder = MigrationRecorder(connections[alias])
        if not recorder.has_table():
            continue
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
                    hint="A 0.x database is recreated, not upgraded: delete var/db.sqlite3 (the "
                    "embedded demo) or create an empty PostgreSQL database, then migrate and "
                    "load again (docs/deploy.md, 'Upgrade').",
                    id="outturn.E001",
                )
            )
    return errors

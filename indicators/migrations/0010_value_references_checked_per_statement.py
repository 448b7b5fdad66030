"""A figure's four references (authority, indicator, period, import) checked by PostgreSQL
once per statement rather than once per figure.

A foreign key is a trigger PostgreSQL runs for every row: a national import's 440,640
figures were 1.76 million look-ups at commit, 13 s of a 30 s import. On PostgreSQL the four
constraints are replaced by statement-level triggers with transition tables (PostgreSQL 10
and later), which check the same things set-based, in one join per reference per statement:

- a statement that writes figures takes KEY SHARE locks on the rows they refer to (as a
  foreign key's check does, so they cannot be deleted until it commits) and fails with
  foreign_key_violation, naming one, if any is not stored;
- a statement that deletes, renumbers or truncates authorities, indicators, periods or
  imports fails the same way while any stored figure still refers to one. Django's
  on_delete (CASCADE, PROTECT, SET_NULL) runs first, as it did with the constraints.

They are not deferred (PostgreSQL defers only row-level constraint triggers): whatever a
transaction writes, it writes what a figure refers to first, as the one write path does.
SQLite keeps its own foreign keys, which cost little there (docs/architecture.md); its
tables are not rebuilt, so the model says db_constraint=False for both while SQLite's table
still has them (tests/indicators/test_references.py holds both shapes).
"""

import copy

from django.db import migrations, models

FIELDS = {
    "authority": "authorities_authority",
    "indicator": "indicators_indicator",
    "period": "indicators_period",
    "import_batch": "imports_importbatch",
}

FUNCTIONS = """
CREATE FUNCTION outturn_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
-- TG_ARGV: pairs of (the figures' column, the table it refers to); `arrived`: the rows the
-- statement wrote, read once for the distinct keys of every column.
DECLARE
    columns text := '';
    n int;
    keys bigint[];
    missing bigint;
BEGIN
    FOR n IN 0 .. TG_NARGS / 2 - 1 LOOP
        columns := columns || CASE WHEN n > 0 THEN ', ' ELSE '' END
            || format('(%s, %I)', n, TG_ARGV[2 * n]);
    END LOOP;
    FOR n, keys IN EXECUTE
        'SELECT c.n, array_agg(DISTINCT c.k) FROM arrived, LATERAL (VALUES ' || columns
        || ') AS c(n, k) WHERE c.k IS NOT NULL GROUP BY c.n'
    LOOP
        -- As a foreign key's check does: what is referred to cannot go until this commits.
        EXECUTE format('SELECT 1 FROM %I WHERE id = ANY($1) FOR KEY SHARE', TG_ARGV[2 * n + 1])
            USING keys;
        EXECUTE format(
            'SELECT k FROM unnest($1) k WHERE NOT EXISTS (SELECT 1 FROM %I x WHERE x.id = k) '
            'LIMIT 1', TG_ARGV[2 * n + 1]) INTO missing USING keys;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'a figure refers to %.id = %, which is not stored',
                TG_ARGV[2 * n + 1], missing
                USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION outturn_not_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
-- TG_ARGV: the figures' table, its column. `gone` (and on UPDATE `kept`): the rows before
-- (and after) the statement; an id in gone but not in kept must not be referred to. After
-- a TRUNCATE (no transition tables) every row is gone: no stored figure may refer to one
-- (a TRUNCATE of the figures' table too, in the same statement, empties it first).
DECLARE
    still bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT %2$I FROM %1$I WHERE %2$I IS NOT NULL LIMIT 1',
            TG_ARGV[0], TG_ARGV[1]) INTO still;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format(
            'SELECT g.id FROM gone g WHERE EXISTS (SELECT 1 FROM %1$I v WHERE v.%2$I = g.id) '
            'LIMIT 1', TG_ARGV[0], TG_ARGV[1]) INTO still;
    ELSE
        EXECUTE format(
            'SELECT g.id FROM (SELECT id FROM gone EXCEPT SELECT id FROM kept) g '
            'WHERE EXISTS (SELECT 1 FROM %1$I v WHERE v.%2$I = g.id) LIMIT 1',
            TG_ARGV[0], TG_ARGV[1]) INTO still;
    END IF;
    IF still IS NOT NULL THEN
        RAISE EXCEPTION '%.id = % is still referred to by stored figures', TG_TABLE_NAME, still
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_ARGV[0];
    END IF;
    RETURN NULL;
END $$;
"""


def _triggers(values: str) -> list[tuple[str, str, str]]:
    """Every trigger as (name, table, the statement that creates it)."""
    pairs = ", ".join(f"'{field}_id', '{table}'" for field, table in FIELDS.items())
    triggers = []
    for event in ("INSERT", "UPDATE"):
        name = f"{values}_references_exist_{event.lower()}"
        triggers.append(
            (
                name,
                values,
                f"CREATE TRIGGER {name} AFTER {event} ON {values} REFERENCING NEW TABLE AS "
                f"arrived FOR EACH STATEMENT EXECUTE FUNCTION outturn_references_exist({pairs})",
            )
        )
    for field, table in FIELDS.items():
        for event, transitions in [
            ("DELETE", "REFERENCING OLD TABLE AS gone "),
            ("UPDATE", "REFERENCING OLD TABLE AS gone NEW TABLE AS kept "),
            ("TRUNCATE", ""),
        ]:
            name = f"{table}_kept_by_{values}_{event.lower()}"
            triggers.append(
                (
                    name,
                    table,
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} {transitions}FOR EACH "
                    f"STATEMENT EXECUTE FUNCTION outturn_not_referenced('{values}', '{field}_id')",
                )
            )
    return triggers


def _alter(apps, schema_editor, constraint: bool) -> None:
    value = apps.get_model("indicators", "Value")
    for name in FIELDS:
        before, after = (
            copy.copy(value._meta.get_field(name)),
            copy.copy(value._meta.get_field(name)),
        )
        before.db_constraint, after.db_constraint = not constraint, constraint
        schema_editor.alter_field(value, before, after)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _alter(apps, schema_editor, constraint=False)
    schema_editor.execute(FUNCTIONS, params=None)
    for _, _, statement in _triggers(apps.get_model("indicators", "Value")._meta.db_table):
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    values = apps.get_model("indicators", "Value")._meta.db_table
    for name, table, _ in _triggers(values):
        schema_editor.execute(f"DROP TRIGGER {name} ON {table}", params=None)
    schema_editor.execute("DROP FUNCTION outturn_references_exist(), outturn_not_referenced()")
    _alter(apps, schema_editor, constraint=True)


def _reference(to: str, on_delete, **options):
    return models.ForeignKey(db_constraint=False, on_delete=on_delete, to=to, **options)


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0003_officerassignment"),
        ("imports", "0005_import_saved_by_the_worker"),
        ("indicators", "0009_leaner_value_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="value",
                    name="authority",
                    field=_reference(
                        "authorities.authority", models.deletion.CASCADE, db_index=False
                    ),
                ),
                migrations.AlterField(
                    model_name="value",
                    name="indicator",
                    field=_reference(
                        "indicators.indicator", models.deletion.CASCADE, db_index=False
                    ),
                ),
                migrations.AlterField(
                    model_name="value",
                    name="period",
                    field=_reference("indicators.period", models.deletion.PROTECT),
                ),
                migrations.AlterField(
                    model_name="value",
                    name="import_batch",
                    field=_reference(
                        "imports.importbatch",
                        models.deletion.SET_NULL,
                        blank=True,
                        null=True,
                        related_name="values",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]

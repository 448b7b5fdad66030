"""Value.period_stated: False where a source quoted a figure without its period.

Added by ALTER TABLE on both databases rather than Django's AddField: SQLite cannot add a
NOT NULL column through its schema editor without rebuilding the table from the model, and the
model declares db_constraint=False for the references SQLite's table still checks with its own
foreign keys (migration 0010), which a rebuild would drop."""

from django.db import migrations, models

COLUMN = "ADD COLUMN period_stated bool DEFAULT true NOT NULL"


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0014_benchmark_closeness"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name=model,
                    name="period_stated",
                    field=models.BooleanField(db_default=True, default=True),
                )
                for model in ["historicalvalue", "value"]
            ],
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE {table} {COLUMN}",
                    f"ALTER TABLE {table} DROP COLUMN period_stated",
                )
                for table in ["indicators_historicalvalue", "indicators_value"]
            ],
        )
    ]

"""History entries are read by the record they belong to, then put in date order in memory
(SIMPLE_HISTORY_DATE_INDEX = False); figures are never read by period alone. Two indexes
fewer for every figure a national import writes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0010_value_references_checked_per_statement"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalrebase",
            name="history_date",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="historicaltarget",
            name="history_date",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="historicalvalue",
            name="history_date",
            field=models.DateTimeField(),
        ),
        # An index dropped by name on both databases: AlterField would rebuild SQLite's
        # table from the model, which says db_constraint=False, and lose SQLite's foreign
        # keys (migration 0010).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="value",
                    name="period",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="indicators.period",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX indicators_value_period_id_ec16c702",
                    "CREATE INDEX indicators_value_period_id_ec16c702 "
                    "ON indicators_value (period_id)",
                )
            ],
        ),
    ]

"""Three indexes fewer for every figure a national import writes, none of them read: figures
by authority and period (the unique key, which leads with the authority, serves the quarter
page), figures by import (nothing reads them so; an import batch is never deleted by Outturn),
and their history by user (nothing reads it so)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Dropped by name on both databases, as in 0011: AlterField would rebuild SQLite's table from
# the model, which says db_constraint=False, and lose SQLite's foreign keys (migration 0010).
IMPORT_INDEX = "indicators_value_import_batch_id_1e5e681c"
USER_INDEX = "indicators_historicalvalue_history_user_id_58f3c715"


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0005_import_saved_by_the_worker"),
        ("indicators", "0011_history_by_record_and_figures_not_by_period"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="value", name="value_authority_period"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="value",
                    name="import_batch",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="values",
                        to="imports.importbatch",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalvalue",
                    name="history_user",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX {IMPORT_INDEX}",
                    f"CREATE INDEX {IMPORT_INDEX} ON indicators_value (import_batch_id)",
                ),
                migrations.RunSQL(
                    f"DROP INDEX {USER_INDEX}",
                    f"CREATE INDEX {USER_INDEX} ON indicators_historicalvalue (history_user_id)",
                ),
            ],
        ),
    ]

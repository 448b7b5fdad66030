"""A figure's history is indexed by its user again, as simple-history shapes it: the index was
dropped (0012) by overriding a private method of simple-history's, a dependency's internals a
library upgrade could change under us. It costs little in an import (docs/benchmarks.md), and
deleting a user reads by it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Created by name on both databases, as 0012 dropped it: AlterField would rebuild SQLite's
# table from the model.
USER_INDEX = "indicators_historicalvalue_history_user_id_58f3c715"


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0016_value_spc_points"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="historicalvalue",
                    name="history_user",
                    field=models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"CREATE INDEX {USER_INDEX} ON indicators_historicalvalue (history_user_id)",
                    f"DROP INDEX {USER_INDEX}",
                ),
            ],
        ),
    ]

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("indicators", "0005_importbatch_to_imports"),
    ]

    operations = [migrations.AlterModelTable(name="importbatch", table=None)]

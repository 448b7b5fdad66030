from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scrutiny", "0001_initial"),
        ("reports", "0003_challenge_models_to_scrutiny"),
    ]

    operations = [
        migrations.AlterModelTable(name=name, table=None)
        for name in [
            "challengerecord",
            "action",
            "historicalchallengerecord",
            "historicalaction",
            "publication",
        ]
    ]

from django.db import migrations


def seed(apps, schema_editor):
    MatchingConfig = apps.get_model("matchmaking", "MatchingConfig")
    MatchingConfig.objects.get_or_create(version=1, defaults={"note": "Defaults."})


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

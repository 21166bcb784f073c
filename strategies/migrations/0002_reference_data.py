from django.db import migrations

from strategies.reference import sync_strategies


def load(apps, schema_editor):
    sync_strategies(apps)


class Migration(migrations.Migration):
    dependencies = [("strategies", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

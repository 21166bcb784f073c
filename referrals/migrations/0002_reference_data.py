from django.db import migrations

from referrals.reference import sync_categories


def load(apps, schema_editor):
    sync_categories(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("agencies", "0002_reference_data"),
        ("strategies", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

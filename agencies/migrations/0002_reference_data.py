from django.db import migrations

from agencies.reference import sync_agencies, sync_geography


def load(apps, schema_editor):
    sync_agencies(apps)
    sync_geography(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

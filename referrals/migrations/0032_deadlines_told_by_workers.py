"""The sweep records the level a deadline reached; the deadlines workers tell its people
(escalation.tell). The deadlines the sweep told before this change count as told.

Deploy it with beat and the deadlines workers stopped: a sweep of the earlier code running
after this migration would raise levels without counting them told, and a later level would
then write their timeline lines again (their notifications' keys refuse a second copy)."""

from django.db import migrations, models


def told_already(apps, schema_editor):
    Deadline = apps.get_model("referrals", "Deadline")
    Deadline.objects.filter(level_reached__gt=0).update(level_told=models.F("level_reached"))


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0031_timeline_keys_indexed_where_set"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="deadline",
            name="level_told",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(told_already, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                condition=models.Q(("level_told__lt", models.F("level_reached"))),
                fields=["claimed_at"],
                name="deadline_untold",
            ),
        ),
    ]

"""Access that ends with the purpose: the agencies that no longer have a part in a case (a
declined or cancelled referral, a lead handed on, help completed more than
CASE_REOPEN_DAYS ago) keep its history (``view_case_history``) instead of ``view_case``."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

CHUNK = 2000


def end_parts(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Case = apps.get_model("referrals", "Case")
    Referral = apps.get_model("referrals", "Referral")
    Row = apps.get_model("referrals", "CaseGroupObjectPermission")
    content_type = ContentType.objects.filter(app_label="referrals", model="case").first()
    view = (
        Permission.objects.filter(content_type=content_type, codename="view_case").first()
        if content_type is not None
        else None
    )
    if view is None:
        return  # a new database: no case has been shared yet
    history, _created = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_case_history",
        defaults={"name": "Can view the history of a case without personal data"},
    )
    cutoff = timezone.now() - timedelta(days=settings.CASE_REOPEN_DAYS)
    leads = Case.objects.filter(
        pk=OuterRef("content_object_id"), lead_agency__group_id=OuterRef("group_id")
    )
    parts = Referral.objects.filter(
        case_id=OuterRef("content_object_id"), to_agency__group_id=OuterRef("group_id")
    ).filter(Q(status__in=["pending", "accepted"]) | Q(status="completed", closed_at__gte=cutoff))
    ended = (
        Row.objects.filter(permission=view)
        .exclude(Exists(leads))
        .exclude(Exists(parts))
        .order_by("pk")
        .values_list("pk", "group_id", "content_object_id")
    )
    last = 0
    while rows := list(ended.filter(pk__gt=last)[:CHUNK]):
        Row.objects.bulk_create(
            [
                Row(group_id=group, permission=history, content_object_id=case)
                for _pk, group, case in rows
            ],
            ignore_conflicts=True,
        )
        Row.objects.filter(pk__in=[pk for pk, _group, _case in rows]).delete()
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0022_channels_changed"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="case",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    (
                        "view_case_history",
                        "Can view the history of a case without personal data",
                    )
                ],
                "verbose_name": "case",
                "verbose_name_plural": "cases",
            },
        ),
        migrations.RunPython(end_parts, migrations.RunPython.noop, elidable=True),
    ]

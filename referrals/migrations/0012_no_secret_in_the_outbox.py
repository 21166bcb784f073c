"""Emails queued before addresses were confirmed carried the case's secret (encrypted) to
an address nobody had confirmed. Drop the secret from every row; a first email still
waiting is not sent: the address gets the confirmation link with its case's next news."""

from django.db import migrations

SECRET_FIELD = "secret_encrypted"
WAITING = ("pending", "sending")


def forget_secrets(apps, schema_editor):
    Notification = apps.get_model("referrals", "Notification")
    rows = Notification.objects.filter(channel="email", context__has_key=SECRET_FIELD)
    for row in rows.iterator():
        row.context.pop(SECRET_FIELD, None)
        if row.status in WAITING and row.kind == "case_received":
            row.status = "failed"
            row.last_error = (
                "Not sent: it carried the secret to an unconfirmed address. The address "
                "gets the confirmation link with the case's next news."
            )
        row.save(update_fields=["context", "status", "last_error"])


class Migration(migrations.Migration):
    dependencies = [("referrals", "0011_email_confirmation_and_admin_reads")]

    operations = [migrations.RunPython(forget_secrets, migrations.RunPython.noop)]

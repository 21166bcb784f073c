from datetime import timedelta

from django.db import migrations, models


def complete_within_the_time_to_resolve(apps, schema_editor):
    """Every policy gives an accepted referral the time it gives the case to be resolved
    (15 working days, a quarter of that when urgent, for the defaults)."""
    SlaPolicy = apps.get_model("referrals", "SlaPolicy")
    SlaPolicy.objects.update(complete_referral=models.F("resolve"))


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0015_category_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="slapolicy",
            name="complete_referral",
            field=models.DurationField(
                default=timedelta(0),
                help_text="Counted from the acceptance of the referral.",
                verbose_name="time to complete an accepted referral",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(complete_within_the_time_to_resolve, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Request received"),
                    ("accepted", "Accepted by the agency"),
                    ("rejected", "Out of scope"),
                    ("duplicate", "Joined to another request"),
                    ("transferred", "Lead passed to another agency"),
                    ("assigned", "Officer assigned"),
                    ("note", "Note"),
                    ("information_requested", "Information requested"),
                    ("information_received", "Information received"),
                    ("referred", "Referred to an agency"),
                    ("referral_accepted", "Referral accepted"),
                    ("referral_declined", "Referral declined"),
                    ("referral_completed", "Help given by an agency"),
                    ("referral_cancelled", "Referral cancelled"),
                    ("resolved", "Resolved"),
                    ("closed", "Closed"),
                    ("closed_automatically", "Closed: no answer in the confirmation period"),
                    ("reopened", "Reopened"),
                    ("restriction_changed", "Access restriction changed"),
                    ("attachment_added", "File added"),
                    ("withdrawn", "Withdrawn by the citizen"),
                    ("rated", "Service rated"),
                    ("erasure_requested", "Erasure of personal data requested"),
                    ("erasure_refused", "Erasure of personal data refused"),
                    ("anonymised", "Personal data erased"),
                    ("classified", "Help category or priority changed"),
                    ("deadline_reminder", "Deadline reminder sent"),
                    ("deadline_escalated", "Deadline passed: escalated"),
                ],
                max_length=30,
                verbose_name="what",
            ),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="kind",
            field=models.CharField(
                choices=[
                    ("acknowledge", "Acknowledge the new case"),
                    ("answer_referral", "Answer the referral"),
                    ("resolve", "Resolve the case"),
                    ("complete_referral", "Complete the referral"),
                    ("citizen_answer", "Answer from the citizen"),
                    ("confirmation", "Confirmation by the citizen"),
                    ("decide_erasure", "Decide the erasure request"),
                ],
                max_length=20,
                verbose_name="step",
            ),
        ),
    ]

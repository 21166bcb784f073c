from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from agencies.reference import sync_agencies, sync_geography
from referrals.reference import sync_categories, sync_default_sla_policies
from strategies.reference import sync_strategies


class Command(BaseCommand):
    help = (
        "Create the reference data that is missing (agencies, strategies, help categories "
        "and their groups, default SLA policies) and refresh the geography from the "
        "installed geothai. Idempotent; the data migrations run the same functions on a new "
        "database."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        sync_agencies(apps)
        sync_geography(apps)
        sync_strategies(apps)
        sync_categories(apps)
        sync_default_sla_policies(apps)
        for label, name in [
            ("agencies", "Agency"),
            ("agencies", "Province"),
            ("agencies", "District"),
            ("agencies", "Subdistrict"),
            ("strategies", "Strategy"),
            ("referrals", "CategoryGroup"),
            ("referrals", "Category"),
            ("referrals", "SlaPolicy"),
        ]:
            count = apps.get_model(label, name).objects.count()
            self.stdout.write(f"{name}: {count}")

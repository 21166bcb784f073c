from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Outside systems")

    def ready(self):
        from integrations import outbound, systems
        from integrations import selectors as ours
        from integrations.tasks import EXCHANGES
        from referrals import selectors
        from referrals.models import CaseEvent, Notification
        from referrals.notifications import register_channel

        systems.load()
        # What a linked case's timeline gains goes out to the systems it came from.
        register_channel(Notification.Channel.EXCHANGE, outbound.send, queue=EXCHANGES)
        post_save.connect(outbound.on_event, sender=CaseEvent, dispatch_uid="exchange-event")
        # A case is found in the queue by its number at 1111 or Traffy Fondue too.
        selectors.register_outside_numbers(ours.cases_numbered, ours.numbers_of)

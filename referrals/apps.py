from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _forget_calendar(sender, **kwargs):
    from referrals.business_time import forget_calendar

    forget_calendar()


def _forget_choices(sender, **kwargs):
    from referrals.selectors import forget_cached_choices

    forget_cached_choices()


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Cases and referrals")

    def ready(self):
        from agencies.members import mail as members_mail
        from referrals import (
            checks,  # noqa: F401 - registers the deployment check
            sms,
        )
        from referrals.line import api as line_api
        from referrals.models import Notification
        from referrals.notifications import queue_member_email, register_channel

        register_channel(Notification.Channel.SMS, sms.send_notification)
        register_channel(Notification.Channel.LINE, line_api.send_notification)
        # The agencies' members' emails (invitations, password links) leave through the outbox.
        members_mail.register(queue_member_email)

        # An administrator's change to a help category or its group shows on the public
        # form at once (other processes' own lists follow within minutes).
        for name in ("Category", "CategoryGroup"):
            model = self.get_model(name)
            post_save.connect(_forget_choices, sender=model, dispatch_uid=f"{name}-saved")
            post_delete.connect(_forget_choices, sender=model, dispatch_uid=f"{name}-deleted")
        # A new day off counts at once in this process; other processes within minutes.
        day_off = self.get_model("ExtraDayOff")
        post_save.connect(_forget_calendar, sender=day_off, dispatch_uid="day-off-saved")
        post_delete.connect(_forget_calendar, sender=day_off, dispatch_uid="day-off-deleted")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Cases and referrals")

    def ready(self):
        from referrals import checks  # noqa: F401 - registers the deployment check

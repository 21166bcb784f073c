from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies and geography")

    def ready(self):
        # The embedded SQLite learns the Thai dictionary order before its first query.
        from agencies import collation  # noqa: F401

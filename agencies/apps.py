from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies and geography")

    def ready(self):
        # The embedded SQLite learns the Thai dictionary order before its first query; the
        # roles that must use two-factor sign-in are checked to exist.
        from agencies import collation, two_factor  # noqa: F401

        user_logged_in.connect(two_factor.remember_step_at_sign_in, dispatch_uid="two-factor")

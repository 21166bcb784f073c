"""Who may call the API, and how often."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from agencies import permissions
from agencies.permissions import SystemCaller
from referrals.throttle import Allowance, client_network


class IsCaller(BasePermission):
    """An agency's system with a valid key, or a member of staff who works cases."""

    message = _("This API is for agencies' systems (with a key) and their staff.")

    def has_permission(self, request, view):
        user = request.user
        if isinstance(user, SystemCaller):
            return True
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated()
        return permissions.is_staff_member(user)


class CallerThrottle(BaseThrottle):
    """API_RATE_PER_CALLER requests per key or per member of staff (per client network for
    the public schema), counted first."""

    def allow_request(self, request, view):
        user = request.user
        if isinstance(user, SystemCaller):
            caller = f"key:{user.key_id}"
        elif user.is_authenticated:
            caller = f"user:{user.pk}"
        else:  # the public schema and its pages
            caller = f"address:{client_network(request)}"
        self.allowance = Allowance("api", settings.API_RATE_PER_CALLER, caller)
        return self.allowance.take()

    def wait(self):
        return self.allowance.retry_after

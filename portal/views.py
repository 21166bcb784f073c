from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agencies import permissions
from agencies.selectors import memberships_of
from portal.health import run_checks
from portal.middleware import for_machines, machine_error
from portal.two_factor import after_password
from referrals import identity, throttle
from referrals.selectors import category_groups


@require_safe
def home(request):
    """Tells a citizen how to ask for help or follow a request, and staff where their work is."""
    profile = permissions.staff_profile(request.user)
    return render(
        request,
        "portal/home.html",
        {
            "category_groups": category_groups(),
            "memberships": memberships_of(request.user),
            "is_inspector": permissions.is_inspector(request.user),
            "works_cases": bool(profile.agencies_with(permissions.HANDLERS)),
            "administers": permissions.decides_erasures(request.user),
            "keeps_plan": bool(permissions.administered_agency_ids(request.user)),
        },
    )


@never_cache
@require_safe
def healthz(request):
    """200 when the database and the broker answer, 503 otherwise; for load balancers."""
    checks = run_checks()
    healthy = all(result.ok for result in checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {
            name: {"ok": r.ok, "ms": r.milliseconds, **({"error": r.error} if r.error else {})}
            for name, r in checks.items()
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)


class SignInView(auth_views.LoginView):
    """Django's sign-in (the admin's too), going on to two-factor sign-in's code step for
    those who have one (``portal.two_factor``). The password step is behind two limits
    besides django-axes' lock-out of one account from one address (AXES_FAILURE_LIMIT
    wrong passwords):

    - one address may fail LOGIN_FAILURES_PER_ADDRESS times across all accounts, so that
      guessing many accounts from one place stops too. Colleagues behind the same address
      (an agency's network) are not locked out with the guesser: a browser that signed in
      to an account before carries a signed "known device" cookie for it, and its tries
      for that account are not held to the address's limit;
    - tries for one account from one address are checked one after another, so that
      passwords sent at once are each counted by axes before the next is checked.
    """

    redirect_authenticated_user = True
    DEVICE_COOKIE = "portal_known_device"

    def get_default_redirect_url(self):
        """Where each person works, unless they came from a page: staff to their queue,
        inspectors to the dashboards, anyone else to the home page and its "your work"."""
        user = self.request.user
        if permissions.is_staff_member(user):
            return reverse("staff:queue")
        if permissions.dashboard_scope(user) is not None:
            return reverse("dashboards:overview")
        return super().get_default_redirect_url()

    def get_success_url(self):
        """On to the second step (``portal.two_factor``) for those who have one to take."""
        return after_password(self.request, super().get_success_url())

    DEVICE_SALT = "portal.sign-in.known-device"
    DEVICE_DAYS = 90

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "").strip().lower()
        failures = None
        if not self._known_device(request, username):
            failures = throttle.per_address(
                request, "sign-in-failures", settings.LOGIN_FAILURES_PER_ADDRESS
            )
            if not failures.take():
                return self._locked(request, failures.retry_after)
        with throttle.one_at_a_time(
            f"sign-in:{username}:{throttle.client_network(request)}"
        ) as turn:
            if not turn:
                if failures is not None:
                    failures.give_back()
                return self._locked(request, 5)
            response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            if failures is not None:
                failures.give_back()
            response.set_signed_cookie(
                self.DEVICE_COOKIE,
                self._device_value(username),
                salt=self.DEVICE_SALT,
                max_age=self.DEVICE_DAYS * 86400,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def _device_value(username: str) -> str:
        return identity.keyed_hash(f"known-device:{username}")[:32]

    def _known_device(self, request, username: str) -> bool:
        held = request.get_signed_cookie(
            self.DEVICE_COOKIE,
            default="",
            salt=self.DEVICE_SALT,
            max_age=self.DEVICE_DAYS * 86400,
        )
        return bool(username) and held == self._device_value(username)

    def _locked(self, request, retry_after: int):
        response = render(
            request, "registration/locked_out.html", {"from_address": True}, status=429
        )
        response["Retry-After"] = str(retry_after)
        return response


def admin_sign_in(request):
    """The admin's sign-in page sends people to the portal's, with its limits; a signed-in
    person who may not use the admin is told so (rather than sent round in a loop)."""
    if request.user.is_authenticated and not request.user.is_staff:
        raise PermissionDenied(_("This account may not open the administration."))
    query = request.GET.urlencode()
    return redirect(f"{reverse('login')}?{query}" if query else reverse("login"))


def not_found(request, exception=None):
    """404: the API and Open311 answer in their own formats, the pages with the page."""
    if for_machines(request):
        return machine_error(request, 404, _("Not found."))
    return defaults.page_not_found(request, exception)

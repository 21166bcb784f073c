from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agencies import permissions
from agencies.selectors import memberships_of
from portal.health import run_checks
from referrals import throttle
from referrals.selectors import help_categories


@require_safe
def home(request):
    """Tells a citizen how to ask for help or follow a request, and staff where their work is."""
    profile = permissions.staff_profile(request.user)
    return render(
        request,
        "portal/home.html",
        {
            "categories": help_categories(),
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
    """Django's sign-in, behind two limits besides django-axes' lock-out of one account from
    one address (AXES_FAILURE_LIMIT wrong passwords):

    - one address may fail LOGIN_FAILURES_PER_ADDRESS times across all accounts, so that
      guessing many accounts from one place stops too, without anyone being able to lock
      an account for everyone else;
    - tries for one account from one address are checked one after another, so that
      passwords sent at once are each counted by axes before the next is checked.
    """

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        failures = throttle.per_address(
            request, "sign-in-failures", settings.LOGIN_FAILURES_PER_ADDRESS
        )
        if not failures.take():
            return self._locked(request, failures.retry_after)
        username = request.POST.get("username", "")
        with throttle.one_at_a_time(
            f"sign-in:{username.strip().lower()}:{throttle.client_network(request)}"
        ) as turn:
            if not turn:
                failures.give_back()
                return self._locked(request, 5)
            response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            failures.give_back()
        return response

    def _locked(self, request, retry_after: int):
        response = render(
            request, "registration/locked_out.html", {"from_address": True}, status=429
        )
        response["Retry-After"] = str(retry_after)
        return response

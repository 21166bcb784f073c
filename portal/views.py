from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agencies import permissions
from agencies.selectors import memberships_of
from portal.health import run_checks
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

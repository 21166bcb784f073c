"""Following a request: opening it with its code and secret, its page, what the citizen
does there, the link that confirms their email address, and their data."""

import json
import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from agencies.permissions import CitizenAccess
from referrals import selectors, services, throttle
from referrals.actions import CITIZEN_NEXT_STEPS, lead_and_fold
from referrals.errors import CaseNotFound, WorkflowError
from referrals.models import CaseStatus, EventKind
from referrals.public import browser, forms
from referrals.public.answers import add_errors, ask_files_again, too_many

# What the citizen reads for each status (DESIGN.md, section 4), with what happens next.
CITIZEN_STATUS = {
    CaseStatus.NEW: (
        pgettext_lazy("citizen status", "Request received"),
        gettext_lazy("The agency will look at your request and contact you if needed."),
    ),
    CaseStatus.IN_PROGRESS: (
        pgettext_lazy("citizen status", "Being handled"),
        gettext_lazy("The agencies below are working on your request."),
    ),
    CaseStatus.WAITING_CITIZEN: (
        pgettext_lazy("citizen status", "Waiting for information from you"),
        gettext_lazy("The agency needs more information: answer below to continue."),
    ),
    CaseStatus.RESOLVED: (
        pgettext_lazy("citizen status", "Completed"),
        gettext_lazy("Tell us whether the help solved your problem, and rate it."),
    ),
    CaseStatus.CLOSED: (
        pgettext_lazy("citizen status", "Closed"),
        gettext_lazy("This request is finished."),
    ),
    CaseStatus.REJECTED: (
        pgettext_lazy("citizen status", "Outside the scope of the agencies"),
        gettext_lazy("See the answer below for where you can get help."),
    ),
    CaseStatus.DUPLICATE: (
        pgettext_lazy("citizen status", "Duplicate request"),
        gettext_lazy("Your request is handled together with the one named below."),
    ),
    CaseStatus.WITHDRAWN: (
        pgettext_lazy("citizen status", "Withdrawn by you"),
        gettext_lazy("You withdrew this request."),
    ),
}


@never_cache
def track(request):
    """Open a request with its reference code and secret. Every mistake gets one answer;
    repeated mistakes from one address wait longer, then are locked out for a while."""
    form = forms.TrackForm(
        request.POST or None, initial={"reference": request.GET.get("reference")}
    )
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    if request.method != "POST":
        return render(request, "public/track.html", context)
    guard = throttle.TrackingGuard(request)
    wait = guard.begin()
    if wait:
        return too_many(request, "public/track.html", context, _wrong_codes_wait(wait), wait)
    case, checked = None, False
    try:
        spent = throttle.over_limit(request, "track-address", settings.TRACK_RATE_PER_ADDRESS)
        if spent:
            return too_many(
                request,
                "public/track.html",
                context,
                _("Too many tries from your connection. Please try again later."),
                retry_after=spent.retry_after,
            )
        if not form.is_valid():
            return render(request, "public/track.html", context)
        case = selectors.case_for_citizen(
            form.cleaned_data["reference"], form.cleaned_data["secret"]
        )
        checked = True
    finally:
        # Only a well-formed code that was checked and opens nothing counts as a wrong one.
        guard.end(counted=checked and case is None)
    if case is not None:
        request.session.cycle_key()
        browser.remember_tracked(request, case)
        return redirect(_next_page(context["next"], case) or _case_path(case))
    form.add_error(
        None,
        _(
            "We could not find a request with this reference code and secret. Check "
            "both and try again."
        ),
    )
    return render(request, "public/track.html", context)


def _case_path(case) -> str:
    return reverse("public:case", kwargs={"reference": case.reference})


def _next_page(path: str, case) -> str:
    """Where to go once the request is open: a page of this request only (the link in
    an email that needs the secret), never anywhere else."""
    own, rest = _case_path(case), path[len(_case_path(case)) :]
    safe = path.startswith(own) and "//" not in path and re.fullmatch(r"[A-Za-z0-9_/:.-]*", rest)
    return path if safe else ""


def _wrong_codes_wait(seconds: int) -> str:
    """Says how long the wait really is: seconds when it is short, else minutes."""
    if seconds < 60:
        return ngettext(
            "Too many wrong codes were entered from your connection. Please try again in "
            "%(count)s second.",
            "Too many wrong codes were entered from your connection. Please try again in "
            "%(count)s seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = (seconds + 59) // 60
    return ngettext(
        "Too many wrong codes were entered from your connection. Please try again in "
        "%(count)s minute.",
        "Too many wrong codes were entered from your connection. Please try again in "
        "%(count)s minutes.",
        minutes,
    ) % {"count": minutes}


def _gone(reference):
    return redirect(f"{reverse('public:track')}?{urlencode({'reference': reference.upper()})}")


CITIZEN_FORMS = {
    "add_information": forms.InformationForm,
    "withdraw": forms.WithdrawForm,
    "rate": forms.RatingForm,
    "confirm_close": forms.ConfirmCloseForm,
    "ask_reopen": forms.ReopenForm,
    "request_erasure": forms.ErasureForm,
    "send_email_link": forms.EmailLinkForm,
    "choose_channels": forms.ChannelsForm,
}

CITIZEN_DONE = {
    "add_information": gettext_lazy("Thank you: the agency has your information."),
    "withdraw": gettext_lazy("Your request is withdrawn."),
    "rate": gettext_lazy("Thank you for rating the help you received."),
    "confirm_close": gettext_lazy("Thank you: your request is closed."),
    "ask_reopen": gettext_lazy("Your request is reopened: the agency will look at it again."),
    "request_erasure": gettext_lazy(
        "Your request for erasure has been sent to the agency. You will see its decision here."
    ),
    "send_email_link": gettext_lazy(
        "We have sent the link to the email address you gave. It may take a few minutes to "
        "arrive; look in the junk mail folder too."
    ),
    "choose_channels": gettext_lazy(
        "Saved: this is how we will tell you the news of your request."
    ),
}


def _run(action: str, case, citizen: CitizenAccess, data: dict):
    if action == "add_information":
        return services.add_information(case, citizen, data["text"], data["files"])
    if action == "withdraw":
        return services.withdraw_case(case, citizen, data["reason"])
    if action == "rate":
        return services.rate_case(
            case,
            citizen,
            data["usefulness"],
            data["clarity"],
            data["satisfaction"],
            data["comment"],
        )
    if action == "confirm_close":
        return services.confirm_close(case, citizen)
    if action == "ask_reopen":
        return services.ask_reopen(case, citizen, data["reason"])
    if action == "send_email_link":
        return services.send_email_link(case, citizen)
    if action == "choose_channels":
        return services.set_citizen_channels(case, citizen, **data)
    return services.request_erasure(case, citizen, data["reason"])


def _citizen_form(name: str, case, *args):
    """The tracking page's form of action ``name``, drawn for ``case`` when it needs it."""
    form_class = CITIZEN_FORMS[name]
    extra = {"case": case} if getattr(form_class, "needs_case", False) else {}
    return form_class(*args, prefix=name, **extra)


@never_cache
def case_page(request, reference):
    case = browser.opened_case(request, reference)
    if case is None:
        return _gone(reference)
    return _render_case(request, case)


def _render_case(request, case, bound=None, status=200):
    actions = selectors.citizen_actions(case)
    action_forms = {name: _citizen_form(name, case) for name in actions}
    if bound is not None:
        action_forms[bound.prefix] = bound
    next_forms, more_forms, more_open = lead_and_fold(
        action_forms,
        CITIZEN_NEXT_STEPS.get(case.status, ()),
        bound.prefix if bound is not None else None,
    )
    label, explanation = CITIZEN_STATUS[case.status]
    if case.status == CaseStatus.RESOLVED and "rate" not in actions:
        explanation = _("Tell us whether the help solved your problem.")
    events = selectors.public_timeline(case)
    question = None
    if case.status == CaseStatus.WAITING_CITIZEN:
        question = next((e for e in events if e.kind == EventKind.INFORMATION_REQUESTED), None)
    context = {
        "question": question,
        "case": case,
        "status_label": label,
        "status_explanation": explanation,
        "agencies": selectors.agencies_helping(case),
        "contact": selectors.handling_contact(case),
        "files": selectors.citizen_files(case, events),
        "events": events,
        "next_forms": next_forms,
        "more_forms": more_forms,
        "more_open": more_open,
        "rating": getattr(case, "rating", None) if "rate" not in actions else None,
        "erasures": list(case.erasure_requests.all()),
        "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "public/case.html", context, status=status)


def _citizen_limits(request, case):
    """Each action on an opened request counts against its client address and against
    the request itself; past either limit, the request page says to wait (429)."""
    allowances = (
        throttle.per_address(request, "citizen-address", settings.CITIZEN_ACTION_RATE_PER_ADDRESS),
        throttle.Allowance("citizen-case", settings.CITIZEN_ACTION_RATE_PER_CASE, case.pk),
    )
    spent = next((allowance for allowance in allowances if not allowance.take()), None)
    if spent is not None:
        messages.error(
            request,
            _(
                "Too many actions on this request in a short time. Please wait a while and "
                "try again; what you already sent has reached the agency."
            ),
        )
        response = _render_case(request, case, status=429)
        response["Retry-After"] = str(spent.retry_after)
        return response
    return None


@require_POST
def case_action(request, reference, action):
    if action not in CITIZEN_FORMS:
        raise Http404
    case = browser.opened_case(request, reference)
    if case is None:
        return _gone(reference)
    refused = _citizen_limits(request, case)
    if refused is not None:
        return refused
    form = _citizen_form(action, case, request.POST, request.FILES)
    if form.is_valid():
        try:
            _run(action, case, CitizenAccess(case.pk), form.cleaned_data)
        except CaseNotFound:
            return _gone(reference)
        except WorkflowError as error:
            messages.error(request, error.message)
            return redirect("public:case", reference=case.reference)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, CITIZEN_DONE[action])
            return redirect("public:case", reference=case.reference)
    case.refresh_from_db()
    ask_files_again(form, request)
    return _render_case(request, case, bound=form)


@never_cache
def confirm_email(request, reference, token):
    """The link sent to the address given with a request. It confirms the address only in
    a browser that has opened the request with its secret, so that an address typed by
    mistake (or someone else's) cannot take the request's news; and only by a button,
    since mail scanners open links."""
    case = browser.opened_case(request, reference)
    if case is None:
        here = reverse("public:confirm_email", kwargs={"reference": reference, "token": token})
        return redirect(
            f"{reverse('public:track')}?{urlencode({'reference': reference.upper(), 'next': here})}"
        )
    if request.method != "POST":
        return render(request, "public/confirm_email.html", {"case": case, "token": token})
    refused = _citizen_limits(request, case)
    if refused is not None:
        return refused
    try:
        services.confirm_email(case, CitizenAccess(case.pk), token)
    except CaseNotFound:
        return _gone(reference)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Thank you: news of this request will now also come to your email.")
        )
    return redirect("public:case", reference=case.reference)


@require_POST
def forget(request, reference):
    """Sign out of the request on this browser (a shared or borrowed phone)."""
    browser.forget(request, reference)
    messages.success(
        request,
        _(
            "You have signed out of this request on this device. Its reference code and "
            "secret open it again."
        ),
    )
    return redirect("public:track")


@require_safe
@never_cache
def data_export(request, reference):
    """Everything the portal holds about the citizen in this request, as JSON."""
    case = browser.opened_case(request, reference)
    if case is None:
        return _gone(reference)
    refused = _citizen_limits(request, case)
    if refused is not None:
        return refused
    data = services.export_personal_data(case, CitizenAccess(case.pk))
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-{stamp}.json"'
    return response

"""The citizens' pages: ask for help, follow the request, rate it, exercise data rights.

No account: a request is opened by its reference code and verification secret; once
checked, the browser's session may act on that case for TRACK_SESSION_MINUTES. Views are
thin: they read through selectors, act through services, and turn refusals into messages
in the citizen's language.
"""

import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from agencies.models import District, Subdistrict
from agencies.permissions import CitizenAccess
from referrals import identity, selectors, services, throttle
from referrals import public_forms as forms
from referrals.errors import CaseNotFound, WorkflowError
from referrals.models import CaseStatus, Channel, EventKind
from referrals.services.attachments import MAX_FILES_PER_SUBMISSION

logger = logging.getLogger(__name__)

SUBMITTED_KEY = "submitted_requests"
SUBMISSIONS_KEY = "submission_tokens"
TRACKED_KEY = "tracked_requests"
ANSWER_PAGE_SECONDS = 3600

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


def _too_many(request, template: str, context: dict, message: str, retry_after: int = 3600):
    context["throttled"] = message
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# --- Asking for help ------------------------------------------------------------------


def _body_too_large(request) -> bool:
    """More than the files a form may carry: refused before the body is read."""
    limit = (MAX_FILES_PER_SUBMISSION + 1) * settings.ATTACHMENT_MAX_BYTES + 1024 * 1024
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return True


def new_request(request):
    """The public request form; valid input becomes a case, and the code and secret are
    shown on the next page."""
    max_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    if request.method == "POST" and _body_too_large(request):
        form = forms.PublicRequestForm(max_mb=max_mb)
        context = {**_form_context(form), "throttled": _("The files are too large together.")}
        return render(request, "public/new_request.html", context, status=413)
    if request.method == "POST" and "refresh" not in request.POST:
        form = forms.PublicRequestForm(request.POST, request.FILES, max_mb=max_mb)
        context = _form_context(form)
        if throttle.over_limit(
            request, "submit-address", settings.PUBLIC_SUBMIT_RATE_PER_ADDRESS, "ip"
        ):
            return _too_many(
                request,
                "public/new_request.html",
                context,
                _(
                    "Too many requests have been sent from your connection. Please try "
                    "again later, or call the Government Complaint Center on 1111."
                ),
            )
        already = _already_sent(request)
        if already:  # the same form sent twice (a double tap on a slow connection)
            return redirect("public:received", reference=already)
        if form.is_robot:
            form.add_error(None, _("Your request could not be sent. Please try again."))
        elif form.is_valid():
            # Only accepted requests count toward a phone's limit, not attempts with mistakes.
            phone_limit = (
                "submit-phone",
                settings.PUBLIC_SUBMIT_RATE_PER_PHONE,
                throttle.phone_key,
            )
            if throttle.limit_reached(request, *phone_limit):
                return _too_many(
                    request,
                    "public/new_request.html",
                    context,
                    _(
                        "Many requests have already been sent with this phone number today. "
                        "If you need more help, add information to a request you already "
                        "have, or call 1111."
                    ),
                    retry_after=86400,
                )
            case = _submit(request, form)
            if case is not None:
                throttle.count(request, *phone_limit)
                return redirect("public:received", reference=case.reference)
        return render(request, "public/new_request.html", context, status=400)
    if request.method != "POST" and _same_for_everyone(request):
        return _empty_form_page(request, max_mb)
    form = forms.PublicRequestForm(request.POST or None, max_mb=max_mb)
    if request.method == "POST":
        form.errors.clear()  # a refresh of the place lists is not a submission
    return render(request, "public/new_request.html", _form_context(form))


# Stand-ins for the two values that differ between visitors of the empty form.
CSRF_MARK = "csrf-token-goes-here"
SUBMISSION_MARK = "0" * 32


def _same_for_everyone(request) -> bool:
    """An anonymous visitor asking for the empty form, with no message waiting."""
    return (
        not request.GET
        and not request.user.is_authenticated
        and not request.htmx
        and not len(messages.get_messages(request))
    )


def _empty_form_page(request, max_mb: int):
    """The page everyone gets first, drawn once per language and kept in the cache with
    stand-ins for the CSRF token and the submission token, which are filled in per visitor.
    (The page most people will ever see: it should cost about what a trivial view does.)"""
    key = selectors.request_page_cache_key(get_language())
    try:
        page = cache.get(key)
    except Exception:
        logger.warning("Cache unreachable: the request page is drawn afresh")
        page = None
    if page is None:
        form = forms.PublicRequestForm(max_mb=max_mb)
        context = {**_form_context(form), "csrf_token": CSRF_MARK, "submission": SUBMISSION_MARK}
        page = render_to_string("public/new_request.html", context, request)
        try:
            cache.set(key, page, 600)
        except Exception:
            logger.warning("Cache unreachable: the request page is not kept")
    # Every form of the page (the language switcher's too) carries the CSRF token.
    page = page.replace(CSRF_MARK, get_token(request)).replace(SUBMISSION_MARK, uuid.uuid4().hex, 1)
    return HttpResponse(page)


def _submission_token(request) -> str:
    token = request.POST.get("submission", "")
    return token if re.fullmatch(r"[0-9a-f]{32}", token) else ""


def _already_sent(request) -> str:
    """The reference of the case this very form already created, if it did."""
    token = _submission_token(request)
    return request.session.get(SUBMISSIONS_KEY, {}).get(token, "") if token else ""


def _form_context(form) -> dict:
    # A fresh token per drawing of the form, outside the cached part, so that sending the
    # same form twice creates one case.
    # The body is drawn when the page is, after the services have added their errors.
    return {
        "form": form,
        "form_body": lambda: _form_body(form),
        "submission": uuid.uuid4().hex,
    }


def _form_body(form) -> str:
    """The form's fields. The empty form is the same for everyone, so it is drawn once per
    language and kept in the cache (the CSRF token stays outside it); a cache that cannot
    be reached only costs the drawing."""
    context = {
        "form": form,
        "categories": selectors.category_cards(),
        "retention_years": settings.RETENTION_YEARS,
    }
    if form.is_bound:
        return render_to_string("public/_request_form_body.html", context)
    key = selectors.request_form_cache_key(get_language())
    try:
        html = cache.get(key)
    except Exception:
        logger.warning("Cache unreachable: the request form is drawn afresh")
        html = None
    if html is None:
        html = render_to_string("public/_request_form_body.html", context)
        try:
            cache.set(key, html, 600)
        except Exception:
            logger.warning("Cache unreachable: the request form is not kept")
    return html


def _submit(request, form):
    data = form.cleaned_data
    category = selectors.help_categories().filter(pk=data["category"]).first()
    if category is None:  # withdrawn by an administrator since the page was drawn
        form.add_error("category", _("Choose the kind of help you need."))
        return None
    try:
        case, secret = services.create_case(
            services.NewCase.from_form(data, category=category, channel=Channel.WEB)
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    # A new session for a new request (no fixation); the secret kept in it encrypted, for
    # the answer page only, and dropped after ANSWER_PAGE_SECONDS.
    if request.session.session_key:
        request.session.cycle_key()
    submitted = request.session.get(SUBMITTED_KEY, {})
    submitted[case.reference] = [identity.encrypt(secret), time.time()]
    request.session[SUBMITTED_KEY] = submitted
    token = _submission_token(request)
    if token:
        request.session[SUBMISSIONS_KEY] = {
            **request.session.get(SUBMISSIONS_KEY, {}),
            token: case.reference,
        }
    _remember_tracked(request, case.reference)
    return case


@require_safe
@never_cache
def received(request, reference):
    """The answer page: the reference code and the secret, for this browser only."""
    submitted = request.session.get(SUBMITTED_KEY, {})
    encrypted, at = submitted.get(reference.upper(), (None, 0))
    if encrypted is not None and time.time() - at > ANSWER_PAGE_SECONDS:
        submitted.pop(reference.upper())
        request.session[SUBMITTED_KEY] = submitted
        encrypted = None
    if encrypted is None:
        raise Http404(_("This page is no longer available. Follow your request with its code."))
    secret = identity.decrypt(encrypted)
    case = selectors.tracked_case(reference)
    return render(
        request,
        "public/received.html",
        {"case": case, "secret": secret, "emailed": bool(case.citizen_email)},
    )


@require_safe
def places(request):
    """The districts of a province, or the subdistricts of a district, as <option>s."""
    district = forms.place_code(request.GET.get("district"))
    province = forms.place_code(request.GET.get("province"))
    if district:
        found = Subdistrict.objects.filter(district_id=district)
    elif province:
        found = District.objects.filter(province_id=province)
    else:
        found = District.objects.none()
    return render(request, "public/_place_options.html", {"places": found})


@require_safe
def privacy(request):
    return render(
        request,
        "public/privacy.html",
        {"retention_years": settings.RETENTION_YEARS, "version": settings.PRIVACY_NOTICE_VERSION},
    )


# --- Following a request --------------------------------------------------------------


def _remember_tracked(request, reference: str) -> None:
    tracked = request.session.get(TRACKED_KEY, {})
    tracked[reference] = time.time()
    request.session[TRACKED_KEY] = tracked


def _citizen_case(request, reference):
    """The case this browser has opened with its secret recently, or None."""
    tracked = request.session.get(TRACKED_KEY, {})
    reference = reference.upper()
    opened = tracked.get(reference)
    if opened is None or time.time() - opened > settings.TRACK_SESSION_MINUTES * 60:
        return None
    case = selectors.tracked_case(reference)
    if case is not None:
        _remember_tracked(request, reference)
    return case


@never_cache
def track(request):
    """Open a request with its reference code and secret. Every mistake gets one answer;
    repeated mistakes from one address wait longer, then are locked out for a while."""
    form = forms.TrackForm(
        request.POST or None, initial={"reference": request.GET.get("reference")}
    )
    if request.method != "POST":
        return render(request, "public/track.html", {"form": form})
    guard = throttle.TrackingGuard(request)
    wait = guard.wait_seconds()
    if wait:
        minutes = (wait + 59) // 60
        return _too_many(
            request,
            "public/track.html",
            {"form": form},
            _(
                "Too many wrong codes were entered from your connection. Please try again "
                "in %(minutes)s minutes."
            )
            % {"minutes": minutes},
            retry_after=wait,
        )
    if throttle.over_limit(request, "track-address", settings.TRACK_RATE_PER_ADDRESS, "ip"):
        return _too_many(
            request,
            "public/track.html",
            {"form": form},
            _("Too many requests from your connection. Please try again later."),
        )
    if form.is_valid():
        case = selectors.case_for_citizen(
            form.cleaned_data["reference"], form.cleaned_data["secret"]
        )
        if case is not None:
            request.session.cycle_key()
            _remember_tracked(request, case.reference)
            return redirect("public:case", reference=case.reference)
        guard.failed()
        form.add_error(
            None,
            _(
                "We could not find a request with this reference code and secret. Check "
                "both and try again."
            ),
        )
    return render(request, "public/track.html", {"form": form}, status=400)


def _gone(reference):
    return redirect(f"{reverse('public:track')}?{urlencode({'reference': reference.upper()})}")


CITIZEN_FORMS = {
    "add_information": forms.InformationForm,
    "withdraw": forms.WithdrawForm,
    "rate": forms.RatingForm,
    "confirm_close": forms.ConfirmCloseForm,
    "ask_reopen": forms.ReopenForm,
    "request_erasure": forms.ErasureForm,
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
    return services.request_erasure(case, citizen, data["reason"])


@never_cache
def case_page(request, reference):
    case = _citizen_case(request, reference)
    if case is None:
        return _gone(reference)
    return _render_case(request, case)


def _render_case(request, case, bound=None, status=200):
    actions = selectors.citizen_actions(case)
    action_forms = {name: CITIZEN_FORMS[name](prefix=name) for name in actions}
    if bound is not None:
        action_forms[bound.prefix] = bound
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
        "events": events,
        "forms": action_forms,
        "rating": getattr(case, "rating", None) if "rate" not in actions else None,
        "erasures": list(case.erasure_requests.all()),
        "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "public/case.html", context, status=status)


@require_POST
def case_action(request, reference, action):
    if action not in CITIZEN_FORMS:
        raise Http404
    case = _citizen_case(request, reference)
    if case is None:
        return _gone(reference)
    form = CITIZEN_FORMS[action](request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            _run(action, case, CitizenAccess(case.pk), form.cleaned_data)
        except CaseNotFound:
            return _gone(reference)
        except WorkflowError as error:
            messages.error(request, error.message)
            return redirect("public:case", reference=case.reference)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, CITIZEN_DONE[action])
            return redirect("public:case", reference=case.reference)
    case.refresh_from_db()
    return _render_case(request, case, bound=form, status=400)


@require_POST
def forget(request, reference):
    """Close the request on this browser (a shared or borrowed phone)."""
    tracked = request.session.get(TRACKED_KEY, {})
    tracked.pop(reference.upper(), None)
    request.session[TRACKED_KEY] = tracked
    submitted = request.session.get(SUBMITTED_KEY, {})
    submitted.pop(reference.upper(), None)
    request.session[SUBMITTED_KEY] = submitted
    messages.success(request, _("The request is closed on this device."))
    return redirect("public:track")


@require_safe
@never_cache
def data_export(request, reference):
    """Everything the portal holds about the citizen in this request, as JSON."""
    case = _citizen_case(request, reference)
    if case is None:
        return _gone(reference)
    data = services.export_personal_data(case, CitizenAccess(case.pk))
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-{stamp}.json"'
    return response

"""Asking for help: the public request form, the answer page with the code and secret,
and what the form needs (place lists, the privacy notice)."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agencies.collation import in_name_order
from agencies.models import District, Subdistrict
from referrals import identity, selectors, services, throttle
from referrals.models import Channel
from referrals.public import browser, forms
from referrals.public.answers import add_errors, ask_files_again, too_many
from referrals.services import email_link

logger = logging.getLogger(__name__)


def new_request(request):
    """The public request form; valid input becomes a case, and the code and secret are
    shown on the next page. (A body too large for it never arrives here: see
    portal.middleware.RequestLimitsMiddleware.)"""
    max_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    if request.method == "POST" and "refresh" not in request.POST:
        form = forms.PublicRequestForm(request.POST, request.FILES, max_mb=max_mb)
        context = _form_context(form)
        spent = throttle.over_limit(
            request, "submit-address", settings.PUBLIC_SUBMIT_RATE_PER_ADDRESS
        )
        if spent:
            return too_many(
                request,
                "public/new_request.html",
                context,
                _(
                    "Too many requests have been sent from your connection. Please try "
                    "again later, or call the Government Complaint Center on 1111."
                ),
                retry_after=spent.retry_after,
            )
        already = _already_sent(request)
        if already:  # the same form sent twice (a double tap on a slow connection)
            return redirect("public:received", reference=already)
        if form.is_robot:
            form.add_error(None, _("Your request could not be sent. Please try again."))
        elif form.is_valid():
            # Only accepted requests count toward a phone's limit: this one is counted
            # before it is saved (so that requests sent at once cannot all pass) and
            # given back if it is not.
            phone = throttle.phone_allowance(
                "submit-phone",
                settings.PUBLIC_SUBMIT_RATE_PER_PHONE,
                form.cleaned_data["citizen_phone"],
            )
            if not phone.take():
                phone.give_back()
                return too_many(
                    request,
                    "public/new_request.html",
                    context,
                    _(
                        "Many requests have already been sent with this phone number today. "
                        "If you need more help, add information to a request you already "
                        "have, or call 1111."
                    ),
                    retry_after=phone.retry_after,
                )
            case = _submit(request, form)
            if case is not None:
                return redirect("public:received", reference=case.reference)
            phone.give_back()
        ask_files_again(form, request)
        return render(request, "public/new_request.html", context)
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

    def draw():
        form = forms.PublicRequestForm(max_mb=max_mb)
        context = {**_form_context(form), "csrf_token": CSRF_MARK, "submission": SUBMISSION_MARK}
        return render_to_string("public/new_request.html", context, request)

    page = _kept(selectors.request_page_cache_key(get_language()), draw)
    # Every form of the page (the language switcher's too) carries the CSRF token.
    page = page.replace(CSRF_MARK, get_token(request)).replace(SUBMISSION_MARK, uuid.uuid4().hex, 1)
    return HttpResponse(page)


def _submission_token(request) -> str:
    token = request.POST.get("submission", "")
    return token if re.fullmatch(r"[0-9a-f]{32}", token) else ""


def _already_sent(request) -> str:
    """The reference of the case this very form already created, if it did."""
    token = _submission_token(request)
    return request.session.get(browser.SUBMISSIONS_KEY, {}).get(token, "") if token else ""


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
        "category_groups": selectors.category_groups(),
        "retention_years": settings.RETENTION_YEARS,
    }
    if form.is_bound:
        return render_to_string("public/_request_form_body.html", context)
    return _kept(
        selectors.request_form_cache_key(get_language()),
        lambda: render_to_string("public/_request_form_body.html", context),
    )


def _kept(key: str, draw) -> str:
    """What ``draw`` returns, kept in the cache for ten minutes under ``key``; a cache that
    cannot be reached only costs the drawing."""
    try:
        html = cache.get(key)
    except Exception:
        logger.warning("Cache unreachable: %s is drawn afresh", key)
        html = None
    if html is None:
        html = draw()
        try:
            cache.set(key, html, 600)
        except Exception:
            logger.warning("Cache unreachable: %s is not kept", key)
    return html


def _submit(request, form):
    data = form.cleaned_data
    category = selectors.help_categories().filter(pk=data["category"]).first()
    if category is None:  # withdrawn by an administrator since the page was drawn
        form.add_error("category", _("Choose the kind of help you need."))
        return None
    new_case = services.NewCase.from_form(data, category=category, channel=Channel.WEB)
    if not data.get("citizen_email"):
        # Email is ticked at first: without an address it is simply not a way to reach
        # them, never a mistake that holds back a request for help (the answer page
        # names the ways that will reach them).
        new_case.notify_email = False
    try:
        # The case and the browser's session that shows its secret and may follow it, in
        # one commit: neither is kept without the other.
        with transaction.atomic():
            case, secret = services.create_case(new_case)
            _keep_in_session(request, case, secret)
    except ValidationError as error:
        add_errors(form, error)
        return None
    if new_case.equal_access.dropped():
        messages.warning(
            request,
            _(
                "Your answers on %(questions)s were not kept, because the box giving your "
                "consent to keep them was not ticked. Your request itself was sent."
            )
            % {"questions": new_case.equal_access.dropped_names()},
        )
    return case


def _keep_in_session(request, case, secret: str) -> None:
    """A new session for a new request (no fixation), saved now; the secret kept in it
    encrypted, for the answer page only, and dropped after browser.ANSWER_PAGE_SECONDS."""
    if request.session.session_key:
        request.session.cycle_key()
    submitted = request.session.get(browser.SUBMITTED_KEY, {})
    submitted[case.reference] = [identity.encrypt(secret), time.time()]
    request.session[browser.SUBMITTED_KEY] = submitted
    token = _submission_token(request)
    if token:
        request.session[browser.SUBMISSIONS_KEY] = {
            **request.session.get(browser.SUBMISSIONS_KEY, {}),
            token: case.reference,
        }
    browser.remember_tracked(request, case)
    request.session.save()


@require_safe
@never_cache
def received(request, reference):
    """The answer page: the reference code and the secret, for this browser only."""
    submitted = request.session.get(browser.SUBMITTED_KEY, {})
    encrypted, at = submitted.get(reference.upper(), (None, 0))
    if encrypted is not None and time.time() - at > browser.ANSWER_PAGE_SECONDS:
        submitted.pop(reference.upper())
        request.session[browser.SUBMITTED_KEY] = submitted
        encrypted = None
    if encrypted is None:
        raise Http404(_("This page is no longer available. Follow your request with its code."))
    secret = identity.decrypt(encrypted)
    case = selectors.tracked_case(reference)
    return render(
        request,
        "public/received.html",
        {"case": case, "secret": secret, "emailed": email_link.awaits_confirmation(case)},
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
    return render(request, "public/_place_options.html", {"places": in_name_order(found)})


@require_safe
def privacy(request):
    return render(
        request,
        "public/privacy.html",
        {"retention_years": settings.RETENTION_YEARS, "version": settings.PRIVACY_NOTICE_VERSION},
    )

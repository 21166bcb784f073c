import time
from importlib import import_module
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render, resolve_url
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django_htmx.http import HttpResponseClientRedirect

from agencies import two_factor
from api.shapes import error_response
from open311 import formats as open311_formats
from portal.two_factor import step_url
from referrals.services.attachments import MAX_FILES_PER_SUBMISSION


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Thai unless the visitor chose English with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language header, but
    many people in Thailand use a phone set to English while reading Thai best; the
    portal therefore starts in Thai and remembers an explicit choice in a cookie.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        if for_machines(request) and chosen not in supported:
            # Other systems say which language they want their messages in.
            chosen = _accepted_language(request, supported)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


MACHINE_PATHS = ("/api/", "/open311/")


def for_machines(request) -> bool:
    """The API and Open311: answered in their own formats, in the language asked for."""
    return request.path_info.startswith(MACHINE_PATHS)


def machine_error(request, status: int, message):
    """A refusal in the format of the interface asked: Open311's error list, or the API's
    one shape."""
    if request.path_info.startswith("/open311/"):
        return open311_formats.errors(
            open311_formats.format_of(request.path_info), status, [message]
        )
    return error_response(status, message)


def _accepted_language(request, supported) -> str | None:
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base in supported:
            return base
    return None


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


class RequestLimitsMiddleware:
    """Refuses, before anything reads the request, what no page of the portal accepts.

    - A body larger than the largest form (five files at the size limit, and the text
      around them): 413, before the CSRF check parses it, so that nothing of it is read.
    - A NUL character in the path, the query, a header, a cookie or a form field: 400.
      PostgreSQL can neither store nor compare one, and every place a value reaches the
      database would otherwise have to remember to refuse it (admin filters, path
      parameters, lists of ids, the session key, the user agent axes records).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._too_large(request):
            if for_machines(request):
                return machine_error(request, 413, _("The request is too large."))
            context = {"max_mb": self.max_mb(), "max_files": MAX_FILES_PER_SUBMISSION}
            return render(request, "413.html", context, status=413)
        if self._has_nul(request):
            if for_machines(request):
                return machine_error(request, 400, _("The request holds a NUL character."))
            # Answered as to a stranger: the session key itself may be what is refused.
            request.session = import_module(settings.SESSION_ENGINE).SessionStore()
            request.user = AnonymousUser()
            return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def max_mb() -> int:
        return settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)

    @staticmethod
    def max_bytes() -> int:
        return (MAX_FILES_PER_SUBMISSION + 1) * settings.ATTACHMENT_MAX_BYTES + 1024 * 1024

    def _too_large(self, request) -> bool:
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0) > self.max_bytes()
        except ValueError:
            return True

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        # Headers and cookies reach the database too: the session key, the user agent
        # that the sign-in lock-out records.
        headers = (v for k, v in request.META.items() if k.startswith("HTTP_"))
        if _has_nul(v for v in headers if isinstance(v, str)) or _has_nul(request.COOKIES.values()):
            return True
        if request.method != "POST":
            return False
        try:
            fields = request.POST
        except Exception:  # a body Django cannot parse is its own 400, later
            return False
        return _has_nul(fields.keys()) or any(_has_nul(fields.getlist(k)) for k in fields)


class StaffSessionMiddleware:
    """Signed-in sessions end after ``STAFF_IDLE_MINUTES`` without a request and
    ``STAFF_SESSION_HOURS`` after signing in, whichever comes first; and nothing shown to
    a signed-in person is kept by the browser or a proxy (``Cache-Control: no-store``): the
    staff pages, dashboards and downloads carry citizens' personal data.

    The time of the last request is written at most once a minute, so that the session
    is not saved at every page.
    """

    SIGNED_IN_AT = "staff_signed_in_at"
    SEEN_AT = "staff_seen_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and self._expired(request):
            return self._signed_out(request)
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:  # before, or after signing in
            add_never_cache_headers(response)
        elif self._sent_to_sign_in(request, response):
            # Without a session at all (never signed in, or its cookie gone), htmx would
            # follow the redirect and put the sign-in page inside the part it replaces:
            # the whole page goes to sign in instead, and comes back to the page after.
            return HttpResponseClientRedirect(self._sign_in_url(request))
        return response

    @staticmethod
    def _sent_to_sign_in(request, response) -> bool:
        return (
            request.headers.get("HX-Request") == "true"
            and response.status_code == 302
            and urlsplit(response.get("Location", "")).path == resolve_url(settings.LOGIN_URL)
        )

    def _sign_in_url(self, request) -> str:
        login = resolve_url(settings.LOGIN_URL)
        back = self._page_to_return_to(request)
        return f"{login}?{urlencode({'next': back})}" if back else login

    def _expired(self, request) -> bool:
        session, now = request.session, time.time()
        signed_in_at = session.setdefault(self.SIGNED_IN_AT, now)
        seen_at = session.get(self.SEEN_AT, now)
        if (
            now - seen_at > settings.STAFF_IDLE_MINUTES * 60
            or now - signed_in_at > settings.STAFF_SESSION_HOURS * 3600
        ):
            return True
        if now - seen_at >= 60 or self.SEEN_AT not in session:
            session[self.SEEN_AT] = now
        return False

    def _signed_out(self, request):
        logout(request)
        messages.info(
            request,
            _("You were signed out after a while without activity. Sign in again to go on."),
        )
        login = self._sign_in_url(request)
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(login)
        return redirect(login)

    @staticmethod
    def _page_to_return_to(request) -> str:
        """The page the person was on: the address of a page they opened, or, for htmx,
        the page that asked (not the fragment); none after a form they sent."""
        if request.headers.get("HX-Request") == "true":
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            if current.netloc and current.netloc != request.get_host():
                return ""
            path = current.path + (f"?{current.query}" if current.query else "")
        elif request.method in ("GET", "HEAD"):
            path = request.get_full_path()
        else:
            return ""
        return path if url_has_allowed_host_and_scheme(path, allowed_hosts=None) else ""


class TwoFactorMiddleware:
    """The staff pages, dashboards, action plan and admin open only to a session that has
    passed two-factor sign-in, for a person who must use it or turned it on
    (``agencies.two_factor.next_step``): they are sent to set up an authenticator, or to
    enter a code, and come back to the page afterwards. The JSON API answers such a
    session 403 with the reason (a program cannot follow the pages); calls with an API key
    carry no session and are not concerned.
    """

    GUARDED_PATHS = ("/staff/", "/dashboards/", "/plan/", "/admin/")
    API_PATHS = ("/api/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(self.GUARDED_PATHS + self.API_PATHS):
            step = two_factor.step_for_session(request)
            if step is not None:
                return self._detour(request, step)
        return self.get_response(request)

    @staticmethod
    def _detour(request, step):
        if request.path_info.startswith(TwoFactorMiddleware.API_PATHS):
            return machine_error(
                request,
                403,
                _(
                    "This session has not passed two-factor sign-in. Sign in on the portal "
                    "with the code from your authenticator app, then try again."
                ),
            )
        back = StaffSessionMiddleware._page_to_return_to(request)
        page = step_url(step, back)
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(page)
        return redirect(page)


def start_staff_session(sender, request, user, **kwargs):
    """Receiver of ``user_logged_in``: the session's lifetime counts from now."""
    now = time.time()
    request.session[StaffSessionMiddleware.SIGNED_IN_AT] = now
    request.session[StaffSessionMiddleware.SEEN_AT] = now

"""The pages of two-factor sign-in (the rules are in ``agencies.two_factor``):

- set up: scan the QR code (or type the key) into an authenticator app and confirm with a
  code; the ten recovery codes are then shown once, to print or download;
- verify: after the password, the six-digit code; or one of the recovery codes instead;
- manage: whether it is on, how many recovery codes are left, new recovery codes, and
  turning it off (with a fresh code) for those whose role does not require it.

Wrong codes for one account are limited (``TWO_FACTOR_FAILURES``) by the portal's own
throttle, as wrong passwords are: past the limit, 429 with the time to wait.
"""

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from agencies import two_factor
from agencies.two_factor import Step
from referrals import qr, throttle

WRONG_AT_SET_UP = gettext_lazy(
    "That code is not right. Check that the app shows the code for this portal, and enter "
    "the code it shows now."
)
STEP_PAGES = {Step.SET_UP: "two_factor:set_up", Step.VERIFY: "two_factor:verify"}


def step_url(step: Step, next_url: str = "") -> str:
    """The page of ``step``, returning to ``next_url`` when it is done."""
    url = reverse(STEP_PAGES[step])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def after_password(request, success_url: str) -> str:
    """Where the sign-in page sends a person whose password was right: on to the second
    step when they have one to take, else where they were going."""
    step = two_factor.step_for_session(request)
    return step_url(step, success_url) if step else success_url


def _next(request) -> str:
    """The page to return to: only one of this site's own, never another's."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("home")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(
                _("Enter the six digits that your authenticator app shows now.")
            )
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Recovery code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = two_factor.normalised_recovery_code(self.cleaned_data["code"])
        if len(code) != 8:
            raise forms.ValidationError(
                _("Enter one of your recovery codes: eight letters and digits.")
            )
        return code


def _code_allowance(user) -> throttle.Allowance:
    return throttle.Allowance(
        "two-factor-failures", settings.TWO_FACTOR_FAILURES, f"user:{user.pk}"
    )


def _too_many(request, retry_after: int):
    minutes = max(1, (retry_after + 59) // 60)
    response = render(
        request, "registration/two_factor_locked.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _recovery_codes_page(request, codes: list[str], next_url: str):
    return render(
        request,
        "registration/two_factor_recovery_codes.html",
        {"codes": codes, "codes_text": "\n".join(codes) + "\n", "next": next_url},
    )


@login_required
@require_http_methods(["GET", "POST"])
def set_up(request):
    """Set up an authenticator: nothing is saved until a code from it is right."""
    user, next_url = request.user, _next(request)
    if two_factor.has_authenticator(user):
        step = two_factor.next_step(user)
        return redirect(step_url(step, next_url) if step else reverse("two_factor:manage"))
    key = two_factor.pending_key(request.session)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.confirm_authenticator(
                user, key, form.cleaned_data["code"], by=user
            )
        except two_factor.WrongCode:
            form.add_error("code", WRONG_AT_SET_UP)
        except two_factor.AlreadySetUp:
            return redirect("two_factor:manage")
        else:
            two_factor.forget_pending_key(request.session)
            two_factor.mark_verified(request, device)
            return _recovery_codes_page(request, codes, next_url)
    device = two_factor.provisional_authenticator(user, key)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": qr.svg(device.config_url, _("QR code to scan with an authenticator app")),
            "typed_key": two_factor.typed_key(device),
            "required": two_factor.is_required(user),
        },
    )


def _second_step(request, form_class, check, template: str):
    user, next_url = request.user, _next(request)
    step = two_factor.next_step(user)
    if step is None:
        return redirect(next_url)
    if step is Step.SET_UP:
        return redirect(step_url(step, next_url))
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowance = _code_allowance(user)
        if not allowance.take():
            return _too_many(request, allowance.retry_after)
        device = check(user, form.cleaned_data["code"])
        if device is not None:
            allowance.give_back()
            two_factor.mark_verified(request, device)
            return redirect(next_url)
        form.add_error("code", _("That code is not right. Try again."))
    return render(request, template, {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of signing in: the authenticator's current code."""
    return _second_step(
        request, CodeForm, two_factor.check_code, "registration/two_factor_verify.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery(request):
    """The second step with a recovery code instead (the phone lost or left at home)."""
    return _second_step(
        request,
        RecoveryCodeForm,
        two_factor.check_recovery_code,
        "registration/two_factor_recovery.html",
    )


def _manage_page(request, turn_off_form=None):
    user = request.user
    turn_off_form = turn_off_form or CodeForm()
    turn_off_form.fields["code"].widget.attrs.pop("autofocus", None)  # not at the page's end
    return render(
        request,
        "registration/two_factor_manage.html",
        {
            "has_authenticator": two_factor.has_authenticator(user),
            "required": two_factor.is_required(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "turn_off_form": turn_off_form,
        },
    )


def _unverified(request):
    """A person with a second step still to take does it before managing it."""
    step = two_factor.next_step(request.user)
    return redirect(step_url(step, reverse("two_factor:manage"))) if step else None


@login_required
@require_http_methods(["GET"])
def manage(request):
    return _unverified(request) or _manage_page(request)


@login_required
@require_POST
def new_recovery_codes(request):
    """Ten new recovery codes, shown once; the old ones stop working."""
    if (detour := _unverified(request)) is not None:
        return detour
    if not two_factor.has_authenticator(request.user):
        return redirect("two_factor:manage")
    codes = two_factor.issue_recovery_codes(request.user, by=request.user)
    return _recovery_codes_page(request, codes, reverse("two_factor:manage"))


@login_required
@require_POST
def turn_off(request):
    """Turn two-factor sign-in off, with a fresh code; only where the role allows it."""
    if (detour := _unverified(request)) is not None:
        return detour
    user = request.user
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, form)
    allowance = _code_allowance(user)
    if not allowance.take():
        return _too_many(request, allowance.retry_after)
    try:
        two_factor.turn_off(user, form.cleaned_data["code"], by=user)
    except two_factor.Required:
        allowance.give_back()
        messages.error(
            request, _("Your role requires two-factor sign-in: it cannot be turned off.")
        )
        return redirect("two_factor:manage")
    except two_factor.WrongCode:
        form.add_error("code", _("That code is not right. Try again."))
        return _manage_page(request, form)
    allowance.give_back()
    messages.success(request, _("Two-factor sign-in is turned off."))
    return redirect("two_factor:manage")


urlpatterns = [
    path("", verify, name="verify"),
    path("recovery/", recovery, name="recovery"),
    path("set-up/", set_up, name="set_up"),
    path("manage/", manage, name="manage"),
    path("manage/recovery-codes/", new_recovery_codes, name="new_recovery_codes"),
    path("manage/turn-off/", turn_off, name="turn_off"),
]

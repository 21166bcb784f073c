""" "Forgot the secret?": a one-time code sent to the phone or email of the request, then
a new secret shown once.

Every answer is the same whether or not the reference exists, and whether or not the
phone or email is the request's (``services.send_secret_code`` decides where a code may go
and sends nothing otherwise). The limits count what was typed, not what was found, so that
they too answer alike: per client address, per reference and per phone number or email
address asked for; codes entered, per client address.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from referrals import selectors, services, throttle
from referrals.public import browser, forms
from referrals.public.answers import too_many
from referrals.services.recovery import contact_of, normalise_reference


def _too_many(request, template, context, spent):
    return too_many(
        request,
        template,
        context,
        _("Too many requests for a code. Please try again later, or call 1111."),
        retry_after=spent.retry_after,
    )


@never_cache
def forgot(request):
    """Page 1: the reference and the phone or email given with the request."""
    form = forms.ForgotSecretForm(
        request.POST or None, initial={"reference": request.GET.get("reference")}
    )
    context = {"form": form}
    if request.method != "POST":
        return render(request, "public/forgot_secret.html", context)
    spent = throttle.over_limit(
        request, "secret-code-address", settings.SECRET_CODE_RATE_PER_ADDRESS
    )
    if spent:
        return _too_many(request, "public/forgot_secret.html", context, spent)
    if not form.is_valid():
        return render(request, "public/forgot_secret.html", context)
    reference = normalise_reference(form.cleaned_data["reference"])
    _channel, contact = contact_of(form.cleaned_data["contact"])
    allowances = (
        throttle.Allowance("secret-code-case", settings.SECRET_CODE_RATE_PER_CASE, reference),
        throttle.Allowance(
            "secret-code-contact", settings.SECRET_CODE_RATE_PER_CONTACT, f"contact:{contact}"
        ),
    )
    spent = next((allowance for allowance in allowances if not allowance.take()), None)
    if spent:
        return _too_many(request, "public/forgot_secret.html", context, spent)
    services.send_secret_code(reference, form.cleaned_data["contact"])
    return redirect(f"{reverse('public:secret_code')}?{urlencode({'reference': reference})}")


@never_cache
def enter_code(request):
    """Page 2: what was sent, said the same way for every request, and the code."""
    form = forms.SecretCodeForm(
        request.POST or None, initial={"reference": request.GET.get("reference")}
    )
    context = {"form": form, "minutes": settings.SECRET_CODE_MINUTES}
    if request.method != "POST":
        return render(request, "public/secret_code.html", context)
    spent = throttle.over_limit(
        request, "secret-code-check", settings.SECRET_CODE_CHECK_RATE_PER_ADDRESS
    )
    if spent:
        return too_many(
            request,
            "public/secret_code.html",
            context,
            _("Too many codes were entered from your connection. Please try again later."),
            retry_after=spent.retry_after,
        )
    if not form.is_valid():
        return render(request, "public/secret_code.html", context)
    replaced = services.reset_secret_with_code(
        form.cleaned_data["reference"], form.cleaned_data["code"]
    )
    if replaced is None:
        form.add_error(
            "code",
            _(
                "This code is not right, or it no longer works: a code works for "
                "%(minutes)s minutes and for %(tries)s tries, and only the latest one asked "
                "for. Check it, or ask for a new code."
            )
            % {"minutes": settings.SECRET_CODE_MINUTES, "tries": settings.SECRET_CODE_TRIES},
        )
        return render(request, "public/secret_code.html", context)
    case, secret = replaced
    request.session.cycle_key()
    browser.keep_new_secret(request, case, secret)
    browser.remember_tracked(request, case)
    return redirect("public:new_secret", reference=case.reference)


@require_safe
@never_cache
def new_secret(request, reference):
    """The new secret, shown once, on this browser only."""
    secret = browser.take_new_secret(request, reference)
    if secret is None:
        raise Http404(_("This page is no longer available. Follow your request with its code."))
    case = selectors.tracked_case(reference)
    return render(request, "public/new_secret.html", {"case": case, "secret": secret})

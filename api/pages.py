"""The pages where an agency's administrators make and revoke the keys of its systems.

The key itself is shown once, in the answer to the form that made it: it is neither
stored (only its hash is kept) nor carried through the session to another page, and the
answer is never cached. Anyone who administers no agency is told the pages do not exist.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agencies.decorators import agency_admin_required
from agencies.models import AgencyApiKey
from agencies.thai_dates import ThaiDateField
from api import selectors, services
from referrals.errors import NotPermitted

# Keys end at midnight where the agencies work, whatever the server's own clock says.
BANGKOK = ZoneInfo("Asia/Bangkok")


KEY_YEARS = 5  # how many years ahead a key's last day may be chosen


class NewKeyForm(forms.ModelForm):
    """A new key: its name, its agency (when the person administers several), what it may
    do, and the day after which it stops working."""

    expires_on = ThaiDateField(
        years=lambda: range(timezone.localdate().year, timezone.localdate().year + KEY_YEARS),
        label=gettext_lazy("Valid until"),
        required=False,
        help_text=gettext_lazy(
            "Optional. The key stops working at the end of this day, Bangkok time. "
            "Leave it empty for a key that does not expire."
        ),
    )

    class Meta:
        model = AgencyApiKey
        fields = ["name", "agency", "can_write", "can_see_restricted"]
        labels = {"name": gettext_lazy("Name of the system")}
        help_texts = {
            "name": gettext_lazy(
                "So that you recognise the key later, e.g. “Case system of the Bangkok office”."
            )
        }

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = list(agencies)
        if len(self.agencies) > 1:
            self.fields["agency"].queryset = agencies
            self.fields["agency"].empty_label = None
        else:
            del self.fields["agency"]

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate(timezone=BANGKOK):
            raise forms.ValidationError(
                _("Choose today or a later day: a key cannot expire in the past.")
            )
        return day

    def chosen_agency(self):
        return self.cleaned_data["agency"] if "agency" in self.fields else self.agencies[0]

    def expires_at(self) -> datetime | None:
        """The end of the chosen day, Bangkok time."""
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return datetime.combine(day, time.max, tzinfo=BANGKOK)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@agency_admin_required
def key_list(request):
    """The keys of each agency the person administers, and the form that makes one."""
    agencies = selectors.administered_agencies(request.user)
    form = NewKeyForm(request.POST or None, agencies=agencies)
    made, raw_key = None, None
    if request.method == "POST" and form.is_valid():
        try:
            made, raw_key = services.issue_key(
                form.chosen_agency(),
                request.user,
                form.cleaned_data["name"],
                can_write=form.cleaned_data["can_write"],
                can_see_restricted=form.cleaned_data["can_see_restricted"],
                expires_at=form.expires_at(),
            )
        except NotPermitted as error:
            raise Http404 from error
        form = NewKeyForm(agencies=agencies)
    context = {
        "sections": selectors.keys_by_agency(request.user),
        "form": form,
        "made": made,
        "raw_key": raw_key,
    }
    return render(request, "api_keys/list.html", context)


@require_POST
@agency_admin_required
def revoke(request, prefix):
    """Stop a key for good (the button sits inside a disclosure that asks to confirm)."""
    key = selectors.key_of(request.user, prefix)
    if key is None:
        raise Http404
    try:
        services.revoke_key(key, request.user)
    except NotPermitted as error:
        raise Http404 from error
    messages.success(
        request,
        _("The key “%(name)s” (%(prefix)s) is revoked: it no longer opens the API.")
        % {"name": key.name, "prefix": key.prefix},
    )
    return redirect("api_keys:list")

"""The pages where an agency's administrators keep its offices: how to reach each, whether
it works, and the provinces a regional office also serves (the routing of new cases and
referrals). Anyone who administers no agency, or asks for another agency's office, is
told the page does not exist."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies import offices as routing
from agencies.decorators import agency_admin_required
from agencies.offices.forms import OfficeForm


@require_http_methods(["GET", "HEAD"])
@agency_admin_required
def office_list(request):
    return render(request, "offices/list.html", {"sections": routing.offices_kept_by(request.user)})


@require_http_methods(["GET", "HEAD", "POST"])
@agency_admin_required
def office(request, pk: int):
    kept = routing.office_kept_by(request.user, pk)
    if kept is None:
        raise Http404
    form = OfficeForm(request.POST or None, instance=kept)
    if request.method == "POST" and form.is_valid():
        routing.update_office(form, by=request.user)
        messages.success(request, _("The office is saved."))
        return redirect("offices:list")
    return render(request, "offices/office.html", {"office": kept, "form": form})

"""The supervisors' page of the links to outside systems: each connection of their agency,
its last exchange, the failures with their reason, and a button to send a failed message
again. Anyone who watches no agency's links is told the page does not exist."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agencies.decorators import agency_page
from agencies.permissions import exchange_agency_ids
from integrations import selectors, services
from integrations.models import Connection, Exchange

watcher_required = agency_page(exchange_agency_ids)


@require_safe
@watcher_required
def exchanges(request):
    return render(
        request,
        "integrations/exchanges.html",
        {"states": selectors.watched_connections(request.user)},
    )


@require_POST
@watcher_required
def retry(request, pk: int):
    exchange = (
        Exchange.objects.select_related("notification")
        .filter(pk=pk, connection__agency__in=exchange_agency_ids(request.user))
        .first()
    )
    if exchange is None:
        raise Http404
    try:
        services.retry(exchange, by=request.user)
    except services.NothingToRetry:
        messages.error(request, _("This message is not waiting to be sent again."))
    else:
        messages.success(request, _("The message is sent again."))
    return redirect("integrations:exchanges")


@require_POST
@watcher_required
def read_now(request, pk: int):
    connection = Connection.objects.filter(
        pk=pk, agency__in=exchange_agency_ids(request.user)
    ).first()
    if connection is None:
        raise Http404
    if services.read_now(connection, by=request.user):
        messages.success(request, _("The system is being read now."))
    else:
        messages.error(request, _("This link is not read by the portal, or it is off."))
    return redirect("integrations:exchanges")

"""How a dashboard page is read: who may read it, its figures (from their snapshot, or
counted now), when they were counted beside the other tabs, and the page or download made
of them; and the button that has every tab counted again."""

import logging
from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from agencies.permissions import DashboardScope, dashboard_scope
from agencies.replica import reads_from_replica
from portal import tasks
from portal.dashboards import snapshots
from portal.dashboards.filters import Selection
from portal.dashboards.suppression import SIGNS, SMALL_CELL
from portal.dashboards.tables import About, csv_response, xlsx_response

logger = logging.getLogger(__name__)
EXPORTS = {"csv": csv_response, "xlsx": xlsx_response}
TABS = {
    "overview": gettext_lazy("Overview"),
    "agencies": gettext_lazy("Agencies"),
    "provinces": gettext_lazy("Provinces"),
    "strategies": gettext_lazy("Strategies"),
}


def _reader(view):
    """Signed-in readers of a dashboard scope; the scope and the selection ride along."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = dashboard_scope(request.user)
        if scope is None:
            raise PermissionDenied(
                _("The dashboards are for ministry inspectors and agency supervisors and CCEOs.")
            )
        selection, form = Selection.from_request(request.GET, scope)
        return view(request, scope, selection, form, *args, **kwargs)

    return wrapper


def dashboard(view):
    """A dashboard page, read (GET) by a reader of a dashboard scope; its figures may come
    from the replica (the reader and their scope were checked on the primary)."""
    return require_safe(_reader(reads_from_replica(view)))


def _agency_ids(scope: DashboardScope) -> list[int] | None:
    return None if scope.is_national else sorted(scope.agency_ids)


def _recount_later(pages: list[str], scope: DashboardScope, selection: Selection) -> None:
    """Ask a worker, once the request's writes are kept, to count these views again; a
    broker that is down leaves them as they are (the next reader past their lifetime asks
    again)."""

    def ask():
        try:
            tasks.recount_dashboards.delay(pages, _agency_ids(scope), selection.query())
        except Exception:
            logger.warning("Dashboard views %s not queued for a recount", pages, exc_info=True)

    transaction.on_commit(ask)


def read(
    page: str, scope: DashboardScope, selection: Selection, wait: bool = True
) -> snapshots.Figures:
    """A page's figures (``snapshots.figures_for``); when this reader is the first to find
    them past their lifetime (or, not waiting, never counted), a worker counts them again
    behind the reader."""
    found = snapshots.figures_for(page, scope, selection, wait)
    if found.recount_claimed:
        _recount_later([page], scope, selection)
    return found


def _minute(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(second=0, microsecond=0)


def _moments(page: str, computed_at: datetime, tabs: dict[str, datetime]) -> dict:
    """When this page and each tab of the same selection were counted (the tabs never
    counted yet left out), and whether any differs from this page to the minute shown."""
    here = _("%(tab)s (this page)") % {"tab": TABS[page]} if page in TABS else _("This page")
    listed = [(here, computed_at, True)]
    listed += [(TABS[tab], tabs[tab], False) for tab in TABS if tab != page and tab in tabs]
    return {
        "tab_moments": listed,
        "moments_differ": any(
            _minute(moment) != _minute(computed_at) for _label, moment, _here in listed
        ),
    }


def render_page(
    request,
    template,
    here: str,
    reading: tuple[DashboardScope, Selection, object],
    tables,
    found: snapshots.Figures,
    about: tuple[list, list] = ([], []),
    exported: Selection | None = None,
    **context,
):
    """The page, or one of its tables as a download when ``export`` asks for it. The
    download names its filters first: those of the selection (``exported`` when the page
    narrows it further) and ``about``'s, as (label, value) pairs and short parts."""
    scope, selection, form = reading
    export = request.GET.get("export")
    if export:
        table = next((t for t in tables if t.key == request.GET.get("table")), None)
        if export not in EXPORTS or table is None:
            raise Http404(_("No such table to download."))
        exported = exported or selection
        filters, short = about
        return EXPORTS[export](
            table,
            About(
                filters=exported.describe() + filters,
                short=exported.short() + short,
                computed_at=found.computed_at,
            ),
        )
    return render(
        request,
        template,
        {
            "selection": selection,
            "form": form,
            "filters_shown": selection.describe(),
            "scope": scope,
            "tables": {table.key: table for table in tables},
            "computed_at": found.computed_at,
            "recounting": found.recounting,
            "signs": SIGNS,  # what stands for a withheld figure
            "small_cell": SMALL_CELL,
            **_moments(here, found.computed_at, found.tabs),
            **context,
        },
    )


@require_POST
@_reader
def recount(request, scope, selection, form):
    """Every tab of the reader's selection counted again by a worker (those not already
    being counted), then back to the page the reader came from."""
    pages = snapshots.claim_recount(list(TABS), scope, selection)
    if pages:
        _recount_later(pages, scope, selection)
        messages.success(
            request, _("Every tab is being counted again. Reload the page in a minute or two.")
        )
    else:
        messages.info(request, _("Every tab is already being counted again."))
    back = request.POST.get("next", "")
    if not (
        back.startswith(reverse("dashboards:overview"))
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = f"{reverse('dashboards:overview')}?{selection.query()}"
    return redirect(back)


def counted_now(scope: DashboardScope, selection: Selection) -> snapshots.Figures:
    """A page counted at each request (the districts of a province, the cases behind a
    figure), with the moments of the tabs of the same selection beside it."""
    return snapshots.Figures(
        None, timezone.now(), False, tabs=snapshots.tab_moments(list(TABS), scope, selection)
    )

"""The pages of the 1111 files, for those who import them (intake officers, supervisors and
CCEOs): the import page with its past imports and the empty template, each import's
progress and refused rows, and the status file that goes back to 1111 each day. Anyone
else is told the pages do not exist."""

import logging

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from agencies.decorators import agency_page
from agencies.models import Agency
from agencies.permissions import import_agency_ids
from agencies.thai_dates import ThaiDateField
from integrations import imports, selectors, tasks
from integrations.gcc1111 import downloads, files

logger = logging.getLogger(__name__)

PROBLEMS_PER_PAGE = 50
FORMATS = [(files.CSV, "CSV"), (files.XLSX, "XLSX (Excel)")]


importer_required = agency_page(import_agency_ids)


class AgencyChoice(forms.ModelChoiceField):
    """The agencies the person imports for; asked only of those who import for several."""

    def __init__(self, user, **kwargs):
        agencies = Agency.objects.filter(pk__in=import_agency_ids(user)).order_by("sort_order")
        super().__init__(agencies, label=gettext_lazy("Agency"), empty_label=None, **kwargs)
        if len(self.queryset) == 1:
            self.widget = forms.HiddenInput()
            self.initial = self.queryset[0].pk

    def label_from_instance(self, agency):
        return agency.name


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File exported by 1111 (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = AgencyChoice(user)


class StatusFileForm(forms.Form):
    day = ThaiDateField(label=gettext_lazy("Day"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = AgencyChoice(user)


def _attachment(content: bytes, kind: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=downloads.CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@importer_required
def import_page(request):
    form = ImportForm(request.user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = imports.start_import(
                form.cleaned_data["file"],
                form.cleaned_data["agency"],
                by=request.user,
                language=get_language(),
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            _queue(run.pk)
            return redirect("imports:run", pk=run.pk)
    return render(
        request,
        "integrations/imports.html",
        {
            "form": form,
            "runs": selectors.import_runs(request.user),
            "columns": files.IMPORT_COLUMNS,
        },
    )


def _queue(run_id: int) -> None:
    try:
        tasks.import_file.delay_on_commit(run_id)
    except Exception:
        # The broker is down: the periodic job picks the run up (IMPORT_STALLED_SECONDS).
        logger.warning("Import %s left for the periodic job", run_id)


@require_safe
@importer_required
def template(request, kind: str):
    if kind not in dict(FORMATS):
        raise Http404
    return _attachment(downloads.template(kind), kind, "1111-template")


def _run_or_404(user, pk: int):
    run = selectors.import_run_for(user, pk)
    if run is None:
        raise Http404
    return run


@require_safe
@importer_required
def run_page(request, pk: int):
    run = _run_or_404(request.user, pk)
    page = Paginator(run.problems.order_by("row"), PROBLEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"run": run, "page": page}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "integrations/_import_progress.html", context)
    return render(request, "integrations/import_run.html", context)


@require_safe
@importer_required
def run_problems(request, pk: int):
    """The refused rows of an import as CSV: its row, its number, the reason."""
    run = _run_or_404(request.user, pk)
    rows = run.problems.order_by("row").values_list("row", "number", "reason")
    header = [_("Row"), _("Complaint number"), _("Reason")]
    return _attachment(downloads.csv_bytes(header, list(rows)), files.CSV, f"1111-import-{run.pk}")


@require_safe
@importer_required
def status_file(request):
    """The page of the daily status file; with a day and a format, the file itself."""
    form = StatusFileForm(
        request.user,
        request.GET or None,
        initial={"day": timezone.localdate(), "format": files.CSV},
    )
    if request.GET and form.is_valid():
        day, kind = form.cleaned_data["day"], form.cleaned_data["format"]
        agency = form.cleaned_data["agency"]
        links = selectors.status_changes(request.user, agency.pk, day)
        name = f"1111-status-{agency.code}-{day:%Y%m%d}"
        return _attachment(downloads.status_file(links, kind), kind, name)
    return render(request, "integrations/status_file.html", {"form": form})

"""Pages where agency administrators keep their part of the action plan: the projects
their agency leads, the activities it is responsible for, and the quarterly values of the
indicators it reports. Everything else of the plan is edited in the Django admin."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies import permissions
from strategies import services
from strategies.fiscal import fiscal_year_of
from strategies.forms import ActivityForm, IndicatorValueForm, ProjectForm
from strategies.models import Activity, Indicator, Measurement, Project


def plan_admin_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.administered_agency_ids(request.user):
            raise PermissionDenied(_("These pages are for the administrators of the agencies."))
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "HEAD"])
@plan_admin_required
def project_list(request):
    projects = (
        permissions.plan_projects(request.user, Project.objects.all())
        .select_related("strategy", "lead_agency")
        .order_by("strategy__number", "code")
    )
    return render(request, "plan/projects.html", {"projects": projects})


@require_http_methods(["GET", "HEAD", "POST"])
@plan_admin_required
def project_edit(request, code=None):
    agencies = permissions.administered_agency_ids(request.user)
    project = None
    if code is not None:
        project = get_object_or_404(Project, code=code)
        if not permissions.may_manage_project(request.user, project):
            return redirect("plan:project", code=code)
    form = ProjectForm(request.POST or None, instance=project, lead_agencies=agencies)
    if request.method == "POST" and form.is_valid():
        saved = services.save_project(
            form.save(commit=False),
            request.user,
            participating=list(form.cleaned_data["participating_agencies"]),
        )
        messages.success(request, _("The project is saved."))
        return redirect("plan:project", code=saved.code)
    return render(request, "plan/project_form.html", {"form": form, "project": project})


@require_http_methods(["GET", "HEAD"])
@plan_admin_required
def project_detail(request, code):
    project = get_object_or_404(
        permissions.plan_projects(request.user, Project.objects.all()).select_related(
            "strategy", "lead_agency"
        ),
        code=code,
    )
    activities = project.activities.select_related("responsible_agency")
    indicators = project.indicators.select_related("responsible_agency").prefetch_related(
        "targets", "values"
    )
    today = timezone.localdate()
    return render(
        request,
        "plan/project.html",
        {
            "project": project,
            "may_manage": permissions.may_manage_project(request.user, project),
            "activities": [
                (a, a.timeliness(today), permissions.may_update_activity(request.user, a, project))
                for a in activities
            ],
            "indicators": [
                (i, permissions.may_report_indicator(request.user, i)) for i in indicators
            ],
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@plan_admin_required
def activity_edit(request, code, activity_id=None):
    project = get_object_or_404(Project, code=code)
    if activity_id is None:
        activity = Activity(project=project, responsible_agency_id=project.lead_agency_id)
        allowed = permissions.may_manage_project(request.user, project)
    else:
        activity = get_object_or_404(Activity, pk=activity_id, project=project)
        allowed = permissions.may_update_activity(request.user, activity, project)
    if not allowed:
        raise PermissionDenied(_("Only the administrators of the agency responsible may do this."))
    form = ActivityForm(
        request.POST or None,
        instance=activity,
        may_reassign=permissions.may_manage_project(request.user, project),
    )
    if request.method == "POST" and form.is_valid():
        services.save_activity(form.save(commit=False), request.user)
        messages.success(request, _("The activity is saved."))
        return redirect("plan:project", code=project.code)
    return render(
        request, "plan/activity_form.html", {"form": form, "project": project, "activity": activity}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@plan_admin_required
def indicator_report(request, indicator_id):
    indicator = get_object_or_404(
        Indicator.objects.select_related("project", "strategy", "responsible_agency"),
        pk=indicator_id,
        measurement=Measurement.REPORTED,
    )
    if not permissions.may_report_indicator(request.user, indicator):
        raise PermissionDenied(_("Only the administrators of the agency responsible may do this."))
    today = timezone.localdate()
    if indicator.project:
        years = list(indicator.project.fiscal_years)
    else:
        years = sorted({target.fiscal_year for target in indicator.targets.all()}) or [
            fiscal_year_of(today)
        ]
    initial = {"fiscal_year": min(max(fiscal_year_of(today), years[0]), years[-1])}
    form = IndicatorValueForm(request.POST or None, initial=initial, years=years, today=today)
    if request.method == "POST" and form.is_valid():
        services.report_indicator_value(indicator, request.user, **form.cleaned_data)
        messages.success(request, _("The value is recorded."))
        if indicator.project:
            return redirect("plan:project", code=indicator.project.code)
        return redirect("plan:projects")
    values = indicator.values.select_related("reported_by")
    return render(
        request,
        "plan/indicator_report.html",
        {"form": form, "indicator": indicator, "values": values},
    )

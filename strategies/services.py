"""Changes to the action plan by agency administrators. Each checks who may make it
(``agencies.permissions``), validates the whole object, and saves it in one transaction."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency
from strategies.models import Activity, Indicator, IndicatorValue, Project


def _refuse() -> PermissionDenied:
    return PermissionDenied(_("Only the administrators of the agency responsible may do this."))


@transaction.atomic
def save_project(project: Project, by, participating: list[Agency] | None = None) -> Project:
    """Create or change a project. Its lead agency must be one the user administers (before
    and after the change: a project cannot be handed to an agency the user is not in)."""
    if project.pk:
        saved = Project.objects.select_for_update().get(pk=project.pk)
        if not permissions.may_manage_project(by, saved):
            raise _refuse()
    if not permissions.may_manage_project(by, project):
        raise _refuse()
    project.full_clean()
    project.save()
    if participating is not None:
        project.participating_agencies.set(
            [agency for agency in participating if agency.pk != project.lead_agency_id]
        )
    return project


@transaction.atomic
def save_activity(activity: Activity, by) -> Activity:
    """Add an activity to a project (its lead agency's administrators) or record an
    activity's dates and progress (also the responsible agency's administrators)."""
    project = Project.objects.get(pk=activity.project_id)
    if activity.pk is None:
        allowed = permissions.may_manage_project(by, project)
    else:
        saved = Activity.objects.select_for_update().get(pk=activity.pk)
        allowed = permissions.may_update_activity(by, saved, project)
        if saved.responsible_agency_id != activity.responsible_agency_id:
            allowed = allowed and permissions.may_manage_project(by, project)
    if not allowed:
        raise _refuse()
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def report_indicator_value(
    indicator: Indicator,
    by,
    *,
    fiscal_year: int,
    quarter: int,
    value,
    evidence: str,
    evidence_url: str = "",
) -> IndicatorValue:
    """Record (or correct) a quarter's value of a reported indicator, with its evidence."""
    if not permissions.may_report_indicator(by, indicator):
        raise _refuse()
    reported, _created = IndicatorValue.objects.select_for_update().get_or_create(
        indicator=indicator,
        fiscal_year=fiscal_year,
        quarter=quarter,
        defaults={"value": value, "evidence": evidence, "reported_by": by},
    )
    reported.value, reported.evidence, reported.evidence_url = value, evidence, evidence_url
    reported.reported_by, reported.reported_at = by, timezone.now()
    reported.full_clean()
    reported.save()
    return reported

"""The action plan: indicators against their targets, and activities late or on time."""

from django.utils.translation import gettext as _

from portal.dashboards.filters import current_fiscal_year
from portal.dashboards.tables import DATE, PERCENT, TEXT, Column, Table
from portal.dashboards.views.reading import dashboard, read, render_page


@dashboard
def strategies(request, scope, selection, form):
    found = read("strategies", scope, selection)
    progress = found.data
    year = selection.fiscal_year or current_fiscal_year()
    indicator_rows, activity_rows = [], []
    timeliness_names = {
        "late": _("Late"),
        "on_time": _("On time"),
        "done": _("Done"),
        "not_started": _("Not started"),
    }
    for strategy in progress:
        owners = [(strategy.strategy, None, strategy.indicators)]
        owners += [(strategy.strategy, p.project, p.indicators) for p in strategy.projects]
        for owner_strategy, project, indicators in owners:
            for item in indicators:
                indicator_rows.append(
                    {
                        "strategy": owner_strategy.number,
                        "project": project.code if project else "",
                        "indicator": item.indicator.name,
                        "unit": item.indicator.unit,
                        "measured": item.indicator.get_measurement_display(),
                        "target": item.target,
                        "value": item.value,
                        "percent": item.percent_of_target,
                    }
                )
        for project in strategy.projects:
            for activity, state in project.activities:
                activity_rows.append(
                    {
                        "project": project.project.code,
                        "activity": activity.name,
                        "agency": activity.responsible_agency.name,
                        "planned_start": activity.planned_start,
                        "planned_end": activity.planned_end,
                        "actual_start": activity.actual_start,
                        "actual_end": activity.actual_end,
                        "progress": activity.progress,
                        "state": timeliness_names[state],
                    }
                )
    indicators = Table(
        "indicators",
        _("Indicators against their targets, fiscal year %(year)s") % {"year": year},
        [
            Column("strategy", _("Strategy"), TEXT),
            Column("project", _("Project"), TEXT),
            Column("indicator", _("Indicator"), TEXT),
            Column("unit", _("Unit"), TEXT),
            Column("measured", _("Measured"), TEXT),
            Column("target", _("Target")),
            Column("value", _("Result")),
            Column("percent", _("Percent of target"), PERCENT),
        ],
        indicator_rows,
    )
    activities = Table(
        "activities",
        _("Activities of fiscal year %(year)s") % {"year": year},
        [
            Column("project", _("Project"), TEXT),
            Column("activity", _("Activity"), TEXT),
            Column("agency", _("Responsible agency"), TEXT),
            Column("planned_start", _("Planned start"), DATE),
            Column("planned_end", _("Planned end"), DATE),
            Column("actual_start", _("Actual start"), DATE),
            Column("actual_end", _("Actual end"), DATE),
            Column("progress", _("Progress (percent)"), PERCENT),
            Column("state", _("On time or late"), TEXT),
        ],
        activity_rows,
    )
    return render_page(
        request,
        "dashboards/strategies.html",
        "strategies",
        (scope, selection, form),
        [indicators, activities],
        found,
        progress=progress,
        year=year,
        timeliness_names=timeliness_names,
    )

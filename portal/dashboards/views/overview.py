"""The overview: the figures of the period, their trend by month and week, satisfaction."""

from django.utils.translation import gettext as _

from portal.dashboards.tables import DATE, MONTH, SCORE, TEXT, Column, Table
from portal.dashboards.views.columns import with_hours
from portal.dashboards.views.reach import reach_notes, reach_tables
from portal.dashboards.views.reading import dashboard, read, render_page
from referrals.models import Channel


@dashboard
def overview(request, scope, selection, form):
    found = read("overview", scope, selection)
    summary = found.data
    cases = with_hours(summary.cases | summary.referrals)
    headline = Table(
        "overview",
        _("The figures of the period"),
        [Column("figure", _("Figure"), TEXT), Column("value", _("Value"), TEXT)],
        [
            {"figure": _("Requests received"), "value": cases["received"], "drill": "received"},
            {"figure": _("Open"), "value": cases["open"], "drill": "open"},
            {"figure": _("Overdue"), "value": cases["overdue"], "drill": "overdue"},
            {"figure": _("Resolved"), "value": cases["resolved"], "drill": "resolved"},
            {
                "figure": _("Resolved within the deadline (percent)"),
                "value": cases["in_time_share"],
                "drill": "in_time",
            },
            {
                "figure": _("Median time to acknowledge (working hours)"),
                "value": cases["acknowledge_hours"],
            },
            {
                "figure": _("Median time to answer a referral (working hours)"),
                "value": cases["answer_hours"],
            },
            {
                "figure": _("Median time to resolve (working hours)"),
                "value": cases["resolve_hours"],
            },
            {"figure": _("Referrals made or received"), "value": cases["referrals"]},
            {
                "figure": _("Referrals accepted (percent of answered)"),
                "value": cases["acceptance_rate"],
            },
        ],
    )
    ratings = summary.ratings
    satisfaction = Table(
        "satisfaction",
        _("What citizens said (average of 1 to 5)"),
        [Column("question", _("Question"), TEXT), Column("score", _("Average score"), SCORE)],
        [
            {"question": _("How useful the help was"), "score": ratings["usefulness"]},
            {"question": _("How clearly it was explained"), "score": ratings["clarity"]},
            {"question": _("Overall satisfaction"), "score": ratings["satisfaction"]},
        ],
        chart="bar",
        chart_columns=("score",),
        chart_max=5,
    )
    trend_columns = [
        Column("period", _("Period"), DATE),
        Column("received", _("Requests received")),
        Column("resolved", _("Resolved")),
    ]
    months = Table(
        "months",
        _("Requests received and resolved by month"),
        [Column("period", _("Month"), MONTH), *trend_columns[1:]],
        summary.months,
        chart="line",
        chart_columns=("received", "resolved"),
    )
    weeks = Table(
        "weeks",
        _("The last twelve weeks of the period"),
        [Column("period", _("Week starting"), DATE), *trend_columns[1:]],
        summary.weeks,
        chart="bar",
        chart_columns=("received", "resolved"),
    )
    channels = Table(
        "channels",
        _("Requests by the way they came in"),
        # Three columns, so that the overview fits a phone without scrolling.
        [
            Column("channel", _("Received by"), TEXT),
            Column("received", _("Requests received")),
            Column("resolved", _("Resolved")),
        ],
        [{**row, "channel": Channel(row["channel"]).label} for row in summary.channels],
        chart="bar",
        chart_columns=("received",),
    )
    reach = reach_tables(summary.reach) if summary.reach is not None else []
    return render_page(
        request,
        "dashboards/overview.html",
        "overview",
        (scope, selection, form),
        [headline, channels, satisfaction, months, weeks, *reach],
        found,
        cases=cases,
        ratings=ratings,
        reach_tables=reach,
        reach_notes=reach_notes(reach),
    )

"""The agencies: each one's figures, the referrals between them, the contested cases."""

from django.utils.translation import gettext as _

from agencies.models import Agency
from portal.dashboards import figures
from portal.dashboards.tables import HOURS, PERCENT, TEXT, Column, Table
from portal.dashboards.views.columns import FIGURE_COLUMNS, case_columns, case_row, with_hours
from portal.dashboards.views.reading import dashboard, read, render_page


@dashboard
def agencies(request, scope, selection, form):
    found = read("agencies", scope, selection)
    rows = [with_hours(row) for row in found.data["rows"]]
    for row in rows:
        row["name"] = row["agency"].name
        row["query"] = selection.query(agency=row["agency"].code)
    table = Table(
        "agencies",
        _("Each agency: its cases as lead agency, and the referrals it was asked to answer"),
        [
            Column("name", _("Agency"), TEXT),
            *FIGURE_COLUMNS,
            Column("referrals", _("Referrals received")),
            Column("acceptance_rate", _("Referrals accepted (percent of answered)"), PERCENT),
            Column("answer_hours", _("Median time to answer a referral (working hours)"), HOURS),
        ],
        rows,
        chart="bar",
        chart_columns=("received", "resolved"),
    )
    names = {agency.pk: agency for agency in Agency.objects.filter(is_active=True)}
    cells = found.data["cells"]
    matrix_agencies = [
        agency for agency in names.values() if scope.covers(agency.pk) or _touches(cells, agency.pk)
    ]
    matrix_rows = [
        {
            "from": sender,
            "cells": [
                (receiver, with_hours(cells[sender.pk, receiver.pk]))
                if (sender.pk, receiver.pk) in cells
                else (receiver, None)
                for receiver in matrix_agencies
            ],
        }
        for sender in matrix_agencies
    ]
    flows = Table(
        "referral_flows",
        _("Referrals between agencies"),
        [
            Column("from", _("From"), TEXT),
            Column("to", _("To"), TEXT),
            Column("referrals", _("Referrals"), drill="received"),
            Column("acceptance_rate", _("Accepted (percent of answered)"), PERCENT),
            Column("answer_hours", _("Median time to answer (working hours)"), HOURS),
        ],
        [
            {
                "from": names[a].name,
                "to": names[b].name,
                "query": selection.query(**{"from": names[a].code, "to": names[b].code}),
                **with_hours(dict(cell)),
            }
            for (a, b), cell in sorted(cells.items())
            if a in names and b in names
        ],
    )
    contested = found.data["contested"]
    reason_names = {
        "declined": _("Declined by two agencies or more"),
        "returned": _("Referred back and forth"),
        "transferred": _("Transferred twice or more"),
    }
    contested_table = Table(
        "contested",
        _("Cases passed between agencies or declined by several"),
        [*case_columns(), Column("why", _("Why it is listed"), TEXT)],
        [
            {
                **case_row(item.case, scope),
                "why": "; ".join(str(reason_names[r]) for r in item.reasons),
            }
            for item in contested
        ],
    )
    return render_page(
        request,
        "dashboards/agencies.html",
        "agencies",
        (scope, selection, form),
        [table, flows, contested_table],
        found,
        matrix_agencies=matrix_agencies,
        matrix_rows=matrix_rows,
        contested_limit=figures.CONTESTED_LIMIT,
    )


def _touches(cells: dict, agency_id: int) -> bool:
    return any(agency_id in pair for pair in cells)

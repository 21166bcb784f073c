"""The columns that several dashboard tables share."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.dashboards.tables import DATE, HOURS, PERCENT, TEXT, Column, hours

FIGURE_COLUMNS = [
    Column("received", gettext_lazy("Requests received"), drill="received"),
    Column("open", gettext_lazy("Open"), drill="open"),
    Column("overdue", gettext_lazy("Overdue"), drill="overdue"),
    Column("resolved", gettext_lazy("Resolved"), drill="resolved"),
    Column("acknowledge_hours", gettext_lazy("Median time to acknowledge (working hours)"), HOURS),
    Column("resolve_hours", gettext_lazy("Median time to resolve (working hours)"), HOURS),
    Column("in_time_share", gettext_lazy("Resolved within the deadline (percent)"), PERCENT),
]


def with_hours(row: dict) -> dict:
    row["acknowledge_hours"] = hours(row.get("acknowledge_median"))
    row["resolve_hours"] = hours(row.get("resolve_median"))
    row["answer_hours"] = hours(row.get("answer_median"))
    return row


def case_columns(with_district: bool = False) -> list[Column]:
    """The columns of a list of cases: what a dashboard may show of each, nothing personal."""
    place = [Column("province", _("Province"), TEXT)]
    if with_district:
        place.append(Column("district", _("District"), TEXT))
    return [
        Column("reference", _("Reference"), TEXT),
        Column("received", _("Received"), DATE),
        Column("category", _("Kind of help"), TEXT),
        *place,
        Column("lead", _("Lead agency"), TEXT),
        Column("status", _("Status"), TEXT),
    ]


def case_row(case, scope) -> dict:
    return {
        "reference": case.reference,
        # An agency's managers open their cases; an inspector reads no case page.
        "detail_url": "" if scope.is_national else case.get_absolute_url(),
        "received": case.created_at,
        "category": case.category.name,
        "province": case.province.name,
        "lead": case.lead_agency.name,
        "status": case.get_status_display(),
    }

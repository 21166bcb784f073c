"""Where an agency handles a case: which of its offices serves a province.

The mapping is data: each office is seated in a province and may also serve others (a
regional office); the agency's administrators keep it. A province no office serves goes
to the agency's central office, which is no office at all (``None``): its members work
for the agency as a whole.
"""

from django.db.models import Case, IntegerField, Q, Value, When

from agencies.models import Agency, Office, Province


def office_for(agency: Agency | int, province: Province | str | None) -> Office | None:
    """The active office of ``agency`` that handles cases from ``province``: the one seated
    there, else one that also serves it; None for the central office."""
    if province is None:
        return None
    province_id = getattr(province, "pk", province)
    return (
        Office.objects.filter(agency=agency, is_active=True)
        .filter(Q(province_id=province_id) | Q(serves=province_id))
        .annotate(
            seated=Case(
                When(province_id=province_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("seated", "pk")
        .first()
    )


def routing_table() -> dict[tuple[int, str], int]:
    """(agency id, province code) -> the office id ``office_for`` gives, for every active
    office at once (for bulk loads): seats first, then the provinces offices also serve."""
    table: dict[tuple[int, str], int] = {}
    offices = Office.objects.filter(is_active=True).order_by("pk")
    for agency_id, province_id, office_id in offices.values_list("agency_id", "province_id", "pk"):
        table.setdefault((agency_id, province_id), office_id)
    served = Office.serves.through.objects.filter(office__is_active=True).order_by("office_id")
    for agency_id, province_id, office_id in served.values_list(
        "office__agency_id", "province_id", "office_id"
    ):
        table.setdefault((agency_id, province_id), office_id)
    return table

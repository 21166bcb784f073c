"""Where an agency handles a case: which of its offices serves a province.

The mapping is data: each office is seated in a province and may also serve others (a
regional office); the agency's administrators keep it. A province no office serves goes
to the agency's central office, which is no office at all (``None``): its members work
for the agency as a whole.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When

from agencies import permissions
from agencies.collation import in_name_order
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


def offices_kept_by(user) -> list[tuple[Agency, list[Office]]]:
    """The offices of each agency ``user`` administers, with the provinces each also
    serves, by province name."""
    agencies = Agency.objects.filter(pk__in=permissions.administered_agency_ids(user))
    served = Prefetch("serves", queryset=in_name_order(Province.objects.all()))
    return [
        (
            agency,
            list(
                in_name_order(Office.objects.filter(agency=agency))
                .select_related("province")
                .prefetch_related(served)
            ),
        )
        for agency in agencies
    ]


def office_kept_by(user, pk: int) -> Office | None:
    """The office ``pk`` if ``user`` administers its agency; None otherwise."""
    return (
        Office.objects.filter(pk=pk, agency__in=permissions.administered_agency_ids(user))
        .select_related("agency", "province")
        .first()
    )


@transaction.atomic
def update_office(form, by) -> Office:
    """Save an office from its valid form: its contacts, whether it works, and the provinces
    it also serves, from then on the routing of new cases and referrals (``office_for``).
    ``by`` must administer its agency."""
    office = form.instance
    if not permissions.administers(by, office.agency_id):
        raise PermissionDenied
    return form.save()

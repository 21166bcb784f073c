"""1111's lists of values (complaint types, states, organisations, provinces), copied into
``ValueMapping`` rows that an administrator maps, in the admin, to our help categories,
case statuses, agencies and provinces.

Each value is added once (its code) and its name kept up to date; what an administrator
mapped is never changed, and a value 1111 dropped is kept (old complaints still name it).
A new value whose name is plainly one of ours (a province, a category, an agency of that
Thai name) comes mapped already; the administrator may change it.
"""

from dataclasses import dataclass

from django.db import transaction

from agencies.models import Agency
from integrations import services
from integrations.gcc1111 import soap
from integrations.gcc1111.complaints import category_for
from integrations.models import Connection, Exchange, System, ValueMapping
from integrations.places import place

Kind = ValueMapping.Kind
# Each list: the operation of ListOfValues.asmx, and the names its JSON gives the code and
# the name of a value (the first found of each).
LISTS = {
    Kind.CATEGORY: ("GetCaseType", ("type_id", "id"), ("type_name", "name")),
    Kind.STATUS: ("GetCaseStatus", ("status_id", "id"), ("status_name", "name")),
    Kind.AGENCY: (
        "GetOrganization",
        ("org_id", "organization_id", "id"),
        ("org_name", "organization_name", "name"),
    ),
    Kind.PROVINCE: ("GetProvinces", ("province_id", "id"), ("province_name", "name")),
}


@dataclass
class Synced:
    """What one list brought: values added, names changed, values read."""

    added: int = 0
    renamed: int = 0
    read: int = 0


def _first(item: dict, names: tuple[str, ...]) -> str:
    for name in names:
        if item.get(name) not in (None, ""):
            return str(item[name]).strip()
    return ""


def _obvious(kind: str, label: str) -> dict:
    """The target a value of this name plainly is, for a new row; nothing if unsure."""
    if kind == Kind.PROVINCE:
        found = place(System.GCC_1111, label).province
        return {"province": found} if found else {}
    if kind == Kind.CATEGORY:
        found = category_for(label)
        return {"category": found} if found else {}
    if kind == Kind.AGENCY:
        found = Agency.objects.filter(name_th=label).first()
        return {"agency": found} if found else {}
    return {}


def sync_lists(connection: Connection) -> dict[str, Synced]:
    """Read every list from 1111 and save its values; each list logged on the
    supervisors' page. Raises soap.CoreServiceError (logged) when a list cannot be read;
    the lists read before it are kept."""
    synced = {}
    with soap.CoreService(connection) as service:
        for kind, (operation, codes, labels) in LISTS.items():
            try:
                values = service.values(operation)
            except soap.CoreServiceError as error:
                services.log(connection, Exchange.Direction.IN, operation, error=str(error))
                raise
            synced[kind] = _save(kind, values, codes, labels)
            services.log(connection, Exchange.Direction.IN, operation)
    return synced


@transaction.atomic
def _save(kind: str, values: list[dict], codes, labels) -> Synced:
    result = Synced()
    known = {
        row.code: row
        for row in ValueMapping.objects.filter(system=System.GCC_1111, kind=kind).only(
            "pk", "code", "label"
        )
    }
    for item in values:
        code, label = _first(item, codes)[:100], _first(item, labels)[:300]
        if not code:
            continue
        result.read += 1
        row = known.get(code)
        if row is None:
            known[code] = ValueMapping.objects.create(
                system=System.GCC_1111, kind=kind, code=code, label=label, **_obvious(kind, label)
            )
            result.added += 1
        elif label and row.label != label:
            ValueMapping.objects.filter(pk=row.pk).update(label=label)
            row.label = label
            result.renamed += 1
    return result

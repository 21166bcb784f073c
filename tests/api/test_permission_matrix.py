"""The API's permission matrix: every kind of caller against every endpoint and action.

The policy is that of agencies/permissions.py, written here as tables rather than read
from the module, so that a change of the rule shows as a failing cell:

- an agency's system (a key) acts for its agency like the agency's coordinators: it sees
  the cases its agency is involved in (restricted ones only with ``can_see_restricted``);
  with ``can_write`` it triages, transfers, asks, refers, resolves and closes the cases
  its agency leads, adds notes and files to every case it sees (as the agency's staff
  do), accepts, declines and completes the referrals to its agency, and accepts or
  returns the lead of a case offered to it; it proposes nothing (proposals wait for a
  person's approval); assigning,
  reopening and restricting stay with people; a read-only key reads only; a revoked or
  expired key is no key (401);
- staff work through the API as on the pages (tests/referrals/test_permissions.py): the
  supervisors and CCEOs decline and transfer at once, the officers propose
  (``propose_decline``, ``propose_transfer``: an officer's ``decline`` or ``transfer`` is
  refused with 403, never turned into a proposal silently);
  agency administrators and inspectors work no cases, and the API is not theirs (403);
- a case the caller may not see answers 404, an action beyond the role 403, and every
  refusal is ``{"code", "message", "fields"}`` and changes nothing.

Cells: Y (done: 200, 201 for a new case; for a list, the case is in it), no (a list
without the case), or the status of the refusal. Each case is built through the services,
in the status its column needs, so that only permission decides: led by MOL (unpaid
wages), referred to MOPH (pending, or accepted for the "accepted" key), and assigned to
the caller in the "assigned" row (to nobody otherwise). "resolve", "close" and "reopen"
need the referral completed first; accept and reject need a new case, which one reaches
with its referral only by a transfer (here from MOJ, which led it before). Where the case
is read, the person's data in it (``citizen``, ``description``) is there exactly when the
permission module lets the caller read it. In the changes feed's table, Y and no say
whether the case's events are served.
"""

import time
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.test import APIClient

from agencies import permissions
from agencies.models import Role
from agencies.permissions import Action
from api import actions as api_actions
from api.authentication import caller_for
from referrals import actions, services
from referrals.models import Case, CaseEvent, CaseStatus, Referral, ReferralStatus
from tests.api.helpers import NEW_CASE, api_key, key_client, staff_client
from tests.factories import InspectorFactory
from tests.matrix import matrix_rows
from tests.referrals.factories import (
    agency,
    case_in,
    fresh,
    office,
    staff,
    submit,
    transfer_accepted,
)
from tests.referrals.test_page_permissions import png

pytestmark = pytest.mark.django_db

Y, NO = "Y", "no"
CODES = {
    "401": "not_authenticated",
    "403": "permission_denied",
    "404": "not_found",
    "409": "not_allowed_now",
}
REFERRED, UNINVOLVED, ELSEWHERE = "MOPH", "MOE", "MOI"


@dataclass(frozen=True)
class Kind:
    """The case of a table: its help category and the agency that leads it."""

    category: str
    lead: str


OPEN = Kind("unpaid-wages", "MOL")
RESTRICTED = Kind("domestic-violence", "MSDHS")
# A case reaches "new" with a referral only by a transfer: from MOJ, which led it before.
FORMER = Kind("legal-aid", "MOJ")

READS = """
Reading, and recording a new case: the case led by MOL, referred to MOPH.
                           list detail events files referrals provinces create
lead key                    Y     Y      Y     Y      Y         Y        Y
lead key restricted         Y     Y      Y     Y      Y         Y        Y
lead key read-only          Y     Y      Y     Y      Y         Y       403
referred key                Y     Y      Y     Y      Y         Y        Y
referred key accepted       Y     Y      Y     Y      Y         Y        Y
uninvolved key              no   404    404   404     no        Y        Y
revoked key                401   401    401   401    401       401      401
expired key                401   401    401   401    401       401      401
lead intake officer         Y     Y      Y     Y      Y         Y        Y
lead case officer assigned  Y     Y      Y     Y      Y         Y       403
lead case officer           Y     Y      Y     Y      Y         Y       403
lead supervisor             Y     Y      Y     Y      Y         Y        Y
lead cceo                   Y     Y      Y     Y      Y         Y        Y
lead agency admin          403   403    403   403    403       403      403
referred intake officer     Y     Y      Y     Y      Y         Y        Y
referred case officer       Y     Y      Y     Y      Y         Y       403
referred supervisor         Y     Y      Y     Y      Y         Y        Y
referred cceo               Y     Y      Y     Y      Y         Y        Y
referred agency admin      403   403    403   403    403       403      403
uninvolved intake officer   no   404    404   404     no        Y        Y
uninvolved case officer     no   404    404   404     no        Y       403
uninvolved supervisor       no   404    404   404     no        Y        Y
uninvolved cceo             no   404    404   404     no        Y        Y
uninvolved agency admin    403   403    403   403    403       403      403
inspector                  403   403    403   403    403       403      403
no credentials             401   401    401   401    401       401      401
"""

TRIAGE = """
Triage and the lead agency's work (POST /api/v1/cases/{reference}/{action}/).
                           accept reject duplicate classify transfer propose assign ask answer take
lead key                       Y     Y     Y     Y     Y   403   403     Y     Y   403
lead key restricted            Y     Y     Y     Y     Y   403   403     Y     Y   403
lead key read-only           403   403   403   403   403   403   403   403   403   403
referred key                 403   403   403   403   403   403   403   403   403   403
referred key accepted        403   403   403   403   403   403   403   403   403   403
uninvolved key               404   404   404   404   404   404   404   404   404   404
revoked key                  401   401   401   401   401   401   401   401   401   401
expired key                  401   401   401   401   401   401   401   401   401   401
lead intake officer            Y     Y     Y     Y   403     Y   403     Y     Y     Y
lead case officer assigned   403   403   403   403   403   403   403     Y     Y   409
lead case officer            403   403   403   403   403   403   403   403   403     Y
lead supervisor                Y     Y     Y     Y     Y   403     Y     Y     Y     Y
lead cceo                      Y     Y     Y     Y     Y   403     Y     Y     Y     Y
lead agency admin            403   403   403   403   403   403   403   403   403   403
referred intake officer      403   403   403   403   403   403   403   403   403   403
referred case officer        403   403   403   403   403   403   403   403   403   403
referred supervisor          403   403   403   403   403   403   403   403   403   403
referred cceo                403   403   403   403   403   403   403   403   403   403
referred agency admin        403   403   403   403   403   403   403   403   403   403
uninvolved intake officer    404   404   404   404   404   404   404   404   404   404
uninvolved case officer      404   404   404   404   404   404   404   404   404   404
uninvolved supervisor        404   404   404   404   404   404   404   404   404   404
uninvolved cceo              404   404   404   404   404   404   404   404   404   404
uninvolved agency admin      403   403   403   403   403   403   403   403   403   403
inspector                    403   403   403   403   403   403   403   403   403   403
no credentials               401   401   401   401   401   401   401   401   401   401
"""

# Notes and files: a key that may write adds them to every case its agency is involved in,
# as the staff of every involved agency do.
WORK = """
Referring, resolving, closing, reopening, restricting, notes and files.
                           refer resolve close reopen restrict note attach office ref-pass_office
lead key                     Y      Y      Y    403     403     Y     Y       Y              403
lead key restricted          Y      Y      Y    403     403     Y     Y       Y              403
lead key read-only          403    403    403   403     403    403   403     403              403
referred key                403    403    403   403     403     Y     Y     403                Y
referred key accepted       403    403    403   403     403     Y     Y     403                Y
uninvolved key              404    404    404   404     404    404   404     404              404
revoked key                 401    401    401   401     401    401   401     401              401
expired key                 401    401    401   401     401    401   401     401              401
lead intake officer          Y      Y      Y    403     403     Y     Y       Y              403
lead case officer assigned   Y      Y      Y    403     403     Y     Y     403              403
lead case officer           403    403    403   403     403     Y     Y     403              403
lead supervisor              Y      Y      Y     Y       Y      Y     Y       Y              403
lead cceo                    Y      Y      Y     Y       Y      Y     Y       Y              403
lead agency admin           403    403    403   403     403    403   403     403              403
referred intake officer     403    403    403   403     403     Y     Y     403                Y
referred case officer       403    403    403   403     403     Y     Y     403              403
referred supervisor         403    403    403   403     403     Y     Y     403                Y
referred cceo               403    403    403   403     403     Y     Y     403                Y
referred agency admin       403    403    403   403     403    403   403     403              403
uninvolved intake officer   404    404    404   404     404    404   404     404              404
uninvolved case officer     404    404    404   404     404    404   404     404              404
uninvolved supervisor       404    404    404   404     404    404   404     404              404
uninvolved cceo             404    404    404   404     404    404   404     404              404
uninvolved agency admin     403    403    403   403     403    403   403     403              403
inspector                   403    403    403   403     403    403   403     403              403
no credentials              401    401    401   401     401    401   401     401              401
"""

REFERRALS = """
The referral to MOPH (POST /api/v1/referrals/{id}/{action}/).
                           ref-accept ref-decline ref-propose_decline ref-complete ref-cancel
lead key                           403        403        403        403          Y
lead key restricted                403        403        403        403          Y
lead key read-only                 403        403        403        403        403
referred key                         Y          Y        403          Y        403
referred key accepted                Y          Y        403          Y        403
uninvolved key                     404        404        404        404        404
revoked key                        401        401        401        401        401
expired key                        401        401        401        401        401
lead intake officer                403        403        403        403          Y
lead case officer assigned         403        403        403        403          Y
lead case officer                  403        403        403        403        403
lead supervisor                    403        403        403        403          Y
lead cceo                          403        403        403        403          Y
lead agency admin                  403        403        403        403        403
referred intake officer              Y        403          Y          Y        403
referred case officer                Y        403          Y          Y        403
referred supervisor                  Y          Y        403          Y        403
referred cceo                        Y          Y        403          Y        403
referred agency admin              403        403        403        403        403
uninvolved intake officer          404        404        404        404        404
uninvolved case officer            404        404        404        404        404
uninvolved supervisor              404        404        404        404        404
uninvolved cceo                    404        404        404        404        404
uninvolved agency admin            403        403        403        403        403
inspector                          403        403        403        403        403
no credentials                     401        401        401        401        401
"""

# The case's lead offered by MOL to MOPH, the "referred" agency here (it helps as well).
TRANSFERS = """
The lead offered to MOPH (POST /api/v1/cases/{reference}/accept_transfer/, return_transfer/).
                           accept-transfer return-transfer
lead key                         403            403
lead key restricted              403            403
lead key read-only               403            403
referred key                      Y              Y
referred key accepted             Y              Y
uninvolved key                   404            404
revoked key                      401            401
expired key                      401            401
lead intake officer              403            403
lead case officer assigned       403            403
lead case officer                403            403
lead supervisor                  403            403
lead cceo                        403            403
lead agency admin                403            403
referred intake officer           Y              Y
referred case officer            403            403
referred supervisor               Y              Y
referred cceo                     Y              Y
referred agency admin            403            403
uninvolved intake officer        404            404
uninvolved case officer          404            404
uninvolved supervisor            404            404
uninvolved cceo                  404            404
uninvolved agency admin          403            403
inspector                        403            403
no credentials                   401            401
"""

RESTRICTED_CASE = """
A restricted case (domestic violence) led by MSDHS, referred to MOPH.
                             list detail events files referrals note refer ref-accept
lead key                      no   404    404   404     no     404   404     404
lead key restricted           Y     Y      Y     Y      Y       Y     Y      403
lead key read-only restricted Y     Y      Y     Y      Y      403   403     403
referred key                  no   404    404   404     no     404   404     404
referred key restricted       Y     Y      Y     Y      Y       Y    403      Y
lead intake officer           no   404    404   404     no     404   404     404
lead case officer assigned    Y     Y      Y     Y      Y       Y     Y      403
lead case officer             no   404    404   404     no     404   404     404
lead supervisor               Y     Y      Y     Y      Y       Y     Y      403
lead cceo                     Y     Y      Y     Y      Y       Y     Y      403
referred intake officer       no   404    404   404     no     404   404     404
referred case officer         no   404    404   404     no     404   404     404
referred supervisor           Y     Y      Y     Y      Y       Y    403      Y
referred cceo                 Y     Y      Y     Y      Y       Y    403      Y
uninvolved supervisor         no   404    404   404     no     404   404     404
"""

# The changes feed (GET /api/v1/events/): whether the case's events are served.
FEED = """
The changes feed, on an open case (MOL, referred to MOPH) and a restricted one (MSDHS).
                              open restricted
lead key                        Y      no
lead key restricted             Y       Y
lead key read-only              Y      no
lead key read-only restricted   Y       Y
referred key                    Y      no
referred key accepted           Y      no
referred key restricted         Y       Y
uninvolved key                  no     no
revoked key                    401     401
expired key                    401     401
lead intake officer             Y      no
lead case officer assigned      Y       Y
lead case officer               Y      no
lead supervisor                 Y       Y
lead cceo                       Y       Y
lead agency admin              403     403
referred intake officer         Y      no
referred case officer           Y      no
referred supervisor             Y       Y
referred cceo                   Y       Y
referred agency admin          403     403
uninvolved intake officer       no     no
uninvolved case officer         no     no
uninvolved supervisor           no     no
uninvolved cceo                 no     no
uninvolved agency admin        403     403
inspector                      403     403
no credentials                 401     401
"""


# --- Callers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """A caller of a row: ``where`` is lead, referred, uninvolved, revoked, expired,
    inspector or nobody; a key (with its scopes) or a member of staff (with a role)."""

    where: str
    key: bool = False
    role: str = ""
    assigned: bool = False
    read_only: bool = False
    restricted: bool = False
    accepted: bool = False
    label: str = ""

    @classmethod
    def called(cls, words: list[str]) -> "Who":
        label = " ".join(words)
        if label in ("inspector", "no credentials"):
            return cls(words[0], label=label)
        if words[1] == "key":
            flags = set(words[2:])
            return cls(
                words[0],
                key=True,
                read_only="read-only" in flags,
                restricted="restricted" in flags,
                accepted="accepted" in flags,
                label=label,
            )
        assigned = words[-1] == "assigned"
        role = Role("_".join(words[1 : -1 if assigned else None]))
        return cls(words[0], role=role, assigned=assigned, label=label)

    def __str__(self):
        return self.label

    def agency_code(self, kind: Kind) -> str:
        return {"referred": REFERRED, "uninvolved": UNINVOLVED}.get(self.where, kind.lead)


@dataclass
class Caller:
    """The caller made for a row: what the permission module asks (a user or a
    ``SystemCaller``, None without credentials) and a client speaking as them."""

    who: Who
    client: APIClient
    principal: object = None
    user: object = None  # the member of staff, for the "assigned" row


def make_caller(who: Who, kind: Kind) -> Caller:
    if who.where == "no":
        return Caller(who, APIClient())
    if who.where == "inspector":
        user = InspectorFactory().user
        return Caller(who, staff_client(user), user, user)
    if who.key:
        row, raw = api_key(
            who.agency_code(kind),
            write=not who.read_only,
            restricted=who.restricted,
            revoked=who.where == "revoked",
            expired=who.where == "expired",
        )
        return Caller(who, key_client(raw), caller_for(row))
    user = staff(who.agency_code(kind), who.role)
    return Caller(who, staff_client(user), user, user)


# --- Cases -----------------------------------------------------------------------------


@dataclass
class Scene:
    kind: Kind
    case: Case
    referral: Referral
    boss: object  # a supervisor of the lead agency


def build(kind: Kind, status: str, referral_status: str, officer=None) -> Scene:
    """A case of ``kind`` in ``status``, referred to MOPH (the referral in
    ``referral_status``), and assigned to ``officer`` (a case officer of the lead agency)
    if one is given."""
    first = FORMER if status == CaseStatus.NEW else kind
    first_boss = staff(first.lead, Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, category=first.category, by=first_boss)
    [referral] = services.refer_case(case, first_boss, {agency(REFERRED): "ขอให้ช่วยเยียวยา"})
    if referral_status in (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED):
        helper = staff(REFERRED, Role.SUPERVISOR)
        services.accept_referral(referral, helper)
        if referral_status == ReferralStatus.COMPLETED:
            services.complete_referral(referral, helper, "ตรวจสุขภาพแล้ว")
    boss = first_boss
    if status == CaseStatus.NEW:
        boss = staff(kind.lead, Role.SUPERVISOR)
        transfer_accepted(case, first_boss, kind.lead, "เป็นเรื่องค่าจ้าง", taker=boss)
    if officer is not None:
        services.assign_case(case, boss, officer)
    if status == CaseStatus.WAITING_CITIZEN:
        services.request_information(case, boss, "ขอสำเนาสัญญาจ้าง")
    elif status == CaseStatus.RESOLVED:
        services.resolve_case(case, boss, "นายจ้างจ่ายค่าจ้างครบแล้ว")
    case, referral = fresh(case), fresh(referral)
    assert (case.status, referral.status) == (status, referral_status)
    return Scene(kind, case, referral, boss)


# --- Columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One endpoint or action: the case's status and the referral's (None: the row's) it
    needs, and the request, made from the scene before anything is counted."""

    request: object  # (scene, caller) -> (method, path, data, format)
    status: str = CaseStatus.IN_PROGRESS
    referral: str | None = None
    kind: str = "write"  # "list", "read", "write", "create" or "reference"
    attachment: bool = False
    offered: bool = False  # the lead offered to MOPH first


def case_path(scene, tail=""):
    return f"/api/v1/cases/{scene.case.reference}/{tail}"


def case_action(name, body=lambda scene: {}, versioned=True):
    def request(scene, caller):
        data = body(scene)
        if versioned:
            data["version"] = scene.case.version
        return "post", case_path(scene, f"{name}/"), data, "json"

    return request


def referral_action(name, body=lambda scene: {}):
    def request(scene, caller):
        data = {**body(scene), "version": scene.referral.version}
        return "post", f"/api/v1/referrals/{scene.referral.pk}/{name}/", data, "json"

    return request


def get(path):
    return lambda scene, caller: ("get", path(scene), None, None)


def create(scene, caller):
    # Staff record what a person told them by phone; a system sends on its own channel.
    channel = {} if caller.who.key else {"channel": "phone"}
    return "post", "/api/v1/cases/", {**NEW_CASE, **channel}, "json"


def original(scene):
    earlier, _secret = submit(scene.kind.category)
    return {"original": earlier.reference}


def officer(scene):
    return {"officer": staff(scene.kind.lead, Role.CASE_OFFICER).username}


REASON = {"reason": "เหตุผลที่บันทึกไว้"}
COLUMNS = {
    "list": Column(get(lambda s: "/api/v1/cases/?page_size=200"), kind="list"),
    "detail": Column(get(case_path), kind="read"),
    "events": Column(get(lambda s: case_path(s, "events/")), kind="read"),
    "files": Column(get(lambda s: case_path(s, "files/")), kind="read", attachment=True),
    "referrals": Column(get(lambda s: "/api/v1/referrals/?page_size=200"), kind="list"),
    "provinces": Column(get(lambda s: "/api/v1/provinces/"), kind="reference"),
    "create": Column(create, kind="create"),
    "accept": Column(case_action("accept"), status=CaseStatus.NEW),
    "reject": Column(case_action("reject", lambda s: {**REASON}), status=CaseStatus.NEW),
    "duplicate": Column(case_action("mark_duplicate", original)),
    "classify": Column(
        case_action("classify", lambda s: {"category": s.case.category.code, "priority": "urgent"})
    ),
    "transfer": Column(case_action("transfer", lambda s: {**REASON, "to_agency": ELSEWHERE})),
    "office": Column(
        case_action("pass_office", lambda s: {**REASON, "office": office(s.kind.lead, "50").pk})
    ),
    "propose": Column(
        case_action("propose_transfer", lambda s: {**REASON, "to_agency": ELSEWHERE})
    ),
    "accept-transfer": Column(case_action("accept_transfer", versioned=False), offered=True),
    "return-transfer": Column(
        case_action("return_transfer", lambda s: {**REASON}, versioned=False), offered=True
    ),
    "assign": Column(case_action("assign", officer)),
    "take": Column(case_action("take")),
    "ask": Column(case_action("request_information", lambda s: {"text": "ขอสลิปเงินเดือน"})),
    "answer": Column(
        case_action("receive_information", lambda s: {"text": "ส่งสลิปแล้ว"}),
        status=CaseStatus.WAITING_CITIZEN,
    ),
    "refer": Column(
        case_action("refer", lambda s: {**REASON, "to_agencies": [ELSEWHERE]}),
    ),
    "resolve": Column(
        case_action("resolve", lambda s: {"answer": "ได้รับค่าจ้างแล้ว"}),
        referral=ReferralStatus.COMPLETED,
    ),
    "close": Column(
        case_action("close"), status=CaseStatus.RESOLVED, referral=ReferralStatus.COMPLETED
    ),
    "reopen": Column(
        case_action("reopen", lambda s: {**REASON}),
        status=CaseStatus.RESOLVED,
        referral=ReferralStatus.COMPLETED,
    ),
    "restrict": Column(case_action("restrict", lambda s: {**REASON, "restricted": True})),
    "note": Column(case_action("note", lambda s: {"text": "โทรคุยแล้ว"}, versioned=False)),
    "attach": Column(
        lambda scene, caller: ("post", case_path(scene, "attach/"), {"file": png()}, "multipart")
    ),
    "ref-accept": Column(referral_action("accept"), referral=ReferralStatus.PENDING),
    "ref-decline": Column(
        referral_action("decline", lambda s: {**REASON}), referral=ReferralStatus.PENDING
    ),
    "ref-complete": Column(
        referral_action("complete", lambda s: {"outcome": "ตรวจสุขภาพแล้ว"}),
        referral=ReferralStatus.ACCEPTED,
    ),
    "ref-cancel": Column(
        referral_action("cancel", lambda s: {**REASON}), referral=ReferralStatus.PENDING
    ),
    "ref-pass_office": Column(
        referral_action("pass_office", lambda s: {**REASON, "office": office(REFERRED, "50").pk}),
        referral=ReferralStatus.PENDING,
    ),
    "ref-propose_decline": Column(
        referral_action("propose_decline", lambda s: {**REASON}), referral=ReferralStatus.PENDING
    ),
}
CASE_COLUMNS = {
    "accept": "accept",
    "reject": "reject",
    "duplicate": "mark_duplicate",
    "classify": "classify",
    "transfer": "transfer",
    "office": "pass_office",
    "propose": "propose_transfer",
    "assign": "assign",
    "take": "take",
    "ask": "request_information",
    "answer": "receive_information",
    "refer": "refer",
    "resolve": "resolve",
    "close": "close",
    "reopen": "reopen",
    "restrict": "restrict",
    "note": "note",
    "attach": "attach",
}
REFERRAL_COLUMNS = {f"ref-{name}": name for name in actions.REFERRAL}
TRANSFER_COLUMNS = {"accept-transfer": "accept_transfer", "return-transfer": "return_transfer"}


def rows(table: str):
    return matrix_rows(table, Who.called)


def snapshot(scene: Scene) -> tuple:
    """What a refused request must leave as it was: the case, its referral, the timelines
    and the number of cases."""
    state = Referral.objects.filter(pk=scene.referral.pk).values_list(
        "version",
        "status",
        "case__version",
        "case__status",
        "case__lead_agency_id",
        "case__assigned_to_id",
        "case__is_restricted",
    )
    return (*state.get(), CaseEvent.objects.count(), Case.objects.count())


def listed(response, scene: Scene, column: str) -> list:
    results = response.json()["results"]
    if column == "referrals":
        return [item for item in results if item["id"] == scene.referral.pk]
    return [item for item in results if item["reference"] == scene.case.reference]


def citizen_of(case: Case) -> dict:
    return {
        "name": case.citizen_name,
        "phone": case.citizen_phone,
        "email": case.citizen_email,
        "safe_channel": case.safe_channel,
        "safe_hours": case.safe_hours,
        "no_message": case.no_message,
        "in_danger_now": case.in_danger_now,
    }


def check_personal_data(item: dict, caller: Caller, scene: Scene) -> None:
    """The person's data is there exactly for those the permission module lets read it."""
    allowed = permissions.can(caller.principal, Action.VIEW_PERSONAL_DATA, fresh(scene.case))
    assert (item["citizen"] is not None) is allowed
    # The safe word is in the detail alone (whose reading is recorded).
    shown = item["citizen"] and {k: v for k, v in item["citizen"].items() if k != "safe_word"}
    assert shown == (citizen_of(scene.case) if allowed else None)
    assert item["description"] == (scene.case.description if allowed else None)


def attempt(kind: Kind, who: Who, name: str, expected: str, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    column = COLUMNS[name]
    caller = make_caller(who, kind)
    referral_status = column.referral or (
        ReferralStatus.ACCEPTED if who.accepted else ReferralStatus.PENDING
    )
    scene = build(kind, column.status, referral_status, caller.user if who.assigned else None)
    if column.attachment:
        services.add_attachment(scene.case, scene.boss, png())
    if column.offered:
        services.transfer_case(scene.case, scene.boss, agency(REFERRED), "เป็นเรื่องสุขภาพ")
        scene.case = fresh(scene.case)
    method, path, data, form = column.request(scene, caller)
    before = snapshot(scene)

    response = getattr(caller.client, method)(path, data, format=form)

    body = response.json()
    if expected not in (Y, NO):
        assert response.status_code == int(expected), (response.status_code, body)
        assert body["code"] == CODES[expected]
        assert body["message"]
        assert body["fields"] == {}
        assert snapshot(scene) == before
        assert scene.case.citizen_name not in response.content.decode()
        return
    assert response.status_code == (201 if column.kind == "create" else 200), body
    if column.kind == "list":
        found = listed(response, scene, name)
        assert len(found) == (1 if expected == Y else 0)
        if found and name == "list":
            check_personal_data(found[0], caller, scene)
    elif name == "detail":
        check_personal_data(body, caller, scene)
    elif name == "events":
        assert [event["case"] for event in body] == [scene.case.reference] * len(body)
        assert len(body) == CaseEvent.objects.filter(case=scene.case).count()
    elif name == "files":
        assert [item["original_name"] for item in body] == ["evidence.png"]
    elif column.kind == "reference":
        assert "10" in [province["code"] for province in body["results"]]
    elif column.kind == "create":
        assert Case.objects.count() == before[-1] + 1
        assert Case.objects.get(reference=body["reference"]).category.code == "unpaid-wages"
    else:
        assert CaseEvent.objects.count() > before[-2]
        assert snapshot(scene) != before


MATRIX = [
    ("reads", OPEN, READS),
    ("triage", OPEN, TRIAGE),
    ("work", OPEN, WORK),
    ("referrals", OPEN, REFERRALS),
    ("transfers", OPEN, TRANSFERS),
    ("restricted", RESTRICTED, RESTRICTED_CASE),
]


@pytest.mark.parametrize(
    "table",
    [table for _name, _kind, table in MATRIX] + [FEED],
    ids=[name for name, _kind, _table in MATRIX] + ["feed"],
)
def test_every_table_names_known_callers_and_columns(table):
    _title, header, *_lines = table.strip().splitlines()
    for param in rows(table):
        who = param.values[0]
        assert who.key or who.role or who.where in ("inspector", "no")
    if table is not FEED:
        assert set(header.split()) <= set(COLUMNS)


def test_the_tables_cover_every_action_of_the_registry_for_every_caller():
    headers = " ".join(t.strip().splitlines()[1] for t in (TRIAGE, WORK, REFERRALS)).split()
    assert {CASE_COLUMNS[c] for c in headers if c in CASE_COLUMNS} == (
        set(actions.CASE) - actions.STAFF_PAGES_ONLY
    )
    assert {REFERRAL_COLUMNS[c] for c in headers if c in REFERRAL_COLUMNS} == set(actions.REFERRAL)
    transfer_headers = TRANSFERS.strip().splitlines()[1].split()
    assert {TRANSFER_COLUMNS[c] for c in transfer_headers} == set(api_actions.TRANSFER_ACTIONS)
    open_rows = {str(param.values[0]) for param in rows(READS)}
    for table in (TRIAGE, WORK, REFERRALS, TRANSFERS):
        assert {str(param.values[0]) for param in rows(table)} == open_rows


def cells():
    """Every cell of the tables: the open case's four, then the restricted case."""
    for name, kind, table in MATRIX:
        for param in rows(table):
            yield pytest.param(kind, *param.values, id=f"{name}: {param.id}")


@pytest.mark.parametrize(("kind", "who", "column", "expected"), list(cells()))
def test_each_caller_gets_what_the_policy_allows(kind, who, column, expected, settings, tmp_path):
    attempt(kind, who, column, expected, settings, tmp_path)


# --- The changes feed ------------------------------------------------------------------
#
# The feed serves only events of transactions older than every one still running (see
# referrals/changes.py): events written inside a test's own transaction are never served.
# So these tests commit (transaction=True) and build every row's case in one test each.


def feed_of(client) -> tuple[int, dict]:
    """(status, the events served by case reference), reading every page."""
    served: dict[str, set[int]] = {}
    after = "0.0"
    while True:
        response = client.get("/api/v1/events/", {"after": after, "limit": 500})
        if response.status_code != 200:
            return response.status_code, response.json()
        page = response.json()
        for event in page["results"]:
            served.setdefault(event["case"], set()).add(event["id"])
        if not page["results"]:
            return 200, served
        after = page["next"]


def settled(timeout: float = 60) -> None:
    """Wait until no transaction older than the last event is still running anywhere in
    the cluster (another test's, say), so that the feed serves every event written."""
    last = CaseEvent.objects.order_by("-transaction_id").values_list("transaction_id", flat=True)
    last = last.first()
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            if cursor.fetchone()[0] > last:
                return
            assert time.monotonic() < deadline, "a transaction older than the events still runs"
            time.sleep(0.2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("kind", "column"), [(OPEN, "open"), (RESTRICTED, "restricted")], ids=["open", "restricted"]
)
def test_the_changes_feed_serves_the_events_of_the_cases_the_caller_sees(
    reference_data, kind, column
):
    scenes = []
    for who, _column, expected in (p.values for p in rows(FEED) if p.values[1] == column):
        caller = make_caller(who, kind)
        status = ReferralStatus.ACCEPTED if who.accepted else ReferralStatus.PENDING
        officer = caller.user if who.assigned else None
        scenes.append((caller, build(kind, CaseStatus.IN_PROGRESS, status, officer), expected))
    settled()

    wrong = []
    for caller, scene, expected in scenes:
        status, served = feed_of(caller.client)
        if expected not in (Y, NO):
            got = str(status)
            if got != expected or served["code"] != CODES[expected]:
                wrong.append((str(caller.who), expected, got))
            continue
        events = set(CaseEvent.objects.filter(case=scene.case).values_list("id", flat=True))
        got = served.get(scene.case.reference, set())
        outcome = Y if got == events else (NO if not got else f"{len(got)} of {len(events)}")
        if outcome != expected:
            wrong.append((str(caller.who), expected, outcome))
    assert wrong == []

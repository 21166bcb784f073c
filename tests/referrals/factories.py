"""Cases, staff and offices for referral tests, built through the real services.

    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS)                 # led by MOL (unpaid wages)
    referral = referral_in(ReferralStatus.ACCEPTED, case)  # to MOPH

Services lock and reload the case they change, so a case object held by a test goes stale:
``fresh(case)`` reads it again (a new object, without any cached permission).
"""

import threading
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from agencies.models import Agency, Office, Province, Role
from referrals import services
from referrals.models import (
    Case,
    CaseStatus,
    Category,
    Channel,
    Referral,
    ReferralStatus,
    ReplyKind,
    ReplyTemplate,
    SafeChannel,
    Transfer,
    TransferStatus,
)
from tests.factories import MembershipFactory

BANGKOK = "10"
CITIZEN = {
    "citizen_name": "สมชาย ใจดี",
    "citizen_phone": "081 234 5678",
    "description": "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอความช่วยเหลือ",
    "channel": Channel.WEB,
    # Needed for the sensitive kinds of help; harmless for the others.
    "sensitive_consent": True,
}
# Needed for the restricted kinds of help (asked of a person), and given for those alone:
# a safe way to be contacted decides which messages the person gets.
SAFE_CONTACT = {"safe_channel": SafeChannel.PHONE}


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def staff(agency_code: str, role: str = Role.CASE_OFFICER, office: Office | None = None):
    """A new user holding ``role`` in the agency (or in one of its offices)."""
    return MembershipFactory(agency=agency(agency_code), role=role, office=office).user


def office(agency_code: str, province_code: str = BANGKOK, **fields) -> Office:
    return Office.objects.create(
        agency=agency(agency_code),
        province_id=province_code,
        name_th=f"สำนักงาน {agency_code} จังหวัด {province_code}",
        name_en=f"{agency_code} office {province_code}",
        **fields,
    )


def new_case_data(category: str = "unpaid-wages", province: str = BANGKOK, **fields):
    """What a citizen submits, valid unless ``fields`` say otherwise."""
    kind = Category.objects.get(code=category)
    asked = SAFE_CONTACT if kind.is_restricted else {}
    return services.NewCase(
        category=kind,
        province=Province.objects.get(code=province),
        **{**CITIZEN, **asked, **fields},
    )


def submit(category: str = "unpaid-wages", province: str = BANGKOK, by=None, **fields):
    """A new case as the citizen (or ``by``, an intake officer) sends it: (case, secret)."""
    return services.create_case(new_case_data(category, province, **fields), by=by)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def case_in(status: str, category: str = "unpaid-wages", by=None, **fields) -> Case:
    """A case brought to ``status`` by the lead agency's supervisor (or ``by``)."""
    case, _secret = submit(category, **fields)
    by = by or staff(case.lead_agency.code, Role.SUPERVISOR)
    if status == CaseStatus.NEW:
        return fresh(case)
    if status == CaseStatus.REJECTED:
        services.reject_case(case, by, "ไม่อยู่ในขอบเขต โปรดติดต่อศาลแรงงาน")
    elif status == CaseStatus.DUPLICATE:
        original, _secret = submit(category, **fields)
        services.mark_duplicate(case, by, original)
    elif status == CaseStatus.WITHDRAWN:
        # No service withdraws a case yet (the citizen's page will): set the status alone.
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.WITHDRAWN)
    else:
        services.accept_case(case, by)
        if status == CaseStatus.WAITING_CITIZEN:
            services.request_information(case, by, "ขอสำเนาสัญญาจ้าง")
        elif status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            services.resolve_case(case, by, "นายจ้างจ่ายค่าจ้างครบแล้ว")
            if status == CaseStatus.CLOSED:
                services.close_case(case, by)
    case = fresh(case)
    assert case.status == status
    return case


def transfer_accepted(case: Case, by, to: str, reason: str = "เป็นเรื่องของหน่วยงานนี้", taker=None):
    """The lead of ``case`` passed to agency ``to``: offered by ``by`` and accepted there
    by ``taker`` (a new supervisor of ``to`` unless given). The case, read again."""
    services.transfer_case(case, by, agency(to), reason)
    offer = Transfer.objects.get(case=case, status=TransferStatus.OFFERED)
    services.accept_transfer(offer, taker or staff(to, Role.SUPERVISOR))
    return fresh(case)


def offered_transfer(case: Case) -> Transfer:
    return Transfer.objects.get(case=case, status=TransferStatus.OFFERED)


def referral_in(
    status: str, case: Case | None = None, to: str = "MOPH", by=None, helper=None
) -> Referral:
    """A referral of ``case`` (in progress) to agency ``to``, brought to ``status``.

    ``by`` refers and cancels for the lead agency; ``helper`` answers for agency ``to``.
    """
    case = case or case_in(CaseStatus.IN_PROGRESS)
    by = by or staff(case.lead_agency.code, Role.SUPERVISOR)
    [referral] = services.refer_case(case, by, {agency(to): "ขอให้ตรวจสุขภาพและเยียวยา"})
    if status == ReferralStatus.CANCELLED:
        services.cancel_referral(referral, by, "ไม่ต้องการความช่วยเหลือแล้ว")
    elif status != ReferralStatus.PENDING:
        helper = helper or staff(to, Role.SUPERVISOR)
        if status == ReferralStatus.DECLINED:
            services.decline_referral(referral, helper, "ไม่มีบริการนี้ในพื้นที่")
        else:
            services.accept_referral(referral, helper)
            if status == ReferralStatus.COMPLETED:
                services.complete_referral(referral, helper, "ตรวจสุขภาพแล้ว")
    referral = fresh(referral)
    assert referral.status == status
    return referral


def reply_template(
    agency_code: str,
    kind: str = ReplyKind.REQUEST_INFORMATION,
    category: str | None = None,
    *,
    title: str = "ขอสำเนาสัญญาจ้าง",
    body: str = "เรื่อง {reference}: โปรดส่งสำเนาสัญญาจ้างให้{agency}",
    by=None,
    archived: bool = False,
) -> ReplyTemplate:
    """A ready-made reply of the agency, written by one of its administrators (or ``by``);
    for one kind of help (a category code), or for any."""
    by = by or staff(agency_code, Role.AGENCY_ADMIN)
    template = services.create_reply_template(
        agency(agency_code),
        by,
        kind=kind,
        title=title,
        body=body,
        category=Category.objects.get(code=category) if category else None,
    )
    if archived:
        template = services.archive_reply_template(template, by)
    return template


def resolved_days_ago(case: Case, days: float) -> Case:
    """Move a resolved case's resolution into the past (time is not otherwise controllable)."""
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - timedelta(days=days))
    return fresh(case)


def at_once(*actions) -> list:
    """Run the actions in threads released together: what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            connection.ensure_connection()  # connect first, so that the race is the work
            # Sixteen connections on a busy two-core machine can take longer than ten
            # seconds to open: the barrier waits for them rather than break the race.
            barrier.wait(timeout=50)
            outcomes[index] = action()
        except Exception as error:  # the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def intake_post(kind: str = "online-fraud", **changes) -> dict:
    """What an intake officer sends on the intake form for a caller: a request of ``kind``
    by phone in Bangkok, valid unless ``changes`` say otherwise."""
    data = {
        "channel": "phone",
        "category": Category.objects.get(code=kind).pk,
        "description": "ถูกหลอกให้โอนเงินผ่านแอปพลิเคชันปลอม",
        "citizen_name": "ประยูร แก้วมณี",
        "citizen_phone": "089-555-0101",
        "citizen_email": "",
        "national_id": "",
        "province": "10",
        "district": "",
        "subdistrict": "",
        "priority": "normal",
    }
    return {**data, **changes}

"""What the agencies do on a complaint 1111 forwarded goes back to it: each step as an
AddOperating, in Thai, with the organisation the case is passed to; the outcome as
SetOrgSummaryResult. A step that does not go (1111 down, an organisation not mapped) is
logged and tried again; a connection without the service's address is told nothing."""

import pytest
from django.utils import timezone, translation

from agencies.models import Role
from integrations import services
from integrations.gcc1111 import poller
from integrations.models import Exchange, ExternalCase, System, ValueMapping
from referrals import services as workflow
from referrals.models import Channel, Notification
from referrals.notifications import deliver
from tests.integrations.soap_double import complaint
from tests.referrals.factories import agency, fresh, new_case_data, staff

pytestmark = pytest.mark.django_db

S = Notification.Status


def received(soap_link, double, number="6712-000401"):
    """The case a complaint of the double became, with its link."""
    double.cases = [complaint(number)]
    poller.poll(soap_link)
    return ExternalCase.objects.select_related("case").get(external_id=number)


def outgoing(case):
    return list(
        Notification.objects.filter(case=case, channel=Notification.Channel.EXCHANGE).order_by("pk")
    )


def send_all(case) -> list[bool]:
    return [deliver(row.pk) for row in outgoing(case) if row.status == S.PENDING]


def map_agency(code: str, org: str):
    ValueMapping.objects.create(
        system=System.GCC_1111, kind=ValueMapping.Kind.AGENCY, code=org, agency=agency(code)
    )


def test_each_step_goes_to_1111_in_thai_with_the_organisation_it_passes_to(soap_link, double):
    link = received(soap_link, double)
    case = link.case
    map_agency("MOPH", "120")
    supervisor = staff("MOL", Role.SUPERVISOR)

    workflow.accept_case(case, supervisor)
    workflow.refer_case(fresh(case), supervisor, {agency("MOPH"): "ขอให้ตรวจสุขภาพ"})
    workflow.add_note(fresh(case), supervisor, "บันทึกภายใน ไม่ส่งออก")
    workflow.add_note(fresh(case), supervisor, "โทรแจ้งผู้ร้องแล้ว", public=True)
    with translation.override("en"):  # the worker's language is not 1111's
        assert send_all(case) == [True, True, True]

    sent = double.operations
    assert [op["case_id"] for op in sent] == [link.service_id] * 3
    assert [op["terminal_org_id"] for op in sent] == ["110", "120", "110"]
    assert [op["type_id"] for op in sent] == ["14", "14", "14"]
    accepted, referred, note = (op["detail"] for op in sent)
    assert accepted == "หน่วยงานรับคำขอ"
    assert referred.startswith("ส่งต่อไปยังหน่วยงาน\n")
    assert "กระทรวงสาธารณสุข" in referred and referred.endswith("ขอให้ตรวจสุขภาพ")
    assert note.endswith("โทรแจ้งผู้ร้องแล้ว")
    assert fresh(link).hops == 1  # the referral forwarded the case
    assert double.tokens == set()  # each token given back
    assert Exchange.objects.filter(connection=soap_link, direction="out", ok=True).count() == 3


def test_a_resolved_case_sends_its_answer_as_the_outcome_before_the_step(soap_link, double):
    link = received(soap_link, double)
    supervisor = staff("MOL", Role.SUPERVISOR)
    workflow.accept_case(link.case, supervisor)
    workflow.resolve_case(fresh(link.case), supervisor, "นายจ้างจ่ายค่าจ้างครบแล้ว")

    assert send_all(link.case) == [True, True]

    (summary,) = double.summaries
    assert summary == {
        "token_id": summary["token_id"],
        "case_id": link.service_id,
        "status_id": "1",
        "result": "นายจ้างจ่ายค่าจ้างครบแล้ว",
    }
    writes = ("SetOrgSummaryResult", "AddOperating")
    order = [name for name, _params in double.calls if name in writes]
    assert order == ["AddOperating", "SetOrgSummaryResult", "AddOperating"]
    assert double.operations[-1]["detail"].startswith("ดำเนินการเสร็จแล้ว")
    assert fresh(link).state_out == "1"


def test_a_complaint_out_of_scope_is_reported_as_not_taken_with_the_reason(soap_link, double):
    link = received(soap_link, double)
    workflow.reject_case(link.case, staff("MOL", Role.SUPERVISOR), "ไม่อยู่ในอำนาจ ติดต่อศาลแรงงาน")

    assert send_all(link.case) == [True]

    assert double.summaries[0]["status_id"] == "3"
    assert double.summaries[0]["result"] == "ไม่อยู่ในอำนาจ ติดต่อศาลแรงงาน"
    assert double.operations[0]["type_id"] == "15"


def test_an_organisation_not_mapped_is_a_failure_that_names_it_and_is_tried_again(
    soap_link, double
):
    link = received(soap_link, double)
    supervisor = staff("MOL", Role.SUPERVISOR)
    workflow.accept_case(link.case, supervisor)
    send_all(link.case)
    workflow.refer_case(fresh(link.case), supervisor, {agency("RTP"): "ขอให้ตำรวจช่วย"})

    assert send_all(link.case) == [False]

    failure = Exchange.objects.get(connection=soap_link, ok=False)
    assert "Unmapped" in failure.detail and "สำนักงานตำรวจแห่งชาติ" in failure.detail
    (row,) = [r for r in outgoing(link.case) if r.status != S.SENT]
    assert row.status == S.PENDING and row.next_attempt_at is not None
    assert len(double.operations) == 1  # nothing went for the referral

    map_agency("RTP", "130")
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert deliver(row.pk)
    assert double.operations[-1]["terminal_org_id"] == "130"


@pytest.mark.parametrize(
    ("mode", "reason"), [("500", "HTTP 500"), ("timeout", "no answer within 2 s")]
)
def test_a_step_1111_does_not_take_is_logged_and_goes_on_the_next_try(
    soap_link, double, mode, reason
):
    link = received(soap_link, double)
    workflow.accept_case(link.case, staff("MOL", Role.SUPERVISOR))
    double.fail(mode, "AddOperating")

    assert send_all(link.case) == [False]

    failure = Exchange.objects.get(connection=soap_link, ok=False)
    assert failure.operation == "AddOperating" and reason in failure.detail
    (row,) = outgoing(link.case)
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert deliver(row.pk)
    assert fresh(row).status == S.SENT


def test_an_expired_token_is_replaced_and_the_step_sent_once(soap_link, double):
    link = received(soap_link, double)
    workflow.accept_case(link.case, staff("MOL", Role.SUPERVISOR))
    double.fail("expire", "AddOperating")

    assert send_all(link.case) == [True]

    assert len(double.called("GetToken")) == 2 + 1  # the poll's, the push's and its new one
    assert len(double.operations) == 1


def test_a_connection_of_files_only_is_told_nothing(connect, double):
    files_only = connect(System.GCC_1111)  # no address of the service
    data = new_case_data(channel=Channel.HOTLINE_1111)
    link = services.receive_case(files_only, "6712-000409", data).link
    supervisor = staff("MOL", Role.SUPERVISOR)

    workflow.accept_case(link.case, supervisor)
    workflow.add_note(fresh(link.case), supervisor, "แจ้งผู้ร้องแล้ว", public=True)

    assert outgoing(link.case) == []
    assert double.calls == []


def test_what_1111_itself_wrote_is_not_sent_back_to_it(soap_link, double):
    link = received(soap_link, double)
    workflow.add_note(link.case, services.caller(fresh(soap_link)), "1111 แจ้งเพิ่ม", public=True)

    assert outgoing(link.case) == []

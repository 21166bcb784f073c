"""What the agencies do on a case that came from Traffy Fondue goes back there through its
exchange API (a real server on loopback, the real httpx client): states, public messages,
a referral as an invitation to share the issue. An expired token is renewed once; a
Traffy that is slow, down or answering nonsense leaves the step in the outbox, logged."""

import pytest

from agencies.models import Role
from agencies.permissions import CitizenAccess
from integrations import services
from integrations.models import Exchange, System, ValueMapping
from integrations.traffy.client import TraffyClient, TraffyError
from referrals import services as workflow
from referrals.models import Channel, Notification
from referrals.notifications import deliver
from tests.referrals.factories import agency, fresh, new_case_data, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(traffy):
    """A case of the Ministry of Labour that came from Traffy issue 2026-LINKED."""
    data = new_case_data(channel=Channel.TRAFFY)
    return services.receive_case(traffy.connection, "2026-LINKED", data, "รอรับเรื่อง").link


def rows_for_traffy(case):
    return list(
        Notification.objects.filter(
            case=case, channel=Notification.Channel.EXCHANGE, recipient__startswith="traffy:"
        ).order_by("pk")
    )


def send_all(case) -> list[bool]:
    return [deliver(row.pk) for row in rows_for_traffy(case)]


def test_accepting_the_case_puts_the_issue_in_progress_with_our_reference(traffy, linked):
    workflow.accept_case(linked.case, staff("MOL", Role.SUPERVISOR))

    assert send_all(linked.case) == [True]
    (auth,) = traffy.called("get-auth")
    assert auth["body"] == {"user": "mol-exchange", "pass": "s3cret"}
    (update,) = traffy.called("update-issue")
    assert update["method"] == "PATCH"
    assert update["headers"]["authorization"].startswith("Bearer ")
    body = update["body"]
    assert body["ticket_id"] == "2026-LINKED"
    assert body["client_ticket_id"] == linked.case.reference
    assert body["state_name"] == "กำลังดำเนินการ"
    assert body["note"] == "กระทรวงแรงงาน รับคำขอของคุณแล้ว"
    assert fresh(linked).state_out == "กำลังดำเนินการ"
    assert Exchange.objects.filter(operation="update-issue", ok=True).count() == 1


def test_a_public_note_is_a_comment_and_an_internal_one_stays_here(traffy, linked):
    officer = staff("MOL", Role.SUPERVISOR)
    workflow.add_note(linked.case, officer, "เจ้าหน้าที่จะลงพื้นที่พรุ่งนี้", public=True)
    workflow.add_note(linked.case, officer, "ผู้ร้องเคยร้องเรียนเรื่องนี้แล้ว")

    assert send_all(linked.case) == [True]
    (comment,) = traffy.called("comment")
    assert comment["body"]["comment"].endswith(": เจ้าหน้าที่จะลงพื้นที่พรุ่งนี้")
    assert comment["body"]["comment_type"] == "chat"


def test_a_referral_invites_the_other_agencys_organisation_and_counts_a_hop(traffy, linked):
    ValueMapping.objects.create(
        system=System.TRAFFY, kind=ValueMapping.Kind.AGENCY, code="1302", agency=agency("MOPH")
    )
    case = workflow.accept_case(linked.case, staff("MOL", Role.SUPERVISOR))
    workflow.refer_case(case, staff("MOL", Role.SUPERVISOR), {agency("MOPH"): "ขอให้ตรวจสุขภาพ"})

    assert send_all(case) == [True, True]
    (invitation,) = traffy.called("join-forward")
    assert invitation["body"]["destination_group"] == [1302]
    assert invitation["body"]["scenario"] == 1
    assert "ขอให้ตรวจสุขภาพ" in invitation["body"]["note"]
    assert fresh(linked).hops == 1


def test_a_referral_to_an_agency_without_a_traffy_organisation_fails_with_the_reason(
    traffy, linked
):
    case = workflow.accept_case(linked.case, staff("MOL", Role.SUPERVISOR))
    workflow.refer_case(case, staff("MOL", Role.SUPERVISOR), {agency("MOPH"): "ขอให้ตรวจสุขภาพ"})

    assert send_all(case) == [True, False]
    failure = Exchange.objects.get(ok=False)
    assert failure.operation == "join-forward"
    assert "no Traffy Fondue organisation is set for the agency MOPH" in failure.detail


@pytest.mark.parametrize("status", [200, 401], ids=["said in the body", "HTTP 401"])
def test_an_expired_token_is_renewed_once_and_the_call_made_again(traffy, linked, status):
    traffy.expired_status = status
    officer = staff("MOL", Role.SUPERVISOR)
    workflow.add_note(linked.case, officer, "รับทราบแล้ว", public=True)
    send_all(linked.case)
    traffy.expire_tokens()

    workflow.accept_case(linked.case, officer)
    assert send_all(linked.case)[-1] is True

    assert len(traffy.called("get-auth")) == 2
    assert len(traffy.called("update-issue")) == 2  # refused once, then taken
    assert not Exchange.objects.filter(ok=False).exists()


def test_a_token_refused_again_after_renewal_is_a_failure(traffy, linked):
    with TraffyClient(traffy.connection) as client:
        client.get_issues()
        traffy.tokens.clear()
        traffy.user = "someone-else"  # the renewal is refused too
        with pytest.raises(TraffyError, match="Invalid user or pass"):
            client.get_issues()
    assert len(traffy.called("get-auth")) == 2


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [
        ({"slow": 1.0}, "no answer within 0.5 s"),
        ({"failing": 503}, "HTTP 503"),
        ({"malformed": True}, "not Traffy's JSON"),
    ],
    ids=["timeout", "5xx", "malformed"],
)
def test_a_traffy_that_does_not_answer_well_leaves_the_step_waiting(
    traffy, linked, trouble, reason
):
    for name, value in trouble.items():
        setattr(traffy, name, value)
    workflow.accept_case(linked.case, staff("MOL", Role.SUPERVISOR))

    (row,) = rows_for_traffy(linked.case)
    assert deliver(row.pk) is False
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and row.attempts == 1
    failure = Exchange.objects.get(ok=False)
    assert reason in failure.detail
    assert fresh(linked).state_out == ""


def test_a_warning_printed_before_the_json_does_not_spoil_the_answer(traffy, linked):
    traffy.warning = b'<br />\n<b>Warning</b>: Undefined array key "org_id"<br />\n'
    traffy.issues["2026-LINKED"] = {"ticket_id": "2026-LINKED", "star": 4}
    with TraffyClient(traffy.connection) as client:
        assert client.get_issue("2026-LINKED")["star"] == 4
        assert [i["ticket_id"] for i in client.get_issues(duration="3days")] == ["2026-LINKED"]
    assert traffy.called("get-issues")[0]["query"] == {"duration": "3days"}


def test_a_refusal_by_traffy_is_a_failure_with_its_message(traffy):
    with TraffyClient(traffy.connection) as client, pytest.raises(TraffyError) as refused:
        client.get_issue("2026-NOWHERE")
    assert str(refused.value) == "get-issue/v2: fail ticket not found"


def test_resolving_finishes_the_issue_and_a_rating_given_here_goes_as_stars(traffy, linked):
    officer = staff("MOL", Role.SUPERVISOR)
    case = workflow.accept_case(linked.case, officer)
    case = workflow.resolve_case(case, officer, "ได้รับค่าจ้างที่ค้างครบแล้ว")
    workflow.rate_case(case, CitizenAccess(case.pk), 4, 5, 5)

    assert send_all(case) == [True, True, True]
    finished = traffy.called("update-issue")[-1]["body"]
    assert finished["state_name"] == "เสร็จสิ้น"
    assert finished["note"].endswith(": ได้รับค่าจ้างที่ค้างครบแล้ว")
    (star,) = traffy.called("star")
    assert star["body"] == {
        "ticket_id": "2026-LINKED",
        "client_ticket_id": case.reference,
        "star": 5,
    }

"""What happens to a linked issue on Traffy Fondue comes back by webhook: a change of
state (PATCH), a message, the reporter's star rating. It is noted on the case in the name
of the connection's key, and never sent back to Traffy (the loop guard)."""

import pytest
from django.urls import reverse

from agencies.models import Role
from integrations import services
from integrations.models import Exchange
from referrals import services as workflow
from referrals.models import Channel, EventKind, Notification, Rating
from referrals.notifications import deliver
from tests.helpers import signed_in
from tests.integrations.traffy_double import call_webhook, thai
from tests.referrals.factories import fresh, new_case_data, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(traffy):
    """A case of the Ministry of Labour from Traffy issue 2026-MRFY4M."""
    data = new_case_data(channel=Channel.TRAFFY)
    return services.receive_case(traffy.connection, "2026-MRFY4M", data, "รอรับเรื่อง").link


def state_change(status="เสร็จสิ้น", note="ได้ทำการแก้ไขเรียบร้อยแล้วครับ", **changes):
    """The status-update webhook's body as docs/webhooks.md gives it."""
    return {
        "timestamp": "2026-08-31 11:30:00.000000",
        "ticket_id": "2026-MRFY4M",
        "org": "สำนักงานเขตจตุจักร",
        "status": status,
        "note": note,
        "photo": [],
        **changes,
    }


def message(event="chat", **changes):
    """The chat/comment webhook's body as docs/webhooks.md gives it."""
    return {
        "event": event,
        "message_comment_id": 2115334,
        "message_id": 2040189,
        "ticket_id": "2026-MRFY4M",
        "comment": "ยังไม่มีใครมาซ่อมเลยค่ะ",
        "timestamp": "2026-09-17 15:13:57.662001",
        "sender_org_id": None,
        "sender_org": None,
        "sender_user_id": 4006,
        "sender_username": "ผู้แจ้ง",
        **changes,
    }


def going_to(case, system):
    return Notification.objects.filter(
        case=case, channel=Notification.Channel.EXCHANGE, recipient__startswith=f"{system}:"
    )


def test_a_change_of_state_there_is_noted_here_and_not_sent_back(client, traffy, linked):
    answer = call_webhook(client, traffy.connection, state_change(), method="patch")

    assert answer.status_code == 200 and answer.json() == {"status": "done"}
    (news,) = linked.case.events.filter(kind=EventKind.OUTSIDE_NEWS)
    assert news.message == "ได้ทำการแก้ไขเรียบร้อยแล้วครับ"
    assert news.payload["state"] == "เสร็จสิ้น" and news.payload["sender"] == "สำนักงานเขตจตุจักร"
    assert not news.is_public
    assert news.actor_key_id == fresh(traffy.connection).key_id
    assert fresh(linked).state_in == "เสร็จสิ้น"
    assert not going_to(linked.case, "traffy").exists()
    workflow.add_note(linked.case, staff("MOL", Role.SUPERVISOR), "ส่งทีมไปตรวจแล้ว", public=True)
    assert going_to(linked.case, "traffy").count() == 1  # the agency's own step does go


def test_the_same_change_twice_is_noted_once(client, traffy, linked):
    for _ in range(2):
        call_webhook(client, traffy.connection, state_change(), method="patch")
    again = call_webhook(client, traffy.connection, state_change(), method="patch")

    assert again.json() == {"status": "duplicate"}
    assert linked.case.events.filter(kind=EventKind.OUTSIDE_NEWS).count() == 1


def test_the_echo_of_a_state_we_sent_is_not_noted_again(client, traffy, linked):
    workflow.accept_case(linked.case, staff("MOL", Role.SUPERVISOR))
    for row in going_to(linked.case, "traffy"):
        deliver(row.pk)
    echo = state_change(status="กำลังดำเนินการ", note="กระทรวงแรงงาน รับคำขอของคุณแล้ว")

    answer = call_webhook(client, traffy.connection, echo, method="patch")

    assert answer.json() == {"status": "ignored"}
    assert not linked.case.events.filter(kind=EventKind.OUTSIDE_NEWS).exists()


def test_a_change_for_an_issue_that_is_not_a_case_here_answers_404(client, traffy, linked):
    answer = call_webhook(
        client, traffy.connection, state_change(ticket_id="2026-ZZZZZZ"), method="patch"
    )
    assert answer.status_code == 404
    assert answer.json()["message"] == thai("This Traffy Fondue issue is not a case here.")


def test_a_change_without_its_state_is_refused(client, traffy, linked):
    answer = call_webhook(client, traffy.connection, state_change(status=""), method="patch")
    assert answer.status_code == 400 and "status" in answer.json()["errors"]
    assert not linked.case.events.filter(kind=EventKind.OUTSIDE_NEWS).exists()


def test_the_reporters_message_is_noted_and_our_own_coming_back_is_not(client, traffy, linked):
    theirs = call_webhook(client, traffy.connection, message())
    ours = call_webhook(
        client,
        traffy.connection,
        message(message_comment_id=2115335, sender_org_id=151, comment="รับทราบครับ"),
    )

    assert theirs.json() == {"status": "done"} and ours.json() == {"status": "ignored"}
    (news,) = linked.case.events.filter(kind=EventKind.OUTSIDE_NEWS)
    assert news.message == "ยังไม่มีใครมาซ่อมเลยค่ะ"
    assert news.payload["sender"] == thai("the reporter")
    assert not going_to(linked.case, "traffy").exists()


def test_the_reporters_stars_become_the_cases_rating_and_do_not_go_back(client, traffy, linked):
    answer = call_webhook(client, traffy.connection, message("rating", comment="ดีมาก", star=4))

    assert answer.json() == {"status": "done"}
    rating = Rating.objects.get(case=linked.case)
    assert (rating.satisfaction, rating.usefulness, rating.clarity) == (4, None, None)
    assert rating.comment == "ดีมาก"
    rated = linked.case.events.get(kind=EventKind.RATED)
    assert rated.is_public and rated.by_citizen and rated.payload["system"] == "Traffy Fondue"
    assert not going_to(linked.case, "traffy").exists()


def test_stars_not_in_the_call_are_read_from_the_issue(client, traffy, linked):
    traffy.issues["2026-MRFY4M"] = {"ticket_id": "2026-MRFY4M", "star": 2, "status": "เสร็จสิ้น"}

    call_webhook(client, traffy.connection, message("rating", comment=""))

    assert Rating.objects.get(case=linked.case).satisfaction == 2
    assert traffy.called("get-issue")[0]["query"] == {"ticket_id": "2026-MRFY4M"}


def test_a_second_rating_changes_nothing(client, traffy, linked):
    call_webhook(client, traffy.connection, message("rating", star=4))
    second = call_webhook(
        client, traffy.connection, message("rating", message_comment_id=9, star=1)
    )

    assert second.json() == {"status": "ignored"}
    assert Rating.objects.get(case=linked.case).satisfaction == 4


@pytest.mark.parametrize("stars", [0, 6, "many"], ids=str)
def test_stars_out_of_one_to_five_are_refused(client, traffy, linked, stars):
    answer = call_webhook(client, traffy.connection, message("rating", star=stars))

    assert answer.status_code == 400 and "star" in answer.json()["errors"]
    assert not Rating.objects.exists()
    assert Exchange.objects.get(ok=False).operation == "message"


def test_the_agency_sees_the_traffy_rating_on_the_case_page(client, traffy, linked):
    call_webhook(client, traffy.connection, message("rating", star=4))
    signed_in(client, staff("MOL", Role.SUPERVISOR), language="en")

    page = client.get(reverse("staff:case", args=[linked.case.reference]))

    assert "Satisfaction 4/5 (rated on another system, which asks this score alone)" in (
        page.content.decode()
    )

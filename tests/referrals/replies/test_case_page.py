"""Ready-made replies on the staff case page, through HTTP: above the boxes of a note, a
request for information, a resolution and the help given on a referral, the replies the
person may insert there, filled in for the case; without JavaScript, ``?reply=<id>`` opens
the page again with the box filled."""

import html
import re

import pytest
from django.urls import reverse

from agencies.models import Role
from referrals.models import CaseStatus, ReferralStatus, ReplyKind
from tests.referrals.factories import case_in, referral_in, reply_template, staff

pytestmark = pytest.mark.django_db


def case_url(case):
    return reverse("staff:case", args=[case.reference])


def page_of(client, user, case, query=None):
    client.force_login(user)
    response = client.get(case_url(case), query or {})
    assert response.status_code == 200
    return response.text


def opened(client, user, case, action, query=None):
    """The form of a folded action, as htmx gets it when the person opens it."""
    client.force_login(user)
    url = reverse("staff:case_action_form", args=[case.reference, action])
    response = client.get(url, query or {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.text


def offered(text, prefix) -> list[tuple[str, str]]:
    """(title, text it inserts) of each reply offered above the form ``prefix``'s box."""
    select = re.search(rf'<select id="reply-{prefix}-choice"[^>]*>(.*?)</select>', text, re.S)
    if select is None:
        return []
    return [
        (html.unescape(title), html.unescape(inserted))
        for inserted, title in re.findall(r'data-text="([^"]*)">([^<]*)</option>', select[1])
    ]


def box(text, box_id) -> str | None:
    """What the text box ``box_id`` holds when the page opens (None: no such box drawn)."""
    found = re.search(rf'<textarea[^>]*id="{box_id}"[^>]*>(.*?)</textarea>', text, re.S)
    return None if found is None else html.unescape(found[1]).strip("\n")


@pytest.fixture
def case():
    return case_in(CaseStatus.IN_PROGRESS, "unpaid-wages", citizen_name="สมชาย ใจดี")  # MOL


@pytest.fixture
def replies():
    """MOL's replies of each kind, and some that this case must not offer."""
    return {
        "note": reply_template(
            "MOL", ReplyKind.PUBLIC_NOTE, title="แจ้งความคืบหน้า", body="เรียน คุณ{citizen_name}"
        ),
        "question": reply_template(
            "MOL",
            ReplyKind.REQUEST_INFORMATION,
            "unpaid-wages",
            title="ขอสลิปเงินเดือน",
            body="เรื่อง {reference}: โปรดส่งสลิปเงินเดือน",
        ),
        "outcome": reply_template(
            "MOL", ReplyKind.OUTCOME, title="ได้รับค่าจ้างครบ", body="{agency}ติดตามให้แล้ว"
        ),
        "other kind of help": reply_template(
            "MOL", ReplyKind.REQUEST_INFORMATION, "finding-work", title="ขอประวัติการทำงาน"
        ),
        "archived": reply_template("MOL", ReplyKind.PUBLIC_NOTE, title="แบบเก่า", archived=True),
        "another agency's": reply_template("MOJ", ReplyKind.PUBLIC_NOTE, title="ของยุติธรรม"),
    }


def test_each_box_offers_its_kind_of_replies_filled_in_for_the_case(client, case, replies):
    supervisor = staff("MOL", Role.SUPERVISOR)
    text = page_of(client, supervisor, case)
    # The folded forms come with their pickers when they are opened.
    note = opened(client, supervisor, case, "note")
    question = opened(client, supervisor, case, "request_information")

    assert offered(note, "note") == [("แจ้งความคืบหน้า", "เรียน คุณสมชาย ใจดี")]
    assert offered(question, "request_information") == [
        ("ขอสลิปเงินเดือน", f"เรื่อง {case.reference}: โปรดส่งสลิปเงินเดือน")
    ]
    assert offered(text, "resolve") == [("ได้รับค่าจ้างครบ", "กระทรวงแรงงานติดตามให้แล้ว")]
    assert offered(text, "note") == offered(text, "request_information") == []  # folded
    assert offered(opened(client, supervisor, case, "restrict"), "restrict") == []
    # Each picker sits just above its box, and belongs to its own small GET form.
    for part, prefix, field in [
        (note, "note", "text"),
        (question, "request_information", "text"),
        (text, "resolve", "answer"),
    ]:
        assert part.index(f'id="reply-{prefix}-choice"') < part.index(f'id="id_{prefix}-{field}"')
        assert f'<form id="reply-{prefix}" method="get" action="#id_{prefix}-{field}"' in part
        assert f'name="for" value="{prefix}"' in part


def test_a_referred_agency_reports_the_help_given_with_its_own_replies(client, case):
    referral = referral_in(ReferralStatus.ACCEPTED, case, to="MOPH")
    reply_template("MOPH", ReplyKind.OUTCOME, title="ตรวจสุขภาพแล้ว", body="ตรวจแล้ว")
    reply_template("MOL", ReplyKind.OUTCOME, title="ของกระทรวงแรงงาน")

    text = page_of(client, staff("MOPH", Role.CASE_OFFICER), case)

    assert offered(text, f"r{referral.pk}-complete") == [("ตรวจสุขภาพแล้ว", "ตรวจแล้ว")]
    assert offered(text, "note") == []  # MOPH has no note for the citizen


def test_nothing_is_offered_without_replies(client, case):
    text = page_of(client, staff("MOL", Role.SUPERVISOR), case)
    assert "reply-note" not in text and 'name="reply"' not in text


@pytest.mark.parametrize(
    ("reply", "prefix", "field"),
    [
        ("question", "request_information", "text"),
        ("outcome", "resolve", "answer"),
        ("note", "note", "text"),
    ],
)
def test_without_javascript_the_page_opens_with_the_box_filled(
    client, case, replies, reply, prefix, field
):
    template = replies[reply]

    text = page_of(
        client, staff("MOL", Role.SUPERVISOR), case, {"reply": template.pk, "for": prefix}
    )

    assert box(text, f"id_{prefix}-{field}") == template.filled_for(case)
    # The other folded box is not drawn; the leading one (resolve) is, empty.
    others = {"note": "text", "request_information": "text"}
    assert [box(text, f"id_{name}-{one}") for name, one in others.items() if name != prefix] == [
        None
    ] * (len(others) - (prefix in others))
    assert prefix == "resolve" or box(text, "id_resolve-answer") == ""
    public = re.search(r'<input[^>]*id="id_note-public"[^>]*>', text)
    # A reply to the citizen is shown to them.
    assert (public is not None and "checked" in public[0]) is (prefix == "note")


def test_a_referral_box_is_filled_too(client, case):
    referral = referral_in(ReferralStatus.ACCEPTED, case, to="MOPH")
    template = reply_template("MOPH", ReplyKind.OUTCOME, body="ตรวจสุขภาพแล้ว เรื่อง {reference}")
    prefix = f"r{referral.pk}-complete"

    text = page_of(
        client, staff("MOPH", Role.CASE_OFFICER), case, {"reply": template.pk, "for": prefix}
    )

    assert box(text, f"id_{prefix}-outcome") == f"ตรวจสุขภาพแล้ว เรื่อง {case.reference}"


@pytest.mark.parametrize(
    ("reply", "prefix"),
    [
        ("archived", "note"),
        ("another agency's", "note"),
        ("other kind of help", "request_information"),
        ("question", "note"),  # a request for information is not a note
        ("question", "reject"),
        ("not a number", "note"),
    ],
)
def test_a_reply_not_offered_there_fills_nothing(client, case, replies, reply, prefix):
    pk = replies[reply].pk if reply in replies else reply

    text = page_of(client, staff("MOL", Role.SUPERVISOR), case, {"reply": pk, "for": prefix})

    # The form asked for is drawn with its box empty; the other folded one is not drawn.
    assert box(text, "id_note-text") == ("" if prefix == "note" else None)
    assert box(text, "id_request_information-text") == (
        "" if prefix == "request_information" else None
    )


def test_what_a_reply_holds_is_shown_as_text_never_as_markup(client):
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages", citizen_name='<img src=x onerror="1">')
    reply_template(
        "MOL",
        ReplyKind.PUBLIC_NOTE,
        title='<b>"ด่วน"</b>',
        body='"><script>alert(1)</script> {citizen_name}',
    )

    text = page_of(client, staff("MOL", Role.SUPERVISOR), case, {"for": "note"})

    assert "<script>alert(1)" not in text and '<img src=x onerror="1">' not in text
    assert "<b>" not in text.split('id="reply-note-choice"')[1].split("</select>")[0]
    assert offered(text, "note") == [
        ('<b>"ด่วน"</b>', '"><script>alert(1)</script> <img src=x onerror="1">')
    ]


def test_the_case_page_costs_the_same_for_two_replies_as_for_twelve(
    client, case, django_assert_max_num_queries
):
    supervisor = staff("MOL", Role.SUPERVISOR)
    admin = staff("MOL", Role.AGENCY_ADMIN)
    # The page with the note's form open (as a reply's "Insert" without JavaScript asks
    # for it): signing in (what two-factor sign-in asks of the person, too), then the page,
    # with one query each for a transfer offered, the proposals awaiting approval and
    # whether the agency has another office to pass the case to.
    with django_assert_max_num_queries(45) as none:
        page_of(client, supervisor, case, {"for": "note"})
    kinds = [ReplyKind.PUBLIC_NOTE, ReplyKind.OUTCOME]
    for kind in kinds:
        reply_template("MOL", kind, title=f"{kind}", by=admin)
    with django_assert_max_num_queries(len(none.captured_queries) + 1) as few:
        page_of(client, supervisor, case, {"for": "note"})
    for number in range(10):
        kinds.append(list(ReplyKind)[number % 3])
        reply_template("MOL", kinds[-1], "unpaid-wages", title=f"{kinds[-1]} {number}", by=admin)
    with django_assert_max_num_queries(len(few.captured_queries)):
        text = page_of(client, supervisor, case, {"for": "note"})
    # The replies of the two boxes drawn: the note's and the resolution's.
    shown = [kind for kind in kinds if kind in (ReplyKind.PUBLIC_NOTE, ReplyKind.OUTCOME)]
    assert text.count("data-text=") == len(shown) >= 8

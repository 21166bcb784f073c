"""Every step of a request is told to the citizen: by email (a confirmed address) and by
SMS, once per step, in the request's language, naming the agency the step concerns; and
the tracking page shows the same steps, what the citizen sent and whom to call."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import news, notifications, services, sms
from referrals.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    LineLink,
    Notification,
    Referral,
)
from referrals.services import escalation
from referrals.services.cases import tell_citizen
from tests.referrals.factories import agency, fresh, office, staff, submit, transfer_accepted
from tests.referrals.public_helpers import (
    case_url,
    find,
    find_all,
    isolate,
    page,
    png,
    text,
    tracked,
)

pytestmark = pytest.mark.django_db

EMAIL = "somchai@example.org"
MOBILE = "0812345678"
C = Notification.Channel


@pytest.fixture(autouse=True)
def email_outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


@pytest.fixture
def media(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


def citizen_case(language="th", category="unpaid-wages", **fields) -> Case:
    """A request whose citizen chose email (confirmed) and SMS, in ``language``."""
    with translation.override(language):
        case, _secret = submit(
            category,
            citizen_email=EMAIL,
            citizen_phone=MOBILE,
            notify_sms=True,
            language=language,
            **fields,
        )
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())
    return fresh(case)


def deliver_all() -> None:
    """Send every message waiting for a citizen (email and SMS)."""
    waiting = Notification.objects.filter(
        user=None, channel__in=[C.EMAIL, C.SMS], status=Notification.Status.PENDING
    )
    for pk in waiting.values_list("pk", flat=True):
        notifications.deliver(pk)


def sent_after(step, case) -> tuple[list, list]:
    """The emails, and the SMS (each part as the phone receives it), that the citizen gets
    for ``step`` alone."""
    deliver_all()
    mail.outbox.clear()
    sms.outbox.clear()
    step(case)
    deliver_all()
    return list(mail.outbox), texts_sent()


def texts_sent() -> list[tuple[str, str]]:
    return [(sent["to"], sent["text"]) for sent in sms.outbox]


def lead(case):
    return staff(fresh(case).lead_agency.code, Role.SUPERVISOR)


# --- The steps, each from the state before it -------------------------------------------


def accept(case):
    services.accept_case(fresh(case), lead(case))


def refer(case):
    services.refer_case(fresh(case), lead(case), {agency("MOPH"): "ขอให้ตรวจสุขภาพผู้ร้อง"})


def referral_of(case) -> Referral:
    return Referral.objects.get(case=case)


def accept_referral(case):
    services.accept_referral(referral_of(case), staff("MOPH", Role.SUPERVISOR))


def complete_referral(case):
    services.complete_referral(referral_of(case), staff("MOPH", Role.SUPERVISOR), "ตรวจแล้ว")


def transfer(case):
    transfer_accepted(fresh(case), lead(case), "MOPH", "เรื่องสุขภาพเป็นหลัก")


def join(case):
    original, _secret = submit()
    services.mark_duplicate(fresh(case), lead(case), original)
    case.original = original.reference


def ask(case):
    services.request_information(fresh(case), lead(case), "ขอสำเนาสัญญาจ้าง")


def resolve(case):
    services.resolve_case(fresh(case), lead(case), "นายจ้างจ่ายค่าจ้างครบแล้ว")


def reject(case):
    services.reject_case(fresh(case), lead(case), "ไม่อยู่ในขอบเขต กรุณาติดต่อศาลแรงงาน")


def sweep_later(case):
    escalation.sweep(now=timezone.now() + timedelta(days=60))


def erasure_asked(case):
    services.confirm_close(fresh(case), CitizenAccess(case.pk))
    services.request_erasure(fresh(case), CitizenAccess(case.pk), "ไม่ต้องการให้เก็บข้อมูล")


def decide_erasure(approve: bool):
    def decide(case):
        case = fresh(case)
        erasure = case.erasure_requests.get(status="pending")
        role = Role.SUPERVISOR if case.is_restricted else Role.AGENCY_ADMIN
        admin = staff(case.lead_agency.code, role)
        services.decide_erasure(erasure, admin, approve, "" if approve else "ต้องเก็บตามกฎหมาย")

    return decide


BEFORE = {
    "accepted": [],
    "referred": [accept],
    "referral accepted": [accept, refer],
    "referral completed": [accept, refer, accept_referral],
    "transferred": [accept],
    "joined": [],
    "information asked": [accept],
    "resolved": [accept],
    "rejected": [],
    "closed automatically": [accept, resolve],
    "erasure refused": [accept, resolve, erasure_asked],
    "erasure approved": [accept, resolve, erasure_asked],
}
STEP = {
    "accepted": accept,
    "referred": refer,
    "referral accepted": accept_referral,
    "referral completed": complete_referral,
    "transferred": transfer,
    "joined": join,
    "information asked": ask,
    "resolved": resolve,
    "rejected": reject,
    "closed automatically": sweep_later,
    "erasure refused": decide_erasure(False),
    "erasure approved": decide_erasure(True),
}
# What the email says of each step, in Thai, then the news of the SMS (the agency by its
# Thai abbreviation), then the English email's words. {original}: the request joined to.
TOLD = {
    "accepted": (
        "กระทรวงแรงงาน รับคำขอของคุณแล้ว",
        "รง. รับคำขอของคุณแล้ว",
        "Ministry of Labour accepted your request",
    ),
    "referred": (
        "ประสานให้ กระทรวงสาธารณสุข ร่วมช่วยเหลือคุณแล้ว",
        "ประสานให้ สธ. ร่วมช่วยเหลือคุณแล้ว",
        "Ministry of Public Health was asked to help you",
    ),
    "referral accepted": (
        "กระทรวงสาธารณสุข ตอบรับที่จะช่วยเหลือคุณแล้ว",
        "สธ. ตอบรับที่จะช่วยเหลือคุณแล้ว",
        "Ministry of Public Health agreed to help you",
    ),
    "referral completed": (
        "กระทรวงสาธารณสุข ช่วยเหลือในส่วนของตนเสร็จแล้ว",
        "สธ. ช่วยเหลือในส่วนของตนเสร็จแล้ว",
        "Ministry of Public Health finished its part of the help",
    ),
    "transferred": (
        "ขณะนี้ กระทรวงสาธารณสุข เป็นหน่วยงานหลักที่ดูแลคำขอของคุณ",
        "ขณะนี้ สธ. เป็นหน่วยงานหลักที่ดูแลคำขอของคุณ",
        "Ministry of Public Health now leads the work on your request",
    ),
    "joined": (
        "กระทรวงแรงงาน รวมคำขอของคุณกับคำขอเลขที่ {original} เพื่อดำเนินการไปพร้อมกัน",
        "รวมกับคำขอเลขที่ {original} แล้ว",
        "Ministry of Labour joined your request to request {original}",
    ),
    "information asked": (
        "กระทรวงแรงงาน ขอข้อมูลเพิ่มเติมจากคุณ\nขอสำเนาสัญญาจ้าง",
        "รง. ขอข้อมูลเพิ่มเติมจากคุณ",
        "Ministry of Labour asks you for more information",
    ),
    "resolved": (
        "กระทรวงแรงงาน ให้ความช่วยเหลือคุณเสร็จแล้ว\nนายจ้างจ่ายค่าจ้างครบแล้ว",
        "รง. ให้ความช่วยเหลือคุณเสร็จแล้ว",
        "Ministry of Labour finished helping you",
    ),
    "rejected": (
        "กระทรวงแรงงาน แจ้งว่าคำขอของคุณอยู่นอกขอบเขตของหน่วยงาน\nไม่อยู่ในขอบเขต",
        "รง. แจ้งว่าคำขอของคุณอยู่นอกขอบเขตของหน่วยงาน",
        "Ministry of Labour found your request outside the agencies' scope",
    ),
    "closed automatically": (
        "ปิดคำขอของคุณแล้ว เนื่องจากไม่ได้รับคำตอบจากคุณภายในเวลาที่กำหนด",
        "ปิดคำขอแล้ว เพราะไม่ได้รับคำตอบจากคุณ",
        "Your request was closed, as we had no answer from you",
    ),
    "erasure refused": (
        "กระทรวงแรงงาน ไม่อนุมัติการลบข้อมูลส่วนบุคคลของคุณ\nต้องเก็บตามกฎหมาย",
        "รง. ไม่อนุมัติการลบข้อมูลส่วนบุคคลของคุณ",
        "Ministry of Labour refused to erase your personal data",
    ),
    "erasure approved": (
        "ลบข้อมูลส่วนบุคคลของคุณในคำขอนี้แล้ว",
        "ลบข้อมูลส่วนบุคคลของคุณในคำขอนี้แล้ว",
        "Your personal data in this request was erased",
    ),
}


def brought_to(name: str, language: str = "th") -> Case:
    case = citizen_case(language)
    for step in BEFORE[name]:
        step(case)
    return case


def expected(words: str, case) -> str:
    return words.format(original=getattr(case, "original", ""))


@pytest.mark.parametrize("name", list(STEP))
def test_each_step_is_told_once_by_email_and_by_sms_in_thai_naming_the_agency(name):
    case = brought_to(name)

    emails, texts = sent_after(STEP[name], case)

    by_email, by_sms, _english = TOLD[name]
    assert [email.to for email in emails] == [[EMAIL]]
    assert expected(by_email, case) in emails[0].body
    assert case.reference in emails[0].body
    # The news fits one Thai SMS; the link comes in a second one.
    [(to, first), (_to, link)] = texts
    assert to == MOBILE
    assert first == f"คำขอ {case.reference}: {expected(by_sms, case)}"
    assert link.endswith(f"/track/?reference={case.reference}")


@pytest.mark.parametrize("name", list(STEP))
def test_each_step_is_told_in_english_for_a_request_made_in_english(name):
    case = brought_to(name, "en")

    emails, texts = sent_after(STEP[name], case)

    _thai, _short, english = TOLD[name]
    assert expected(english, case) in emails[0].body
    assert emails[0].subject == f"News about your request {case.reference}"
    [(_to, message)] = texts  # one SMS of the Latin alphabet: 160 characters
    assert message.startswith(f"Request {case.reference}: ")
    assert not any("\u0e00" <= char <= "\u0e7f" for char in message)


def test_a_referral_names_the_agency_asked_and_not_the_one_asking():
    case = brought_to("referred")

    emails, texts = sent_after(refer, case)

    for words in (emails[0].body, texts[0][1], texts[1][1]):
        assert "กระทรวงแรงงาน" not in words and "รง." not in words
        assert "ขอให้ตรวจสุขภาพผู้ร้อง" not in words, "what one agency asks another stays theirs"


def test_referring_to_two_agencies_tells_of_each():
    case = brought_to("referred")

    def refer_two(case):
        services.refer_case(
            fresh(case), lead(case), {agency("MOPH"): "ตรวจสุขภาพ", agency("MOI"): "ที่พัก"}
        )

    _emails, texts = sent_after(refer_two, case)

    assert sorted(text for _to, text in texts if "คำขอ" in text) == sorted(
        [
            f"คำขอ {case.reference}: ประสานให้ สธ. ร่วมช่วยเหลือคุณแล้ว",
            f"คำขอ {case.reference}: ประสานให้ มท. ร่วมช่วยเหลือคุณแล้ว",
        ]
    )


def test_a_decline_or_a_cancellation_is_not_told():
    case = brought_to("referral accepted")

    def decline(case):
        services.decline_referral(referral_of(case), staff("MOPH", Role.SUPERVISOR), "ไม่ว่าง")

    assert sent_after(decline, case) == ([], [])


def test_telling_twice_of_one_step_tells_once():
    case = brought_to("accepted")
    accept(case)
    event = CaseEvent.objects.get(case=case, kind=EventKind.ACCEPTED)
    before = Notification.objects.filter(case=case).count()

    tell_citizen(fresh(case), event)
    tell_citizen(fresh(case), event)

    assert Notification.objects.filter(case=case).count() == before
    deliver_all()
    news_of = [text for _to, text in texts_sent() if text.startswith("คำขอ")]
    assert news_of == [f"คำขอ {case.reference}: รง. รับคำขอของคุณแล้ว"]


def test_the_sweep_run_twice_tells_the_automatic_closing_once():
    case = brought_to("closed automatically")

    _emails, texts = sent_after(sweep_later, case)
    again = sent_after(sweep_later, case)

    assert len(texts) == 2  # the news, then the link
    assert again == ([], [])


def test_the_automatic_closing_of_many_cases_is_told_to_each_citizen():
    cases = [brought_to("closed automatically") for _ in range(3)]

    _emails, texts = sent_after(sweep_later, cases[0])

    told = sorted(text.split(":")[0] for _to, text in texts if text.startswith("คำขอ"))
    assert told == sorted(f"คำขอ {case.reference}" for case in cases)


def test_an_address_not_yet_confirmed_gets_no_news():
    case = citizen_case()
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=None)

    emails, texts = sent_after(accept, case)

    assert [email.subject for email in emails] == [], "its link was sent when the case came"
    assert len(texts) == 2


# --- Restricted cases: no agency, no kind of help, no words, on any channel ---------------


def ask_erasure(case):
    services.request_erasure(fresh(case), CitizenAccess(case.pk), "ไม่ต้องการให้เก็บข้อมูล")


# Every step told, over three requests: one taken through to its erasure, one rejected,
# one joined to another.
RESTRICTED_PATHS = [
    [
        accept,
        refer,
        accept_referral,
        complete_referral,
        transfer,
        accept,
        ask,
        resolve,
        sweep_later,
        ask_erasure,
        decide_erasure(False),
        ask_erasure,
        decide_erasure(True),
    ],
    [reject],
    [join],
]


def every_restricted_message(language: str, restrict) -> list[str]:
    """Take requests made restricted by ``restrict`` through every step told, and render
    each message to the citizen on every channel: email, SMS and LINE."""
    rendered, channels, kinds, seen = [], set(), set(), set()
    for path in RESTRICTED_PATHS:
        case = restrict(citizen_case(language, notify_line=True))
        LineLink.objects.create(case=case, line_user_id="U" + "a" * 32)
        for step in path:
            step(case)
            # Rendered as each step is taken: an erasure blanks what the rows held.
            rows = Notification.objects.filter(case=case, user=None, kind="citizen_update")
            for row in rows.exclude(pk__in=seen):
                subject, body = notifications._render(row)
                rendered += [subject, body, notifications.render_text(row)]
                channels.add(row.channel)
                kinds.add(row.context.get("event_kind"))
                seen.add(row.pk)
    assert channels == {C.EMAIL, C.SMS, C.LINE}
    assert kinds >= set(news.TOLD) - {None}, "every step told is tried"
    return rendered


def secrets_of(*more) -> list[str]:
    category = Category.objects.get(code="unpaid-wages")
    words = [category.name_th, category.name_en]
    for code in ("MOL", "MOPH", "MSDHS"):
        found = agency(code)
        words += [found.name_th, found.name_en, found.short_name_th, found.code]
    return [*words, *more]


def restricted_by_staff(case):
    Case.objects.filter(pk=case.pk).update(is_restricted=True)
    return fresh(case)


@pytest.mark.parametrize("language", ["th", "en"])
def test_no_message_of_a_case_restricted_by_staff_names_an_agency_the_help_or_words(language):
    messages = every_restricted_message(language, restricted_by_staff)

    with translation.override(language):
        discreet = translation.gettext("There is news on your request %(reference)s")
    discreet = discreet.split("%")[0]
    assert all(discreet in message for message in messages)
    written = ["ขอสำเนาสัญญาจ้าง", "นายจ้างจ่ายค่าจ้างครบแล้ว", "ต้องเก็บ", "ไม่อยู่ในขอบเขต"]
    for words in secrets_of(*written):
        assert not [message for message in messages if words in message], words


def test_a_restricted_kind_of_help_on_its_safe_channel_says_only_there_is_news():
    case = citizen_case("th", category="domestic-violence", safe_channel="sms")
    services.accept_case(fresh(case), staff("MSDHS", Role.SUPERVISOR))
    deliver_all()

    news_of = [text for _to, text in texts_sent() if "/track/" not in text]
    assert news_of == [f"มีความคืบหน้าของคำขอ {case.reference}"] * 2  # received, accepted
    assert mail.outbox == [], "email is not the safe channel"


# --- The tracking page ----------------------------------------------------------------------


def test_the_page_shows_what_the_citizen_sent_with_later_files_acknowledged(client, media):
    case = citizen_case(files=[png("slip.png")])
    accept(case)
    services.add_information(
        fresh(case), CitizenAccess(case.pk), "สัญญาจ้างค่ะ", [png("contract.png")]
    )

    response = tracked(client, case).get(case_url(case))

    sent = text(find(page(response), "section", aria_labelledby="sent-heading"))
    assert "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว" in sent
    first, later = sent.split("slip.png")[1].split("contract.png")
    assert "ส่งเมื่อ" in first and "ได้รับแล้ว" not in first
    assert "ได้รับแล้ว เมื่อ" in later
    assert "ไบต์" in first or "KB" in first or "กิโลไบต์" in first


def test_the_page_gives_the_handling_office_s_phone_to_tap(client):
    office("MOL", phone="02 245 6789 ต่อ 12")
    case = citizen_case()

    response = tracked(client, case).get(case_url(case))

    helping = find(page(response), "section", aria_labelledby="agencies-heading")
    link = find(helping, "a")
    assert link.attributes and dict(link.attributes)["href"] == "tel:022456789"
    assert text(link) == "02 245 6789 ต่อ 12"
    assert "สำนักงาน MOL จังหวัด 10" in text(helping)


def test_without_an_office_phone_the_lead_agency_s_phone_is_given(client):
    mol = agency("MOL")
    mol.phone = "1506"
    mol.save()
    case = citizen_case()

    response = tracked(client, case).get(case_url(case))

    helping = find(page(response), "section", aria_labelledby="agencies-heading")
    assert dict(find(helping, "a").attributes)["href"] == "tel:1506"


# --- The timeline's lines -------------------------------------------------------------------


def timeline(client, case, language="th") -> list[str]:
    client.cookies["django_language"] = language
    response = tracked(client, case).get(case_url(case))
    lines = find(page(response), "ol", class_="timeline")
    return [text(strong) for strong in find_all(lines, "strong")]


def test_the_timeline_names_who_did_each_step(client):
    case = citizen_case()
    for step in (accept, refer, accept_referral, complete_referral, transfer):
        step(case)

    lines = timeline(client, case)

    assert lines[::-1] == [
        "คุณส่งคำขอแล้ว",
        "กระทรวงแรงงาน รับคำขอของคุณแล้ว",
        "ประสานให้ กระทรวงสาธารณสุข ร่วมช่วยเหลือคุณแล้ว",
        "กระทรวงสาธารณสุข ตอบรับที่จะช่วยเหลือคุณแล้ว",
        "กระทรวงสาธารณสุข ช่วยเหลือในส่วนของตนเสร็จแล้ว",
        "ขณะนี้ กระทรวงสาธารณสุข เป็นหน่วยงานหลักที่ดูแลคำขอของคุณ",
    ]


def test_the_timeline_in_english(client):
    case = citizen_case("en")
    for step in (accept, refer):
        step(case)

    lines = timeline(client, case, "en")

    assert lines[::-1] == [
        "You sent your request",
        "Ministry of Labour accepted your request",
        "Ministry of Public Health was asked to help you",
    ]


@pytest.mark.parametrize(
    ("channel", "thai", "english"),
    [
        (
            Channel.PHONE,
            "กระทรวงแรงงาน บันทึกคำขอจากที่คุณโทรแจ้ง",
            "Ministry of Labour recorded your request from your call",
        ),
        (
            Channel.WALK_IN,
            "กระทรวงแรงงาน บันทึกคำขอเมื่อคุณมาแจ้งด้วยตนเอง",
            "Ministry of Labour recorded your request when you came in person",
        ),
    ],
)
def test_a_request_recorded_by_an_officer_says_so_on_its_first_line(client, channel, thai, english):
    officer = staff("MOL", Role.INTAKE_OFFICER)
    case, _secret = submit(by=officer, channel=channel)

    assert timeline(client, case) == [thai]
    assert timeline(client, case, "en") == [english]


def test_a_request_recorded_by_another_agency_names_that_agency(client):
    case, _secret = submit(by=staff("MOJ", Role.INTAKE_OFFICER), channel=Channel.HOTLINE_1111)

    assert timeline(client, case) == [
        "กระทรวงยุติธรรม บันทึกคำขอที่คุณแจ้งผ่านศูนย์รับเรื่องราวร้องทุกข์ของรัฐบาล 1111"
    ]


def test_the_citizen_s_own_steps_say_you(client):
    case = citizen_case()
    accept(case)
    services.add_information(fresh(case), CitizenAccess(case.pk), "เพิ่มเติมค่ะ")
    resolve(case)
    services.confirm_close(fresh(case), CitizenAccess(case.pk))

    lines = timeline(client, case)

    assert lines[:3] == [
        "คุณยืนยันผลความช่วยเหลือและปิดคำขอแล้ว",
        "กระทรวงแรงงาน ให้ความช่วยเหลือคุณเสร็จแล้ว",
        "คุณส่งข้อมูลเพิ่มเติมแล้ว",
    ]


def test_the_message_that_data_was_erased_forgets_the_address_and_phone_once_sent():
    case = brought_to("erasure approved")

    emails, texts = sent_after(decide_erasure(True), case)

    assert emails and texts, "the citizen is told where they heard before"
    held = Notification.objects.filter(case=case).values_list("recipient", "context")
    assert [row for row in held if row[0] or row[1]] == []

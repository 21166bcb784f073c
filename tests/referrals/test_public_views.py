"""The citizens' pages over HTTP: asking for help, the limits on abuse, following a request,
acting on it, downloading one's data, and the privacy notice."""

import json
import re
import time

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import ngettext
from PIL import Image

from agencies.collation import in_name_order
from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import identity, services, throttle
from referrals.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    CategoryGroup,
    Channel,
    ErasureRequest,
    EventKind,
    PersonalDataAccess,
    PossibleDuplicate,
    Rating,
)
from referrals.public import asking, browser
from referrals.public.forms import PublicRequestForm
from tests.referrals.factories import agency, case_in, fresh, staff, submit
from tests.referrals.public_helpers import (
    BANGKOK,
    CHIANG_MAI,
    DESCRIPTION,
    EXIF_MARKER,
    REFERENCE,
    SECRET,
    alert,
    attribute,
    case_url,
    category_pk,
    district_of,
    field_errors,
    find,
    find_all,
    gone_to_tracking,
    in_thai,
    isolate,
    messages_shown,
    national_id,
    open_case,
    page,
    pdf,
    png,
    png_bytes,
    request_form,
    retry_after,
    standing_clock,
    stored_files,
    subdistrict_of,
    text,
    tracked,
)

pytestmark = pytest.mark.django_db

NEW_REQUEST = "/requests/new/"
VALID_ID = national_id("110170020345")
WRONG_ID = VALID_ID[:12] + str((int(VALID_ID[12]) + 1) % 10)
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def nothing_saved(media_root):
    return (
        Case.objects.count() == 0
        and Attachment.objects.count() == 0
        and stored_files(media_root) == []
    )


def the_form(response):
    """The request form (the page has another one, the language switcher)."""
    return find(page(response), "form", enctype="multipart/form-data")


def submitted(response) -> Case:
    assert response.status_code == 302, (response.status_code, alert(response))
    return Case.objects.get(reference=REFERENCE.search(response["Location"]).group())


# --- The request form -----------------------------------------------------------------


def test_the_form_is_in_thai_by_default_and_in_english_with_the_cookie(client):
    thai = client.get(NEW_REQUEST)
    assert thai.status_code == 200
    assert attribute(find(page(thai), "html"), "lang") == "th"
    assert text(find(page(thai), "h1")) == in_thai("Ask for help") != "Ask for help"
    assert "ค่าจ้างค้างจ่าย" in text(page(thai)) and "Unpaid wages" not in thai.text

    chosen = english(client).get(NEW_REQUEST)
    assert attribute(find(page(chosen), "html"), "lang") == "en"
    assert text(find(page(chosen), "h1")) == "Ask for help"
    assert "Unpaid wages" in text(page(chosen)) and "ค่าจ้างค้างจ่าย" not in chosen.text


def test_every_field_of_the_form_has_a_label(client):
    form = the_form(client.get(NEW_REQUEST))
    labels = {attribute(label, "for"): text(label) for label in find_all(form, "label")}
    controls = [
        control
        for tag in ("input", "select", "textarea")
        for control in find_all(form, tag)
        if attribute(control, "type") not in ("hidden", "submit")
    ]
    names = {attribute(control, "name") for control in controls}
    assert {
        "category",
        "description",
        "province",
        "district",
        "subdistrict",
        "files",
        "citizen_name",
        "citizen_phone",
        "citizen_email",
        "national_id",
        "sensitive_consent",
        "website",
    } <= names
    for control in controls:
        assert labels.get(attribute(control, "id")), attribute(control, "name")


def test_the_honeypot_is_in_the_form_but_hidden_from_people(client):
    form = the_form(client.get(NEW_REQUEST))
    [trap] = find_all(form, "div", class_="hp")
    assert attribute(trap, "aria-hidden") == "true"
    field = find(trap, "input", name="website")
    assert field is not None and attribute(field, "tabindex") == "-1"
    assert len(find_all(form, "input", name="website")) == 1


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_17_kinds_of_help_are_radios_with_their_descriptions(client, language):
    if language == "en":
        english(client)
    form = the_form(client.get(NEW_REQUEST))
    radios = find_all(form, "input", name="category")
    categories = list(Category.objects.filter(is_active=True))
    assert len(radios) == len(categories) == 17
    assert {attribute(r, "type") for r in radios} == {"radio"}
    assert {attribute(r, "value") for r in radios} == {str(c.pk) for c in categories}
    labels = {attribute(label, "for"): text(label) for label in find_all(form, "label")}
    named = {attribute(r, "value"): labels[attribute(r, "id")] for r in radios}
    described = {
        attribute(r, "value"): text(find(form, id=attribute(r, "aria-describedby"))) for r in radios
    }
    for category in categories:
        name = category.name_th if language == "th" else category.name_en
        description = category.description_th if language == "th" else category.description_en
        assert name in named[str(category.pk)]
        assert described[str(category.pk)] == " ".join(description.split())


def test_the_kinds_of_help_come_in_groups_opened_one_at_a_time_with_something_else_alone(client):
    form = the_form(client.get(NEW_REQUEST))
    groups = find_all(form, "details", class_="kind-group")
    names = [text(find(group, "summary")) for group in groups]
    assert names == list(CategoryGroup.objects.values_list("name_th", flat=True))
    assert {attribute(group, "name") for group in groups} == {"kind-groups"}
    assert not any("open" in dict(group.attributes) for group in groups)
    inside = {attribute(r, "value") for g in groups for r in find_all(g, "input", name="category")}
    assert inside == {str(c.pk) for c in Category.objects.exclude(code="other")}
    # "Something else" stays in sight, after the groups, for whoever is not sure.
    last = find_all(form, "input", name="category")[-1]
    assert attribute(last, "value") == category_pk("other")


def test_after_a_mistake_the_group_of_the_chosen_kind_comes_back_open_with_it_chosen(client):
    response = client.post(NEW_REQUEST, request_form("loan-sharks-debt", citizen_name=""))

    groups = find_all(the_form(response), "details", class_="kind-group")
    opened = [g for g in groups if "open" in dict(g.attributes)]
    assert [text(find(g, "summary")) for g in opened] == ["งาน ค่าจ้าง และหนี้สิน"]
    chosen = find(opened[0], "input", value=category_pk("loan-sharks-debt"))
    assert "checked" in dict(chosen.attributes)
    # The summary's link leads to the first kind, whatever group it is in.
    response = client.post(NEW_REQUEST, request_form(category=None))
    assert find(page(response), "a", href="#id_category_0") is not None
    assert find(the_form(response), "input", id="id_category_0") is not None


def test_choosing_a_province_without_javascript_shows_its_districts_and_saves_nothing(
    client, media
):
    response = client.post(
        NEW_REQUEST, request_form(province=CHIANG_MAI, citizen_name="", refresh="1")
    )
    assert response.status_code == 200
    shown = page(response)
    district_options = find_all(find(shown, "select", name="district"), "option")
    chiang_mai = list(in_name_order(district_of(CHIANG_MAI).province.districts.all()))
    assert [attribute(o, "value") for o in district_options[1:]] == [d.pk for d in chiang_mai]
    assert [text(o) for o in district_options[1:]] == [d.name_th for d in chiang_mai]
    assert alert(response) == "" and not find_all(shown, "ul", class_="errorlist")
    assert DESCRIPTION in text(find(shown, "textarea", name="description"))
    provinces = find_all(find(shown, "select", name="province"), "option")
    chosen = [attribute(o, "value") for o in provinces if "selected" in dict(o.attributes)]
    assert chosen == [CHIANG_MAI]
    assert nothing_saved(media)


def test_choosing_a_district_without_javascript_shows_its_subdistricts(client):
    district = district_of(CHIANG_MAI)
    response = client.post(
        NEW_REQUEST, request_form(province=CHIANG_MAI, district=district.pk, refresh="1")
    )
    assert response.status_code == 200
    options = find_all(find(page(response), "select", name="subdistrict"), "option")
    assert [attribute(o, "value") for o in options[1:]] == list(
        in_name_order(district.subdistricts.all()).values_list("code", flat=True)
    )
    assert Case.objects.count() == 0


def test_the_place_lists_for_htmx(client):
    district = district_of(CHIANG_MAI)
    districts = client.get("/places/", {"province": CHIANG_MAI})
    assert districts.status_code == 200
    assert districts.text.count("<option") == 1 + district.province.districts.count()
    assert f'value="{district.pk}"' in districts.text
    subdistricts = client.get("/places/", {"district": district.pk})
    assert subdistricts.text.count("<option") == 1 + district.subdistricts.count()
    assert client.get("/places/", {"province": "x"}).text.count("<option") == 1


# --- Sending a request ----------------------------------------------------------------


def test_a_valid_request_makes_one_case_and_shows_its_code_and_secret_to_this_browser(client):
    response = client.post(NEW_REQUEST, request_form())
    assert response.status_code == 302
    assert re.fullmatch(r"/requests/RP-\d{4}-[0-9A-Z]{6}/received/", response["Location"])
    [case] = Case.objects.all()
    assert case.channel == Channel.WEB and case.status == CaseStatus.NEW
    assert case.lead_agency == case.category.lead_agency == agency("MOL")
    assert response["Location"] == f"/requests/{case.reference}/received/"

    received = client.get(response["Location"])
    assert received.status_code == 200
    codes = [text(dd) for dd in find_all(page(received), "dd", class_="code")]
    assert codes[0] == case.reference
    assert SECRET.fullmatch(codes[1])
    assert identity.secret_hash(codes[1]) == case.secret_hash
    follow = find(page(received), "a", href=case_url(case))
    assert follow is not None and client.get(case_url(case)).status_code == 200

    assert Client().get(response["Location"]).status_code == 404


def test_the_received_page_is_shown_for_an_hour_only(client, monkeypatch):
    clock = standing_clock(monkeypatch, asking)
    answer = client.post(NEW_REQUEST, request_form())["Location"]
    clock.advance(3600 - 5)
    assert client.get(answer).status_code == 200
    clock.advance(10)
    assert client.get(answer).status_code == 404


def test_the_received_page_of_an_unknown_request_is_not_found(client):
    assert client.get("/requests/RP-2569-ZZZZZZ/received/").status_code == 404


def _too_long_description(settings):
    return {"description": "ก" * 5001}


def _district_of_another_province(settings):
    return {"province": BANGKOK, "district": district_of(CHIANG_MAI).pk}


def _subdistrict_of_another_district(settings):
    first, second = district_of(BANGKOK, 0), district_of(BANGKOK, 1)
    return {
        "province": BANGKOK,
        "district": first.pk,
        "subdistrict": subdistrict_of(second).pk,
    }


def _six_files(settings):
    return {"files": [png(f"photo{n}.png") for n in range(6)]}


def _oversized_file(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    content = png_bytes() + b"\0" * (1024 * 1024)
    return {"files": [SimpleUploadedFile("big.png", content, "image/png")]}


def _text_pretending_to_be_a_photo(settings):
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not a picture\n" * 20, "image/jpeg")
    return {"files": [fake]}


# (field, how to spoil the form, the message expected in Thai or None for Django's own)
BAD_VALUES = {
    "no category": ("category", {"category": None}, "Choose the kind of help you need."),
    "unknown category": ("category", {"category": "999999"}, None),
    "description too short": (
        "description",
        {"description": "ช่วยด้วย"},
        "Describe the problem in a few words (10 characters or more).",
    ),
    "description too long": ("description", _too_long_description, None),
    "no province": ("province", {"province": ""}, "Choose a province."),
    "unknown province": ("province", {"province": "99"}, None),
    "district of another province": ("district", _district_of_another_province, None),
    "subdistrict of another district": ("subdistrict", _subdistrict_of_another_district, None),
    "empty name": ("citizen_name", {"citizen_name": ""}, "Enter your name."),
    "blank name": ("citizen_name", {"citizen_name": "   "}, "Enter your name."),
    "name too long": ("citizen_name", {"citizen_name": "ก" * 201}, None),
    "phone with letters": (
        "citizen_phone",
        {"citizen_phone": "081-ABC-DEFG"},
        "Enter a Thai phone number of 9 or 10 digits, such as 081 234 5678.",
    ),
    "phone too short": (
        "citizen_phone",
        {"citizen_phone": "081234"},
        "Enter a Thai phone number of 9 or 10 digits, such as 081 234 5678.",
    ),
    "phone of 11 digits": (
        "citizen_phone",
        {"citizen_phone": "08123456789"},
        "Enter a Thai phone number of 9 or 10 digits, such as 081 234 5678.",
    ),
    "bad email": ("citizen_email", {"citizen_email": "somchai@"}, None),
    "national ID of 12 digits": (
        "national_id",
        {"national_id": VALID_ID[:12]},
        "A Thai national ID has 13 digits.",
    ),
    "national ID with a wrong check digit": (
        "national_id",
        {"national_id": WRONG_ID},
        "This national ID is not valid: please check the digits.",
    ),
    "sensitive kind without consent": (
        "sensitive_consent",
        lambda settings: {"category": category_pk("drug-treatment")},
        "This kind of request holds information about health, disability or criminal "
        "matters: we can handle it only with your explicit consent.",
    ),
    "six files": ("files", _six_files, None),
    "oversized file": ("files", _oversized_file, None),
    "text file named photo.jpg": (
        "files",
        _text_pretending_to_be_a_photo,
        "Only photos (JPEG, PNG) and PDF documents can be attached.",
    ),
}


@pytest.mark.parametrize("mistake", BAD_VALUES, ids=list(BAD_VALUES))
def test_a_bad_value_is_explained_next_to_its_field_and_in_the_summary(
    client, settings, media, mistake
):
    field, spoil, expected = BAD_VALUES[mistake]
    data = request_form(**(spoil(settings) if callable(spoil) else spoil))

    response = client.post(NEW_REQUEST, data)

    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors, f"no message next to {field}"
    summary = alert(response)
    assert summary.startswith(in_thai("Please correct the following:"))
    short = PublicRequestForm.short_errors.get(field)
    if short:  # a consent: one short line of what to do, the full message by the box
        assert in_thai(str(short)) in summary
        assert not any(error in summary for error in errors)
    for error in errors if not short else ():
        assert error in summary
    shown = page(response)
    targets = [attribute(a, "href") for a in find_all(find(shown, role="alert"), "a")]
    assert targets and all(find(shown, id=target.removeprefix("#")) for target in targets)
    assert any(target.startswith(f"#id_{field}") for target in targets)
    assert response.text.index('role="alert"') < response.text.index("multipart/form-data")
    if expected is not None:
        assert any(in_thai(expected) in error for error in errors), errors
    assert nothing_saved(media)


def test_the_limits_in_the_messages_are_the_real_ones(client, settings):
    long_name = client.post(NEW_REQUEST, request_form(citizen_name="ก" * 201))
    assert any("200" in error for error in field_errors(long_name, "citizen_name"))
    long_text = client.post(NEW_REQUEST, request_form(description="ก" * 5001))
    assert any("5000" in error for error in field_errors(long_text, "description"))
    five = client.post(NEW_REQUEST, request_form(**_six_files(settings)))
    assert any("5" in error for error in field_errors(five, "files"))
    big = client.post(NEW_REQUEST, request_form(**_oversized_file(settings)))
    [message] = field_errors(big, "files")
    assert message == "big.png: " + in_thai("The file is larger than %(limit)s MB.") % {"limit": 1}


def test_messages_are_in_the_citizens_language(client):
    thai = client.post(NEW_REQUEST, request_form(citizen_phone="081-ABC-DEFG"))
    assert field_errors(thai, "citizen_phone") == [
        "กรอกหมายเลขโทรศัพท์ 9 หรือ 10 หลัก เช่น 081 234 5678"
    ]
    assert "โปรดแก้ไขข้อมูลต่อไปนี้" in alert(thai)

    chosen = english(client).post(NEW_REQUEST, request_form(citizen_phone="081-ABC-DEFG"))
    assert field_errors(chosen, "citizen_phone") == [
        "Enter a Thai phone number of 9 or 10 digits, such as 081 234 5678."
    ]
    assert "Please correct the following:" in alert(chosen)


def test_thai_digits_in_the_phone_number_and_national_id_are_accepted(client):
    response = client.post(
        NEW_REQUEST,
        request_form(citizen_phone="๐๘๑ ๒๓๔ ๕๖๗๘", national_id=VALID_ID.translate(THAI_DIGITS)),
    )
    case = submitted(response)
    assert case.citizen_phone == "0812345678"
    assert identity.decrypt(case.national_id_encrypted) == VALID_ID


def test_a_photo_and_a_pdf_are_stored_and_the_photo_loses_its_metadata(client, media):
    assert EXIF_MARKER.encode() in png_bytes(exif=True)
    response = client.post(
        NEW_REQUEST, request_form(files=[png("บ้าน.png", exif=True), pdf("สัญญาจ้าง.pdf")])
    )
    case = submitted(response)
    attachments = {a.content_type: a for a in case.attachments.all()}
    assert set(attachments) == {"image/png", "application/pdf"}
    assert attachments["image/png"].original_name == "บ้าน.png"
    with attachments["image/png"].file.open("rb") as stored:
        data = stored.read()
    assert EXIF_MARKER.encode() not in data
    with Image.open(attachments["image/png"].file.path) as image:
        assert not image.getexif()
        assert image.size == (40, 30)
    with attachments["application/pdf"].file.open("rb") as stored:
        assert stored.read().startswith(b"%PDF")
    assert len(stored_files(media)) == 2


def test_a_filled_honeypot_saves_nothing(client, media):
    response = client.post(NEW_REQUEST, request_form(website="http://spam.example"))
    assert response.status_code == 200
    assert alert(response)
    assert nothing_saved(media)


# --- Limits on abuse ------------------------------------------------------------------

ADDRESS_LIMIT_MESSAGE = (
    "Too many requests have been sent from your connection. Please try again later, or "
    "call the Government Complaint Center on 1111."
)
PHONE_LIMIT_MESSAGE = (
    "Many requests have already been sent with this phone number today. If you need more "
    "help, add information to a request you already have, or call 1111."
)


def use_up_the_address_limit(client, **extra):
    """Ten requests in an hour from one address, all with a mistake (nothing is saved)."""
    for _ in range(10):
        response = client.post(NEW_REQUEST, request_form(citizen_name=""), **extra)
        assert response.status_code == 200


def test_the_eleventh_request_from_one_address_in_an_hour_is_refused(client, media):
    use_up_the_address_limit(client)
    typed = "นายจ้างเลิกจ้างโดยไม่บอกล่วงหน้าและไม่จ่ายค่าชดเชย"
    response = client.post(NEW_REQUEST, request_form(description=typed))

    assert response.status_code == 429
    assert retry_after(response) > 0
    assert in_thai(ADDRESS_LIMIT_MESSAGE) in alert(response)
    shown = page(response)
    assert typed in text(find(shown, "textarea", name="description"))
    assert attribute(find(shown, "input", name="citizen_name"), "value") == "สมชาย ใจดี"
    assert nothing_saved(media)


def test_another_address_is_not_limited(client):
    use_up_the_address_limit(client)
    assert client.post(NEW_REQUEST, request_form()).status_code == 429
    other = client.post(NEW_REQUEST, request_form(), REMOTE_ADDR="198.51.100.20")
    assert submitted(other)


def test_behind_a_trusted_proxy_the_address_it_forwarded_decides(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    use_up_the_address_limit(client, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    # A client cannot dodge the limit by writing its own entries before the proxy's.
    dodging = client.post(
        NEW_REQUEST, request_form(), HTTP_X_FORWARDED_FOR="192.0.2.77, 203.0.113.5", **proxy
    )
    assert dodging.status_code == 429
    another = client.post(NEW_REQUEST, request_form(), HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert submitted(another)


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(10):
        response = client.post(
            NEW_REQUEST, request_form(citizen_name=""), HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )
        assert response.status_code == 200
    refused = client.post(NEW_REQUEST, request_form(), HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert refused.status_code == 429


def test_the_sixth_request_with_one_phone_number_in_a_day_is_refused(client, settings):
    settings.PUBLIC_SUBMIT_RATE_PER_ADDRESS = "1000/h"
    for phone in ["0812345678", "081-234-5678", "081 234 5678", "66812345678", "๐๘๑๒๓๔๕๖๗๘"]:
        assert submitted(client.post(NEW_REQUEST, request_form(citizen_phone=phone)))

    response = client.post(NEW_REQUEST, request_form(citizen_phone="+66812345678"))

    assert response.status_code == 429
    # The wait is the rest of the day's window (a fixed window of 24 hours), not an hour's.
    rest_of_the_day = 86400 - time.time() % 86400
    assert abs(retry_after(response) - rest_of_the_day) <= 5
    assert in_thai(PHONE_LIMIT_MESSAGE) in alert(response)
    assert Case.objects.count() == 5
    assert submitted(client.post(NEW_REQUEST, request_form(citizen_phone="0899999999")))


def test_requests_with_mistakes_do_not_count_toward_the_phone_limit(client, settings):
    settings.PUBLIC_SUBMIT_RATE_PER_ADDRESS = "1000/h"
    phone = {"citizen_phone": "0812345678"}
    mistakes = [
        request_form(citizen_name="", **phone),
        request_form(description="ช่วยด้วย", **phone),
        request_form(citizen_email="somchai@", **phone),
        request_form(national_id=WRONG_ID, **phone),
        request_form("drug-treatment", **phone),
    ]
    for data in mistakes:
        assert client.post(NEW_REQUEST, data).status_code == 200
    for _ in range(5):
        response = client.post(NEW_REQUEST, request_form(**phone))
        assert response.status_code == 302, "a request with a mistake used up the limit"
    assert Case.objects.count() == 5


def test_ratelimit_enable_false_lifts_both_limits(client, settings):
    settings.RATELIMIT_ENABLE = False
    for _ in range(12):
        assert submitted(client.post(NEW_REQUEST, request_form(citizen_phone="0812345678")))
    assert Case.objects.count() == 12


def test_ratelimit_enable_false_lifts_the_lock_out_after_wrong_codes(client, settings):
    settings.RATELIMIT_ENABLE = False
    case, secret = submit()
    for _ in range(settings.TRACK_LOCK_FAILURES + 2):
        assert open_case(client, case.reference, "WXYZ-2345").status_code == 200
    assert open_case(client, case.reference, secret).status_code == 302


# --- What the answers reveal ----------------------------------------------------------


def _without_csrf_token(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def _without_codes(response) -> str:
    body = _without_csrf_token(REFERENCE.sub("RP-XXXX-XXXXXX", response.content.decode()))
    body = SECRET.sub("XXXX-XXXX", body)
    body = re.sub(r"<svg [^>]*>.*?</svg>", "<svg>QR code of the codes</svg>", body, flags=re.S)
    return re.sub(r"\d{1,2}:\d{2}", "HH:MM", body)


def test_a_known_phone_and_national_id_answer_exactly_like_new_ones():
    person = {"citizen_phone": "0861112222", "national_id": VALID_ID}
    first_time, known = Client(), Client()
    first = first_time.post(NEW_REQUEST, request_form(**person))
    again = known.post(NEW_REQUEST, request_form(**person))

    assert first.status_code == again.status_code == 302
    shape = re.compile(r"/requests/RP-\d{4}-[0-9A-Z]{6}/received/")
    assert shape.fullmatch(first["Location"]) and shape.fullmatch(again["Location"])
    assert _without_codes(first) == _without_codes(again)
    first_page, again_page = first_time.get(first["Location"]), known.get(again["Location"])
    assert first_page.status_code == again_page.status_code == 200
    assert _without_codes(first_page) == _without_codes(again_page)
    assert PossibleDuplicate.objects.count() == 1  # the link is there, for staff only


def test_a_second_request_with_the_same_national_id_is_linked_for_triage(client):
    earlier = submitted(
        client.post(NEW_REQUEST, request_form(citizen_phone="0861112222", national_id=VALID_ID))
    )
    later = submitted(
        client.post(
            NEW_REQUEST,
            request_form("legal-aid", citizen_phone="0873334444", national_id=VALID_ID),
        )
    )
    [link] = PossibleDuplicate.objects.all()
    assert (link.case, link.earlier, link.reason) == (
        later,
        earlier,
        PossibleDuplicate.Reason.NATIONAL_ID,
    )
    assert fresh(earlier).status == fresh(later).status == CaseStatus.NEW

    officer = english(Client())
    officer.force_login(staff(later.lead_agency.code, Role.INTAKE_OFFICER))
    response = officer.get(f"/staff/cases/{later.reference}/")
    assert response.status_code == 200
    section = response.text.split("Possible duplicates", 1)
    assert len(section) == 2
    # The earlier request is another agency's: counted, never shown to this officer.
    assert "One more earlier request is handled where you cannot see it" in section[1]
    assert earlier.reference not in section[1]


# --- Opening a request with its code --------------------------------------------------

WRONG_SECRET = "WXYZ-2345"


def wait_message(seconds: int) -> str:
    """What the citizen reads, in Thai: the true wait, in seconds when it is short."""
    unit, count = ("seconds", seconds) if seconds < 60 else ("minutes", (seconds + 59) // 60)
    english = (
        "Too many wrong codes were entered from your connection. Please try again in "
        f"%(count)s {unit}."
    )
    with translation.override("th"):
        singular = english.replace(f"{unit}.", f"{unit[:-1]}.")
        return ngettext(singular, english, count) % {"count": count}


@pytest.mark.parametrize(
    "typed",
    [
        lambda reference, secret: (reference, secret),
        lambda reference, secret: (reference.lower(), secret.lower()),
        lambda reference, secret: (
            f" {reference.lower().replace('-', ' - ')} ",
            " ".join(secret.lower()),
        ),
        lambda reference, secret: (reference, secret.replace("-", "")),
    ],
    ids=["as given", "lower case", "with spaces", "secret without dash"],
)
def test_the_right_code_and_secret_open_the_request(client, typed):
    case, secret = submit()
    response = open_case(client, *typed(case.reference, secret))
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    opened = client.get(response["Location"])
    assert opened.status_code == 200
    assert case.reference in text(find(page(opened), "h1"))


def _same_apart_from(response, typed_reference: str) -> str:
    return _without_csrf_token(response.content.decode().replace(typed_reference, "REFERENCE"))


def test_a_wrong_secret_and_an_unknown_reference_get_the_same_answer():
    case, _secret = submit()
    unknown = case.reference[:-1] + ("Z" if case.reference[-1] != "Z" else "Y")
    wrong = open_case(Client(), case.reference, WRONG_SECRET)
    missing = open_case(Client(), unknown, WRONG_SECRET)
    nonsense = open_case(Client(), "hello", WRONG_SECRET)

    assert wrong.status_code == missing.status_code == nonsense.status_code == 200
    assert _same_apart_from(wrong, case.reference) == _same_apart_from(missing, unknown)
    assert _same_apart_from(nonsense, "hello") == _same_apart_from(missing, unknown)
    assert in_thai(
        "We could not find a request with this reference code and secret. Check both and try again."
    ) in alert(wrong)


@pytest.fixture
def throttle_clock(monkeypatch):
    return standing_clock(monkeypatch, throttle)


def test_after_the_free_failures_the_next_try_must_wait(client, settings, throttle_clock):
    case, secret = submit()
    for _ in range(settings.TRACK_FREE_FAILURES):
        assert open_case(client, case.reference, WRONG_SECRET).status_code == 200

    response = open_case(client, case.reference, secret)

    assert response.status_code == 429
    assert retry_after(response) >= 1
    assert retry_after(response) == 2, "two seconds after the last of the free failures"
    assert wait_message(2) in alert(response)


def test_each_wrong_code_makes_the_wait_longer_until_the_address_is_locked(
    client, settings, throttle_clock
):
    case, secret = submit()
    waits, failures = [], 0
    for _ in range(100):
        if failures == settings.TRACK_LOCK_FAILURES:
            break
        response = open_case(client, case.reference, WRONG_SECRET)
        if response.status_code == 429:
            waits.append(retry_after(response))
            assert alert(response)
            throttle_clock.advance(waits[-1])
            continue
        assert response.status_code == 200
        failures += 1
    assert len(waits) >= settings.TRACK_LOCK_FAILURES - settings.TRACK_FREE_FAILURES - 1
    assert waits == sorted(set(waits)), "each wait is longer than the one before"

    lock = settings.TRACK_LOCK_MINUTES * 60
    locked = open_case(client, case.reference, WRONG_SECRET)
    assert locked.status_code == 429 and retry_after(locked) == lock
    assert wait_message(lock) in alert(locked)
    right_code = open_case(client, case.reference, secret)
    assert right_code.status_code == 429, "the right code is refused during the lock too"

    throttle_clock.advance(lock - 60)
    still = open_case(client, case.reference, secret)
    assert still.status_code == 429 and 0 < retry_after(still) <= 60
    throttle_clock.advance(61)
    assert open_case(client, case.reference, secret).status_code == 302


def test_the_lock_out_is_per_address(client, settings, throttle_clock):
    case, secret = submit()
    for _ in range(settings.TRACK_LOCK_FAILURES):
        throttle_clock.advance(3600)
        assert open_case(client, case.reference, WRONG_SECRET).status_code == 200
    assert open_case(client, case.reference, secret).status_code == 429
    elsewhere = open_case(Client(), case.reference, secret, REMOTE_ADDR="198.51.100.20")
    assert elsewhere.status_code == 302


def test_opening_requests_is_limited_per_address(client, settings):
    settings.TRACK_RATE_PER_ADDRESS = "3/h"
    case, secret = submit()
    for _ in range(3):
        assert open_case(client, case.reference, secret).status_code == 302
    refused = open_case(client, case.reference, secret)
    assert refused.status_code == 429 and retry_after(refused) > 0
    assert in_thai("Too many tries from your connection. Please try again later.") in alert(refused)
    other = open_case(Client(), case.reference, secret, REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 302


def test_tries_refused_by_the_rate_limit_are_not_counted_as_wrong_codes(
    client, settings, throttle_clock
):
    settings.TRACK_RATE_PER_ADDRESS = "2/h"
    case, secret = submit()
    assert open_case(client, case.reference, secret).status_code == 302
    assert open_case(client, case.reference, WRONG_SECRET).status_code == 200  # one wrong
    for _ in range(10):
        assert open_case(client, case.reference, WRONG_SECRET).status_code == 429

    throttle_clock.advance(3601)

    assert open_case(client, case.reference, WRONG_SECRET).status_code == 200  # two wrong
    assert open_case(client, case.reference, secret).status_code == 302, "still within the free"


def test_a_right_code_does_not_reset_the_count_of_wrong_ones(client, settings, throttle_clock):
    case, secret = submit()
    for _ in range(settings.TRACK_FREE_FAILURES - 1):
        assert open_case(client, case.reference, WRONG_SECRET).status_code == 200
    assert open_case(client, case.reference, secret).status_code == 302
    for _ in range(2):
        throttle_clock.advance(600)
        assert open_case(client, case.reference, WRONG_SECRET).status_code == 200

    assert open_case(client, case.reference, secret).status_code == 429


def test_the_opened_request_closes_after_a_while_without_activity(client, settings, monkeypatch):
    clock = standing_clock(monkeypatch, browser)
    case = case_in(CaseStatus.IN_PROGRESS)
    tracked(client, case)
    idle = settings.TRACK_SESSION_MINUTES * 60

    clock.advance(idle - 60)
    assert client.get(case_url(case)).status_code == 200
    clock.advance(idle - 60)
    assert client.get(case_url(case)).status_code == 200, "each visit keeps it open"
    clock.advance(idle + 1)
    assert gone_to_tracking(client.get(case_url(case)), case.reference)
    late = client.post(case_url(case, "add_information/"), {"add_information-text": "ข้อมูล"})
    assert gone_to_tracking(late, case.reference)
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.INFORMATION_RECEIVED).exists()


def test_signing_out_of_a_request_closes_it_on_this_browser(client):
    response = client.post(NEW_REQUEST, request_form())
    case = submitted(response)
    assert client.get(case_url(case)).status_code == 200

    forgotten = client.post(case_url(case, "forget/"))

    assert forgotten.status_code == 302 and forgotten["Location"] == "/track/"
    assert "ออกจากคำขอนี้บนอุปกรณ์นี้แล้ว" in messages_shown(client.get("/track/"))
    assert gone_to_tracking(client.get(case_url(case)), case.reference)
    assert client.get(response["Location"]).status_code == 404


CASE_URLS = [
    ("get", "", {}),
    ("get", "data.json", {}),
    ("post", "add_information/", {"add_information-text": "ข้อมูลเพิ่มเติม"}),
    ("post", "withdraw/", {"withdraw-confirm": "on"}),
    ("post", "rate/", {"rate-usefulness": 5, "rate-clarity": 5, "rate-satisfaction": 5}),
    ("post", "confirm_close/", {}),
    ("post", "ask_reopen/", {"ask_reopen-reason": "ยังไม่ได้รับเงิน"}),
    ("post", "request_erasure/", {"request_erasure-confirm": "on"}),
]


@pytest.mark.parametrize("who", ["a stranger", "the holder of another request"])
@pytest.mark.parametrize(
    ("method", "path", "data"), CASE_URLS, ids=[u[1] or "page" for u in CASE_URLS]
)
def test_a_browser_that_did_not_open_the_request_is_sent_to_the_tracking_form(
    client, who, method, path, data
):
    case = case_in(CaseStatus.RESOLVED)
    if who != "a stranger":
        tracked(client, case_in(CaseStatus.RESOLVED))
    events = CaseEvent.objects.filter(case=case).count()

    response = getattr(client, method)(case_url(case, path), data)

    assert gone_to_tracking(response, case.reference)
    after = fresh(case)
    assert (after.status, after.version) == (case.status, case.version)
    assert CaseEvent.objects.filter(case=case).count() == events
    assert not Rating.objects.exists() and not ErasureRequest.objects.exists()
    assert not PersonalDataAccess.objects.exists()


def test_the_tracking_form_is_filled_with_the_reference_it_was_sent_for(client):
    response = client.get("/track/", {"reference": "RP-2569-ABCDEF"})
    assert response.status_code == 200
    field = find(page(response), "input", name="reference")
    assert attribute(field, "value") == "RP-2569-ABCDEF"


# --- The request's page ---------------------------------------------------------------

# DESIGN.md's words, with the citizen addressed as คุณ and a request called a คำขอ throughout.
STATUS_WORDS = {
    CaseStatus.NEW: "ได้รับคำขอแล้ว",
    CaseStatus.IN_PROGRESS: "อยู่ระหว่างดำเนินการ",
    CaseStatus.WAITING_CITIZEN: "รอข้อมูลเพิ่มเติมจากคุณ",
    CaseStatus.RESOLVED: "ดำเนินการเสร็จแล้ว",
    CaseStatus.CLOSED: "ปิดคำขอแล้ว",
    CaseStatus.REJECTED: "ไม่อยู่ในขอบเขตของหน่วยงาน",
    CaseStatus.DUPLICATE: "คำขอซ้ำ",
    CaseStatus.WITHDRAWN: "ยกเลิกแล้ว",
}


@pytest.mark.parametrize("status", list(STATUS_WORDS))
def test_the_status_is_shown_in_the_citizens_words(client, status):
    case = case_in(status)
    response = tracked(client, case).get(case_url(case))
    assert response.status_code == 200
    [label] = find_all(page(response), "span", class_="status")
    assert text(label) == STATUS_WORDS[status]
    if status == CaseStatus.DUPLICATE:
        assert case.duplicate_of.reference in response.text


def test_the_status_is_in_english_for_an_english_reader(client):
    case = case_in(CaseStatus.WAITING_CITIZEN)
    response = english(tracked(client, case)).get(case_url(case))
    assert text(find(page(response), "span", class_="status")) == (
        "Waiting for information from you"
    )


def test_the_agencies_helping_are_named_but_not_one_that_declined(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    lead = staff("MOL", Role.SUPERVISOR)
    health, interior = services.refer_case(
        case, lead, dict.fromkeys([agency("MOPH"), agency("MOI")], "ขอให้ช่วยตรวจสุขภาพ")
    )
    services.accept_referral(health, staff("MOPH", Role.SUPERVISOR))
    services.decline_referral(interior, staff("MOI", Role.SUPERVISOR), "เหตุผลภายในของหน่วยงาน")

    response = tracked(client, case).get(case_url(case))

    helping = find(page(response), "section", aria_labelledby="agencies-heading")
    names = [text(item) for item in find_all(helping, "li")]
    assert agency("MOL").name_th in names[0] and agency("MOPH").name_th in names[1]
    assert len(names) == 2
    assert agency("MOI").name_th not in text(helping)
    # The citizen was told that the ministry was asked; that it declined, and why, stays
    # between the agencies.
    timeline = text(find(page(response), "ol", class_="timeline"))
    assert f"ประสานให้ {agency('MOI').name_th} ร่วมช่วยเหลือคุณแล้ว" in timeline
    assert "ปฏิเสธ" not in timeline
    assert "เหตุผลภายในของหน่วยงาน" not in response.text


def test_public_notes_are_shown_but_not_internal_notes_nor_officers(client):
    supervisor = staff("MOL", Role.SUPERVISOR)
    officer = staff("MOL", Role.CASE_OFFICER)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)
    services.assign_case(case, supervisor, officer)
    services.add_note(case, officer, "เจ้าหน้าที่นัดนายจ้างมาชี้แจงแล้ว", public=True)
    services.add_note(case, officer, "บันทึกภายใน ห้ามเปิดเผย", public=False)

    response = tracked(client, case).get(case_url(case))

    assert "เจ้าหน้าที่นัดนายจ้างมาชี้แจงแล้ว" in response.text
    assert "บันทึกภายใน ห้ามเปิดเผย" not in response.text
    for user in (supervisor, officer):
        assert user.username not in response.text
        assert user.get_full_name() not in response.text and user.last_name not in response.text


def test_when_the_agency_waits_for_the_citizen_its_question_is_shown(client):
    case = case_in(CaseStatus.WAITING_CITIZEN)
    response = tracked(client, case).get(case_url(case))
    question = find(page(response), "div", role="note")
    assert question is not None and "ขอสำเนาสัญญาจ้าง" in text(question)
    assert find(page(response), "form", id="action-add_information") is not None


# --- What the citizen does ------------------------------------------------------------


def act(client, case, action, data=None, **kwargs):
    return client.post(case_url(case, f"{action}/"), data or {}, **kwargs)


def offered(response) -> set[str]:
    return {
        attribute(form, "id").removeprefix("action-")
        for form in find_all(page(response), "form", class_="action")
    }


def test_adding_information_keeps_a_new_request_new(client):
    case = submitted(client.post(NEW_REQUEST, request_form()))
    response = act(client, case, "add_information", {"add_information-text": "ลืมบอกว่าทำงานที่โรงงาน"})

    assert response.status_code == 302 and response["Location"] == case_url(case)
    shown = client.get(response["Location"])
    assert in_thai("Thank you: the agency has your information.") in messages_shown(shown)
    assert "ลืมบอกว่าทำงานที่โรงงาน" in shown.text
    assert fresh(case).status == CaseStatus.NEW
    event = CaseEvent.objects.get(case=case, kind=EventKind.INFORMATION_RECEIVED)
    assert event.is_public and event.by_citizen and event.actor is None


def test_answering_the_agency_with_a_file_resumes_the_request(client, media):
    case = case_in(CaseStatus.WAITING_CITIZEN)
    response = act(
        tracked(client, case),
        case,
        "add_information",
        {"add_information-text": "แนบสัญญาจ้างแล้ว", "add_information-files": png("สัญญา.png")},
    )

    assert response.status_code == 302
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    [attachment] = case.attachments.all()
    assert attachment.original_name == "สัญญา.png" and attachment.content_type == "image/png"
    assert len(stored_files(media)) == 1


def test_adding_nothing_is_refused_with_a_message(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    response = act(tracked(client, case), case, "add_information", {"add_information-text": " "})
    assert response.status_code == 200
    assert field_errors(response, "add_information-text") == [
        in_thai("Write the information, or attach a file.")
    ]
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.INFORMATION_RECEIVED).exists()


def test_withdrawing_needs_the_confirm_box(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    tracked(client, case)
    unconfirmed = act(client, case, "withdraw", {"withdraw-reason": "ตกลงกับนายจ้างได้แล้ว"})
    assert unconfirmed.status_code == 200
    assert field_errors(unconfirmed, "withdraw-confirm") == [in_thai("Tick the box to confirm.")]
    assert fresh(case).status == CaseStatus.IN_PROGRESS

    confirmed = act(
        client,
        case,
        "withdraw",
        {"withdraw-reason": "ตกลงกับนายจ้างได้แล้ว", "withdraw-confirm": "on"},
    )
    assert confirmed.status_code == 302
    assert fresh(case).status == CaseStatus.WITHDRAWN
    assert in_thai("Your request is withdrawn.") in messages_shown(client.get(case_url(case)))


SCORES = {"rate-usefulness": "5", "rate-clarity": "4", "rate-satisfaction": "3"}


def test_rating_is_offered_after_resolution_and_only_once(client):
    working = case_in(CaseStatus.IN_PROGRESS)
    assert "rate" not in offered(tracked(client, working).get(case_url(working)))

    case = case_in(CaseStatus.RESOLVED)
    assert "rate" in offered(tracked(client, case).get(case_url(case)))
    response = act(client, case, "rate", {**SCORES, "rate-comment": "เจ้าหน้าที่ใจดีมาก"})
    assert response.status_code == 302
    rating = Rating.objects.get(case=case)
    assert (rating.usefulness, rating.clarity, rating.satisfaction) == (5, 4, 3)
    assert rating.comment == "เจ้าหน้าที่ใจดีมาก"
    after = client.get(case_url(case))
    assert "rate" not in offered(after)
    assert "5/5" in after.text and "4/5" in after.text and "3/5" in after.text

    again = act(client, case, "rate", {**SCORES, "rate-usefulness": "1"})
    assert again.status_code == 302
    assert in_thai("You have already rated the help for this request.") in messages_shown(
        client.get(case_url(case))
    )
    assert Rating.objects.get(case=case).usefulness == 5


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({**SCORES, "rate-usefulness": "7"}, "rate-usefulness"),
        ({**SCORES, "rate-clarity": "0"}, "rate-clarity"),
        ({**SCORES, "rate-satisfaction": ""}, "rate-satisfaction"),
    ],
    ids=["seven", "zero", "missing"],
)
def test_a_bad_score_is_refused_with_a_message(client, scores, field):
    case = case_in(CaseStatus.RESOLVED)
    response = act(tracked(client, case), case, "rate", scores)
    assert response.status_code == 200
    assert field_errors(response, field)
    assert alert(response)
    assert not Rating.objects.exists()


def test_confirming_closes_the_resolved_request(client):
    case = case_in(CaseStatus.RESOLVED)
    response = act(tracked(client, case), case, "confirm_close")
    assert response.status_code == 302
    assert fresh(case).status == CaseStatus.CLOSED
    assert in_thai("Thank you: your request is closed.") in messages_shown(
        client.get(case_url(case))
    )


def test_asking_to_reopen_sends_the_request_back_to_the_agency(client):
    case = case_in(CaseStatus.RESOLVED)
    tracked(client, case)
    without_reason = act(client, case, "ask_reopen", {"ask_reopen-reason": ""})
    assert without_reason.status_code == 200
    assert field_errors(without_reason, "ask_reopen-reason")
    assert fresh(case).status == CaseStatus.RESOLVED

    response = act(client, case, "ask_reopen", {"ask_reopen-reason": "นายจ้างยังจ่ายไม่ครบ"})
    assert response.status_code == 302
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    event = CaseEvent.objects.get(case=case, kind=EventKind.REOPENED)
    assert event.by_citizen and event.message == "นายจ้างยังจ่ายไม่ครบ"


def test_asking_for_erasure_needs_the_confirm_box_and_a_finished_request(client):
    working = case_in(CaseStatus.IN_PROGRESS)
    tracked(client, working)
    assert "request_erasure" not in offered(client.get(case_url(working)))
    early = act(client, working, "request_erasure", {"request_erasure-confirm": "on"})
    assert early.status_code == 302
    assert messages_shown(client.get(case_url(working)))
    assert not ErasureRequest.objects.exists()

    case = case_in(CaseStatus.CLOSED)
    tracked(client, case)
    assert "request_erasure" in offered(client.get(case_url(case)))
    unconfirmed = act(client, case, "request_erasure", {"request_erasure-reason": "ไม่ต้องการแล้ว"})
    assert unconfirmed.status_code == 200
    assert field_errors(unconfirmed, "request_erasure-confirm")
    assert not ErasureRequest.objects.exists()

    confirmed = act(
        client,
        case,
        "request_erasure",
        {"request_erasure-reason": "ไม่ต้องการแล้ว", "request_erasure-confirm": "on"},
    )
    assert confirmed.status_code == 302
    erasure = ErasureRequest.objects.get(case=case)
    assert erasure.status == ErasureRequest.Status.PENDING and erasure.reason == "ไม่ต้องการแล้ว"
    after = client.get(case_url(case))
    assert "request_erasure" not in offered(after)
    assert in_thai("Waiting for a decision") in after.text


NOT_OFFERED = [
    (CaseStatus.IN_PROGRESS, "rate", SCORES),
    (CaseStatus.NEW, "confirm_close", {}),
    (CaseStatus.IN_PROGRESS, "ask_reopen", {"ask_reopen-reason": "ยังไม่เสร็จ"}),
    (CaseStatus.CLOSED, "withdraw", {"withdraw-confirm": "on"}),
    (CaseStatus.NEW, "request_erasure", {"request_erasure-confirm": "on"}),
    (CaseStatus.WITHDRAWN, "add_information", {"add_information-text": "ข้อมูลเพิ่มเติม"}),
]


@pytest.mark.parametrize(
    ("status", "action", "data"), NOT_OFFERED, ids=[f"{a} when {s}" for s, a, _ in NOT_OFFERED]
)
def test_an_action_not_offered_for_the_status_changes_nothing(client, status, action, data):
    case = case_in(status)
    tracked(client, case)
    assert action not in offered(client.get(case_url(case)))
    events = CaseEvent.objects.filter(case=case).count()

    response = act(client, case, action, data)

    assert response.status_code == 302 and response["Location"] == case_url(case)
    shown = client.get(case_url(case))
    assert find(page(shown), "li", class_="error") is not None, "a message says why"
    after = fresh(case)
    assert (after.status, after.version) == (case.status, case.version)
    assert CaseEvent.objects.filter(case=case).count() == events
    assert not Rating.objects.exists() and not ErasureRequest.objects.exists()


def test_an_unknown_action_is_not_found(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    assert act(tracked(client, case), case, "delete").status_code == 404


# --- The citizen's data ---------------------------------------------------------------


def test_the_data_download_holds_the_citizens_data_and_the_public_timeline(client):
    case = submitted(
        client.post(
            NEW_REQUEST, request_form(national_id=VALID_ID, citizen_email="somchai@example.org")
        )
    )
    officer = staff("MOL", Role.SUPERVISOR)
    services.add_note(case, officer, "แจ้งผู้ร้องแล้ว", public=True)
    services.add_note(case, officer, "บันทึกภายในเท่านั้น", public=False)

    response = client.get(case_url(case, "data.json"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert case.reference in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["reference"] == case.reference
    assert data["person"] == {
        "name": "สมชาย ใจดี",
        "phone": "0812345678",
        "email": "somchai@example.org",
        "national_id": VALID_ID,
        "safe_contact": {
            "channel": "",
            "hours": "",
            "no_message": False,
            "safe_word": "",
            "in_danger_now": False,
        },
    }
    assert data["request"]["description"] == DESCRIPTION
    messages = [line["message"] for line in data["timeline"]]
    assert "แจ้งผู้ร้องแล้ว" in messages
    assert "บันทึกภายในเท่านั้น" not in response.content.decode()
    assert officer.username not in response.content.decode()
    [access] = PersonalDataAccess.objects.all()
    assert (access.user, access.case, access.action) == (
        None,
        case,
        PersonalDataAccess.Action.CITIZEN_EXPORT,
    )


# --- What the pages cost --------------------------------------------------------------


def test_the_form_costs_a_few_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the kinds of help and the provinces
        assert client.get(NEW_REQUEST).status_code == 200


def test_the_request_page_costs_the_same_for_1_or_30_timeline_lines(
    client, django_assert_max_num_queries
):
    case = case_in(CaseStatus.IN_PROGRESS)
    officer = staff("MOL", Role.SUPERVISOR)
    tracked(client, case)
    client.get(case_url(case))  # the session is saved once
    with django_assert_max_num_queries(10) as few:
        assert client.get(case_url(case)).status_code == 200
    for n in range(15):
        services.add_note(case, officer, f"ความคืบหน้าครั้งที่ {n}", public=True)
        services.add_information(case, CitizenAccess(case.pk), f"ข้อมูลจากผู้ร้องครั้งที่ {n}")
    assert CaseEvent.objects.filter(case=case, is_public=True).count() >= 30
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(case_url(case))
    assert "ความคืบหน้าครั้งที่ 14" in response.text


# --- The privacy notice ---------------------------------------------------------------


def test_the_privacy_notice_names_the_legal_bases_and_how_long_data_is_kept(client, settings):
    settings.RETENTION_YEARS = 7
    thai = client.get("/privacy/")
    assert thai.status_code == 200
    words = text(page(thai))
    assert "มาตรา 24(4)" in words and "มาตรา 26" in words and "7 ปี" in words

    chosen = english(client).get("/privacy/")
    words = text(page(chosen))
    assert "section 24(4)" in words and "section 26" in words and "7 years" in words


FILES_AGAIN = (
    "The files you chose were not kept because of the mistake above: choose them again "
    "before sending."
)


def test_files_chosen_before_a_mistake_are_asked_for_again_by_the_field_and_in_the_summary(
    client, media
):
    data = request_form(description="", files=[png()])

    response = client.post(NEW_REQUEST, data)

    assert response.status_code == 200
    assert field_errors(response, "files") == [in_thai(FILES_AGAIN)]
    assert in_thai(FILES_AGAIN) in alert(response)
    assert nothing_saved(media)


def test_files_that_were_the_mistake_are_not_asked_for_twice(client, media):
    data = request_form(files=[SimpleUploadedFile("photo.jpg", b"not a photo", "image/jpeg")])

    response = client.post(NEW_REQUEST, data)

    errors = field_errors(response, "files")
    assert errors and in_thai(FILES_AGAIN) not in errors


def action_headings(html: str) -> tuple[list[str], list[str]]:
    """The headings of the request page's leading action forms, and of the folded ones."""
    rest = html.partition('id="actions-heading"')[2].partition('id="timeline-heading"')[0]
    leading, _, folded = rest.partition('class="more-actions"')
    heading = re.compile(r"<h3>\s*([^<]+?)\s*</h3>")
    return heading.findall(leading), heading.findall(folded)


@pytest.mark.parametrize(
    ("status", "leading"),
    [
        (CaseStatus.IN_PROGRESS, ["Add information or files"]),
        (
            CaseStatus.RESOLVED,
            ["Rate the help you received", "My problem is solved: close the request"],
        ),
    ],
)
def test_the_request_page_leads_with_the_next_step_and_folds_the_rest(client, status, leading):
    case = case_in(status)
    tracked(client, case)
    page = client.get(case_url(case)).text

    first, folded = action_headings(page)

    assert first == [in_thai(label) for label in leading]
    assert folded and set(folded).isdisjoint(first)
    assert '<details class="more-actions">' in page


def test_a_folded_form_sent_with_a_mistake_comes_back_unfolded(client):
    case = case_in(CaseStatus.RESOLVED)
    tracked(client, case)
    response = act(client, case, "ask_reopen", {"ask_reopen-reason": ""})
    assert response.status_code == 200
    assert '<details class="more-actions" open>' in response.text

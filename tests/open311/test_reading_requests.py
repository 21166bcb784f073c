"""GET requests and GET requests/{id}: public, without a key, and therefore without any
personal data; restricted cases are not there at all; the status notes are the words the
public timeline shows, never an internal note."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Province, Role
from referrals import services, throttle
from referrals.models import Case, CaseStatus, Category, Channel
from referrals.selectors import public_timeline
from tests.api.helpers import api_key
from tests.open311.helpers import FORMATS, NEW_REQUEST, errors, get, post, read, root_of
from tests.referrals.factories import case_in, fresh, staff, submit

pytestmark = pytest.mark.django_db

PERSON = {
    "first_name": "ประพันธ์พงษ์",
    "last_name": "ศรีสุขสวัสดิ์",
    "phone": "089 765 4321",
    "email": "prapanpong.private@example.org",
    "description": "ลูกจ้างโรงงานย่านบางนาถูกเลิกจ้างโดยไม่ได้รับค่าชดเชยตามกฎหมาย",
}


def ids(response) -> list[str]:
    return [request["service_request_id"] for request in read(response)]


def days_ago(case: Case, days: float) -> Case:
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=days))
    return fresh(case)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_data_is_ever_in_a_public_answer(fmt):
    _key, raw = api_key("MOL")
    [created] = read(post("json", {**NEW_REQUEST, **PERSON, "api_key": raw}))
    reference = created["service_request_id"]

    bodies = [
        get(f"requests.{fmt}").content.decode(),
        get(f"requests.{fmt}", service_request_id=reference).content.decode(),
        get(f"requests/{reference}.{fmt}").content.decode(),
    ]

    for body in bodies:
        assert reference in body
        for personal in [*PERSON.values(), "0897654321", "ลูกจ้างโรงงาน", "ค่าชดเชย"]:
            assert personal not in body
        assert created["secret"] not in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_is_shaped_as_the_standard_says(fmt):
    case, _secret = submit()

    answer = get(f"requests/{case.reference}.{fmt}")

    assert answer.status_code == 200
    [request] = read(answer)
    if fmt == "xml":
        assert root_of(answer) == "service_requests"
    assert request == {
        "service_request_id": case.reference,
        "status": "open",
        "status_notes": None,
        "service_name": "ค่าจ้างค้างจ่ายและสิทธิแรงงาน",
        "service_code": "unpaid-wages",
        "description": None,
        "agency_responsible": "กระทรวงแรงงาน",
        "service_notice": None,
        "requested_datetime": timezone.localtime(case.created_at).isoformat(timespec="seconds"),
        "updated_datetime": timezone.localtime(case.updated_at).isoformat(timespec="seconds"),
        "expected_datetime": timezone.localtime(case.due_at).isoformat(timespec="seconds"),
    }
    assert request["requested_datetime"].endswith("+07:00")  # W3C, with the offset


def test_names_follow_the_language_asked_for():
    case, _secret = submit()

    [request] = read(get(f"requests/{case.reference}.json", language="en"))

    assert request["service_name"] == Category.objects.get(code="unpaid-wages").name_en
    assert request["agency_responsible"] == "Ministry of Labour"


@pytest.mark.parametrize("fmt", FORMATS)
def test_restricted_cases_are_never_shown(fmt):
    hidden, _secret = submit("witness-protection")
    restricted_later, _secret = submit()
    Case.objects.filter(pk=restricted_later.pk).update(is_restricted=True)
    shown, _secret = submit()
    assert hidden.is_restricted

    listed = get(f"requests.{fmt}")
    asked = get(
        f"requests.{fmt}",
        service_request_id=",".join(c.reference for c in (hidden, restricted_later, shown)),
    )

    assert ids(listed) == ids(asked) == [shown.reference]
    for case in (hidden, restricted_later):
        answer = get(f"requests/{case.reference}.{fmt}")
        assert answer.status_code == 404
        assert errors(answer)[0].startswith("service_request_id:")
        assert case.reference not in listed.content.decode()


@pytest.mark.parametrize(
    ("status", "shown_as"),
    [
        (CaseStatus.NEW, "open"),
        (CaseStatus.IN_PROGRESS, "open"),
        (CaseStatus.WAITING_CITIZEN, "open"),
        (CaseStatus.RESOLVED, "closed"),
        (CaseStatus.CLOSED, "closed"),
        (CaseStatus.REJECTED, "closed"),
        (CaseStatus.DUPLICATE, "closed"),
        (CaseStatus.WITHDRAWN, "closed"),
    ],
)
def test_each_status_is_open_or_closed(status, shown_as):
    case = case_in(status)

    [request] = read(get(f"requests/{case.reference}.xml"))

    assert request["status"] == shown_as
    opposite = "closed" if shown_as == "open" else "open"
    assert case.reference in ids(get("requests.json", status=shown_as))
    assert case.reference not in ids(get("requests.json", status=opposite))
    assert case.reference in ids(get("requests.json", status=f"{opposite},{shown_as}"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_notes_are_the_public_timelines_words_never_an_internal_note(fmt):
    supervisor = staff("MOL", Role.SUPERVISOR)
    accepted = case_in(CaseStatus.IN_PROGRESS, by=supervisor)
    asked = case_in(CaseStatus.IN_PROGRESS, by=supervisor)
    services.request_information(asked, supervisor, "ขอสำเนาสัญญาจ้างและสลิปเงินเดือน")
    for case in (accepted, asked):
        services.add_note(fresh(case), supervisor, "secret words about the employer")

    body = get(f"requests.{fmt}").content.decode()
    notes = {
        request["service_request_id"]: request["status_notes"]
        for request in read(get(f"requests.{fmt}"))
    }

    assert "secret words" not in body
    assert notes[asked.reference] == "ขอสำเนาสัญญาจ้างและสลิปเงินเดือน"
    assert notes[asked.reference] == public_timeline(fresh(asked))[0].message
    # The latest public line of an accepted case says only that it was accepted.
    assert notes[accepted.reference] is None
    assert public_timeline(fresh(accepted))[0].message == ""


def test_by_default_the_last_90_days_are_listed_newest_first():
    old = days_ago(submit()[0], 100)
    older = days_ago(submit()[0], 30)
    newer = days_ago(submit()[0], 1)

    assert ids(get("requests.json")) == [newer.reference, older.reference]
    assert old.reference not in ids(get("requests.xml"))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("{start:%Y-%m-%dT%H:%M:%S}Z", "{end:%Y-%m-%dT%H:%M:%S}Z"),
        ("{start_local:%Y-%m-%dT%H:%M:%S}+07:00", "{end_local:%Y-%m-%dT%H:%M:%S}+07:00"),
        ("{start_local:%Y-%m-%d}", "{end_local:%Y-%m-%d}"),
    ],
)
def test_start_and_end_dates_choose_the_period(start, end):
    old = days_ago(submit()[0], 100)
    recent = days_ago(submit()[0], 1)
    when = {
        "start": timezone.now() - timedelta(days=110),
        "end": timezone.now() - timedelta(days=90),
    }
    when["start_local"] = timezone.localtime(when["start"])
    when["end_local"] = timezone.localtime(when["end"])

    found = ids(get("requests.json", start_date=start.format(**when), end_date=end.format(**when)))

    assert found == [old.reference]
    assert recent.reference not in found


def test_a_start_or_end_date_alone_reads_90_days_from_it():
    first = days_ago(submit()[0], 100)
    later = days_ago(submit()[0], 5)
    start = (timezone.now() - timedelta(days=101)).isoformat()

    assert ids(get("requests.json", start_date=start)) == [first.reference]
    assert ids(get("requests.json", end_date=timezone.now().isoformat())) == [later.reference]


def test_service_codes_filter_the_list():
    wages, _secret = submit()
    aid, _secret = submit("legal-aid")
    health, _secret = submit("healthcare-access")

    assert ids(get("requests.json", service_code="legal-aid")) == [aid.reference]
    assert set(ids(get("requests.json", service_code="legal-aid,unpaid-wages"))) == {
        aid.reference,
        wages.reference,
    }
    assert health.reference in ids(get("requests.json"))


def test_service_request_ids_override_every_other_parameter():
    old = days_ago(submit()[0], 400)
    closed = case_in(CaseStatus.CLOSED)
    submit()

    found = ids(
        get(
            "requests.json",
            service_request_id=f"{old.reference}, {closed.reference.lower()}, RP-2500-ZZZZZZ",
            status="open",
            service_code="legal-aid",
        )
    )

    assert found == [closed.reference, old.reference]


def test_one_answer_holds_at_most_1000_requests():
    category = Category.objects.get(code="unpaid-wages")
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            reference=f"RP-2569-{number:06d}",
            citizen_name="x",
            citizen_phone="0812345678",
            category=category,
            province=Province.objects.get(code="10"),
            description="x" * 10,
            channel=Channel.WEB,
            lead_agency=category.lead_agency,
            created_at=now - timedelta(minutes=number),
        )
        for number in range(1001)
    )

    found = ids(get("requests.json"))

    assert len(found) == 1000
    assert found[0] == "RP-2569-000000" and "RP-2569-001000" not in found


def test_reading_costs_one_query_whatever_the_number_of_requests(
    django_assert_max_num_queries,
):
    supervisor = staff("MOL", Role.SUPERVISOR)
    for _ in range(2):
        services.request_information(
            case_in(CaseStatus.IN_PROGRESS, by=supervisor), supervisor, "ขอเอกสารเพิ่ม"
        )
    with django_assert_max_num_queries(1):
        assert len(read(get("requests.json"))) == 2
    for _ in range(6):
        submit("legal-aid")
    with django_assert_max_num_queries(1):
        assert len(read(get("requests.xml"))) == 8
    with django_assert_max_num_queries(2):  # and one to check the service codes
        assert len(read(get("requests.json", service_code="legal-aid,unpaid-wages"))) == 8
    reference = Case.objects.first().reference
    with django_assert_max_num_queries(1):
        assert get(f"requests/{reference}.json").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("asked", ["RP-2569-ZZZZZZ", "not-a-reference", "1"])
def test_an_unknown_request_is_404(fmt, asked):
    answer = get(f"requests/{asked}.{fmt}")

    assert answer.status_code == 404
    assert errors(answer)[0].startswith("service_request_id:")


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_reads_are_limited_per_client_address(fmt):
    spent = throttle.Allowance("open311-read", "600/m", "127.0.0.1")
    for _ in range(600):
        spent.take()

    answer = get(f"services.{fmt}")

    assert answer.status_code == 429
    assert int(answer["Retry-After"]) >= 1
    assert errors(answer)

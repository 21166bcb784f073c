"""The complaints 1111 forwards are read from its CoreService, a page at a time, each once:
the cursor moves with the saved complaints, a failure (no answer, an error, an answer that
cannot be read) is logged with its reason and loses none, an expired token is replaced,
and a complaint that means nothing here is listed with its number for a person to map."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from agencies.models import Role
from integrations.gcc1111 import poller, soap
from integrations.gcc1111.complaints import to_new_case
from integrations.gcc1111.tasks import poll_1111
from integrations.models import Exchange, ExternalCase, System, ValueMapping
from referrals.models import Case, Category, Channel
from tests.helpers import signed_in
from tests.integrations.soap_double import complaint
from tests.referrals.factories import fresh, staff

pytestmark = pytest.mark.django_db


def cases_of(connection):
    return {
        link.external_id: link.case
        for link in ExternalCase.objects.filter(connection=connection).select_related("case")
    }


def failures(connection):
    return list(Exchange.objects.filter(connection=connection, ok=False).order_by("pk"))


def test_a_poll_reads_every_page_makes_each_complaint_a_case_and_moves_the_cursor(
    soap_link, double, settings
):
    settings.GCC_1111_PAGE_SIZE = 2
    double.cases = [
        complaint("6712-000301", "2026-12-01 09:00:00"),
        complaint("6712-000302", "2026-12-01 09:05:00"),
        complaint("6712-000303", "2026-12-01 10:30:00", contact_citizen_id="1101700203450"),
    ]

    polled = poller.poll(soap_link)

    assert (polled.read, polled.created, polled.refused, polled.error) == (3, 3, 0, "")
    assert [(p["skip"], p["take"]) for p in double.called("GetCases")] == [("0", "2"), ("2", "2")]
    made = cases_of(soap_link)
    assert sorted(made) == ["6712-000301", "6712-000302", "6712-000303"]
    case = made["6712-000303"]
    assert case.channel == Channel.HOTLINE_1111
    assert case.lead_agency.code == "MOL" and case.province_id == "10"
    assert case.citizen_name == "สมชาย ใจดี"
    link = ExternalCase.objects.get(external_id="6712-000303")
    assert link.service_id == double.cases[2]["case_id"] and link.state_in == "1"
    assert soap.written(fresh(soap_link).read_up_to) == "2026-12-01 10:30:00"
    # One token, given back at the end.
    assert len(double.called("GetToken")) == 1 and double.tokens == set()


def test_the_next_poll_asks_only_for_what_changed_since_and_duplicates_nothing(soap_link, double):
    double.cases = [complaint("6712-000311", "2026-12-01 09:00:00")]
    poller.poll(soap_link)
    double.cases.append(complaint("6712-000312", "2026-12-02 08:00:00"))

    polled = poller.poll(soap_link)

    assert double.called("GetCases")[-1]["last_get_date_time"] == "2026-12-01 09:00:00"
    assert (polled.read, polled.created) == (2, 1)  # the boundary one again: unchanged
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("timeout", "no answer within 2 s"),
        ("500", "HTTP 500"),
        ("fault", "SOAP fault: Server was unable to process request."),
        ("garbage", "malformed answer: not XML"),
        ("bad-json", "malformed answer: {not json"),
    ],
)
def test_a_failed_read_is_logged_with_its_reason_and_loses_nothing(soap_link, double, mode, reason):
    double.cases = [complaint("6712-000321"), complaint("6712-000322")]
    double.fail(mode, "GetCases")

    polled = poller.poll(soap_link)

    assert reason in polled.error
    assert Case.objects.count() == 0 and fresh(soap_link).read_up_to is None
    (failure,) = failures(soap_link)
    assert failure.operation == "GetCases" and reason in failure.detail
    assert reason in fresh(soap_link).last_error
    assert len(double.released) == 1  # the token given back all the same

    again = poller.poll(soap_link)
    assert (again.created, again.error) == (2, "")


def test_a_failure_on_a_later_page_keeps_the_pages_read_before_it(soap_link, double, settings):
    settings.GCC_1111_PAGE_SIZE = 1
    double.cases = [
        complaint("6712-000331", "2026-12-01 09:00:00"),
        complaint("6712-000332", "2026-12-01 09:10:00"),
    ]
    double.fail("500", "GetCases", after=1)

    polled = poller.poll(soap_link)

    assert polled.error and sorted(cases_of(soap_link)) == ["6712-000331"]
    assert soap.written(fresh(soap_link).read_up_to) == "2026-12-01 09:00:00"
    again = poller.poll(soap_link)
    assert (again.created, again.error) == (1, "")
    assert sorted(cases_of(soap_link)) == ["6712-000331", "6712-000332"]


def test_an_expired_token_is_replaced_once_and_the_call_made_again(soap_link, double):
    double.cases = [complaint("6712-000341")]
    double.fail("expire", "GetCases")

    polled = poller.poll(soap_link)

    assert (polled.created, polled.error) == (1, "")
    assert len(double.called("GetToken")) == 2
    assert failures(soap_link) == []


def test_a_token_refused_twice_in_a_row_is_a_failure(soap_link, double):
    double.cases = [complaint("6712-000342")]
    double.fail("expire", "GetCases", times=2)

    polled = poller.poll(soap_link)

    assert "Err:Not found user" in polled.error and Case.objects.count() == 0


def test_wrong_credentials_are_a_failure_the_supervisors_read(soap_link, double):
    soap_link.credentials = {"password": "not-it"}
    soap_link.save()

    polled = poller.poll(soap_link)

    assert "GetToken: Err:Invalid user or password" in polled.error
    assert double.called("GetCases") == []


def test_a_complaint_that_means_nothing_here_is_listed_by_number_and_read_again_once_mapped(
    soap_link, double, settings
):
    double.cases = [
        complaint("6712-000351", "2026-12-01 09:00:00", type_id="0304"),
        complaint("6712-000352", "2026-12-01 09:30:00"),
    ]

    polled = poller.poll(soap_link)

    assert (polled.read, polled.created, polled.refused) == (2, 1, 1)
    (refused,) = failures(soap_link)
    assert refused.external_id == "6712-000351"
    # In the portal's language, whoever ran it.
    with translation.override(settings.LANGUAGE_CODE), pytest.raises(ValidationError) as expected:
        to_new_case(poller.complaint_of(double.cases[0]))
    assert refused.detail == expected.value.message_dict["category"][0]
    assert "0304" in refused.detail
    assert soap.written(fresh(soap_link).read_up_to) == "2026-12-01 09:30:00"

    # The administrator maps the type and sets the cursor back: the next run reads it.
    ValueMapping.objects.create(
        system=System.GCC_1111,
        kind=ValueMapping.Kind.CATEGORY,
        code="0304",
        category=Category.objects.get(code="unpaid-wages"),
    )
    soap_link = fresh(soap_link)
    soap_link.read_up_to -= timedelta(hours=1)
    soap_link.save()
    assert poller.poll(soap_link).created == 1
    assert sorted(cases_of(soap_link)) == ["6712-000351", "6712-000352"]


def test_a_complaint_without_its_number_is_refused_and_the_rest_read(soap_link, double):
    double.cases = [complaint("", case_id=""), complaint("6712-000361")]

    polled = poller.poll(soap_link)

    assert (polled.created, polled.refused) == (1, 1)
    (refused,) = failures(soap_link)
    assert refused.external_id == "" and refused.operation == "case" and refused.detail


def test_the_beat_task_polls_every_connection_with_an_address_and_only_those(
    soap_link, double, connect, settings
):
    connect(System.GCC_1111, code="MOPH")  # files only: no address, never polled
    double.cases = [complaint("6712-000371")]

    assert poll_1111() == 1
    assert len(double.called("GetToken")) == 1
    schedule = settings.CELERY_BEAT_SCHEDULE["poll-1111"]
    assert schedule["task"] == poll_1111.name
    assert schedule["schedule"] == 60.0 * settings.GCC_1111_POLL_MINUTES


def test_the_supervisors_see_a_refused_complaint_by_its_number_and_reason(
    soap_link, double, client
):
    double.cases = [complaint("6712-000391", type_id="0399")]
    poller.poll(soap_link)
    signed_in(client, staff("MOL", Role.SUPERVISOR))

    page = client.get(reverse("integrations:exchanges")).content.decode()

    assert "6712-000391" in page and "0399" in page

"""What one person can make the portal do without an account: every citizen write is
limited per client address and per request, files per request per day, and the officers
hear of a burst of additions once. The limits count before they decide, so requests sent
at once are held to them too (on the real Redis and PostgreSQL)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Role
from referrals import services
from referrals.models import Attachment, Case, CaseEvent, CaseStatus, EventKind, Notification
from tests.referrals.factories import at_once, case_in, staff, submit
from tests.referrals.public_helpers import (
    field_errors,
    in_thai,
    isolate,
    messages_shown,
    open_case,
    png,
    request_form,
    retry_after,
    stored_files,
    tracked,
)

pytestmark = pytest.mark.django_db

TOO_MANY = (
    "Too many actions on this request in a short time. Please wait a while and try again; "
    "what you already sent has reached the agency."
)


def add_information(client, case, text="ข้อมูลเพิ่มเติม", files=(), **extra):
    data = {"add_information-text": text}
    if files:
        data["add_information-files"] = list(files)
    return client.post(f"/track/{case.reference}/add_information/", data, **extra)


def information_events(case) -> int:
    return CaseEvent.objects.filter(case=case, kind=EventKind.INFORMATION_RECEIVED).count()


class TestOnePersonAlone:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path, monkeypatch):
        yield from isolate(settings, tmp_path, monkeypatch)

    def test_additions_to_one_request_are_limited_per_hour(self, client, settings):
        settings.CITIZEN_ACTION_RATE_PER_CASE = "10/h"
        case = case_in(CaseStatus.IN_PROGRESS)
        tracked(client, case)
        for _ in range(10):
            assert add_information(client, case).status_code == 302

        refused = add_information(client, case, "อีกครั้ง")

        assert refused.status_code == 429
        assert 0 < retry_after(refused) <= 3600
        assert in_thai(TOO_MANY) in messages_shown(refused)
        assert information_events(case) == 10, "the refused addition changed nothing"

    def test_every_citizen_action_counts_against_the_address_across_requests(
        self, client, settings
    ):
        settings.CITIZEN_ACTION_RATE_PER_ADDRESS = "3/h"
        first, second = case_in(CaseStatus.IN_PROGRESS), case_in(CaseStatus.RESOLVED)
        tracked(client, first)
        tracked(client, second)
        assert add_information(client, first).status_code == 302
        assert client.get(f"/track/{second.reference}/data.json").status_code == 200
        assert add_information(client, first).status_code == 302

        rating = {f"rate-{q}": "5" for q in ("usefulness", "clarity", "satisfaction")}
        refused = client.post(f"/track/{second.reference}/rate/", rating)

        assert refused.status_code == 429
        assert not hasattr(Case.objects.get(pk=second.pk), "rating")
        elsewhere = Client(REMOTE_ADDR="198.51.100.77")
        tracked(elsewhere, second)
        assert elsewhere.post(f"/track/{second.reference}/rate/", rating).status_code == 302

    def test_files_per_request_are_capped_per_day(self, client, settings, media):
        settings.CITIZEN_FILES_PER_CASE_PER_DAY = 6
        case = case_in(CaseStatus.IN_PROGRESS)
        tracked(client, case)
        assert (
            add_information(client, case, files=[png(f"{n}.png") for n in range(5)]).status_code
            == 302
        )

        refused = add_information(client, case, files=[png("a.png"), png("b.png")])

        assert refused.status_code == 200
        [error] = field_errors(refused, "add_information-files")
        assert (
            in_thai(
                "A request can receive at most %(limit)s files a day from you. You can add "
                "%(left)s more today; write what you need to say, or try again tomorrow."
            )
            % {"limit": 6, "left": 1}
            in error
        )
        assert Attachment.objects.filter(case=case).count() == 5
        assert len(stored_files(media)) == 5, "nothing of the refused files is kept"
        assert add_information(client, case, files=[png("c.png")]).status_code == 302

        Attachment.objects.filter(case=case).update(created_at=timezone.now() - timedelta(days=1))
        assert add_information(client, case, files=[png("d.png")]).status_code == 302

    def test_a_body_larger_than_any_form_is_refused_before_it_is_read(self, client, media):
        case = case_in(CaseStatus.IN_PROGRESS)
        tracked(client, case)

        response = add_information(client, case, files=[png()], CONTENT_LENGTH=str(200 * 2**20))

        assert response.status_code == 413
        assert in_thai("The files are too large") in response.text
        assert information_events(case) == 0
        assert stored_files(media) == []
        form = client.post("/requests/new/", request_form(), CONTENT_LENGTH=str(200 * 2**20))
        assert form.status_code == 413
        assert Case.objects.count() == 1

    def test_a_burst_of_additions_reaches_each_officer_once(self, client, settings):
        settings.INFORMATION_NOTICE_MINUTES = 30
        case = case_in(CaseStatus.IN_PROGRESS)
        officer = staff("MOL", Role.CASE_OFFICER)
        services.assign_case(case, staff("MOL", Role.SUPERVISOR), officer)
        tracked(client, case)

        for n in range(4):
            assert add_information(client, case, f"ข้อมูลชุดที่ {n}").status_code == 302

        told = Notification.objects.filter(kind="information_received", user=officer)
        assert told.filter(channel=Notification.Channel.IN_PORTAL).count() == 1
        assert told.filter(channel=Notification.Channel.EMAIL).count() == 1
        assert information_events(case) == 4, "every addition is on the timeline"

        told.update(created_at=timezone.now() - timedelta(minutes=31))
        assert add_information(client, case, "อีกเรื่องหนึ่ง").status_code == 302
        assert told.filter(channel=Notification.Channel.IN_PORTAL).count() == 2


# --- Sent at once, on the real services ---------------------------------------------------


def clients_like(client, count: int) -> list[Client]:
    """Browsers sharing ``client``'s session (one person's tabs and retries)."""
    others = []
    for _ in range(count):
        other = Client()
        other.cookies = client.cookies
        others.append(other)
    return others


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
class TestSentAtOnce:
    @pytest.fixture(autouse=True)
    def services_for_real(self, reference_data, real_cache, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path / "media"

    def test_additions_sent_at_once_stop_at_the_limit_of_the_request(self, client, settings):
        settings.CITIZEN_ACTION_RATE_PER_CASE = "5/h"
        settings.CITIZEN_ACTION_RATE_PER_ADDRESS = "1000/h"
        case = case_in(CaseStatus.IN_PROGRESS)
        tracked(client, case)

        answers = at_once(
            *[
                lambda browser=browser: add_information(browser, case).status_code
                for browser in clients_like(client, 16)
            ]
        )

        assert sorted(answers) == [302] * 5 + [429] * 11, answers
        assert information_events(case) == 5

    def test_wrong_secrets_sent_at_once_are_not_all_checked(self, settings):
        settings.TRACK_FREE_FAILURES, settings.TRACK_LOCK_FAILURES = 3, 10
        settings.TRACK_RATE_PER_ADDRESS = "1000/h"
        case, _secret = submit()

        answers = at_once(
            *[lambda: open_case(Client(), case.reference, "WXYZ-2345").status_code] * 30
        )

        checked = answers.count(200)  # a wrong secret: the form again, with its message
        assert answers.count(429) == 30 - checked, answers
        assert 1 <= checked <= settings.TRACK_FREE_FAILURES + 1, answers

    def test_requests_sent_at_once_with_one_phone_number_stop_at_its_limit(self, settings):
        settings.PUBLIC_SUBMIT_RATE_PER_PHONE = "5/d"
        settings.PUBLIC_SUBMIT_RATE_PER_ADDRESS = "1000/h"

        answers = at_once(
            *[
                lambda n=n: (
                    Client()
                    .post(
                        "/requests/new/", request_form(description=f"ขอความช่วยเหลือ ครั้งที่ {n} " * 3)
                    )
                    .status_code
                )
                for n in range(12)
            ]
        )

        assert sorted(answers) == [302] * 5 + [429] * 7, answers
        assert Case.objects.count() == 5


def test_a_limit_on_the_file_cache_outlives_the_cache_s_default_timeout(settings, tmp_path):
    """The embedded default: Django's file cache writes an incremented value back with its
    default timeout, which would end a daily limit after five minutes (one second here)."""
    import time

    from referrals import throttle

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
            "TIMEOUT": 1,
        }
    }
    assert throttle.Allowance("test", "2/d", "0812345678").take()
    assert throttle.Allowance("test", "2/d", "0812345678").take()
    time.sleep(1.2)
    assert not throttle.Allowance("test", "2/d", "0812345678").take()

"""The staff pages of deadlines and notifications over HTTP: the queue's deadline column and
overdue tab, the case page's Deadlines section, the classify action, the bell and the
notifications page, and the admin of SLA policies, days off, deadlines and the outbox.

Cases are made in the past by setting ``timezone.now()`` (``clock``); the pages are then read
at the real time, when those deadlines have long passed. 2026-03-09 is a Monday in a month
without Thai holidays after the 3rd: a normal case made at 09:00 must be acknowledged by
Tuesday 09:00 (one working day of 8 hours), resolved by Monday 30 March 09:00 (15 working
days), and a referral made at 10:00 answered by Wednesday 11 March 10:00 (two working days).
"""

import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Role
from portal.templatetags.portal import thai_date
from referrals import notifications, services
from referrals.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    Deadline,
    DeadlineKind,
    EventKind,
    ExtraDayOff,
    Notification,
    NotificationPreferences,
    Priority,
    SlaPolicy,
)
from referrals.notifications import STAFF_KINDS
from referrals.services.escalation import sweep
from tests.referrals.factories import agency, case_in, fresh, staff, submit

pytestmark = pytest.mark.django_db

BANGKOK = ZoneInfo("Asia/Bangkok")


def at(month, day, hour, minute=0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BANGKOK)


MONDAY = at(3, 9, 9)


@contextmanager
def clock(moment: datetime):
    """``timezone.now()`` answers ``moment`` inside the block."""
    with patch("django.utils.timezone.now", return_value=moment):
        yield


def made_at(moment: datetime, category: str = "unpaid-wages", **fields) -> Case:
    """A new case submitted by a citizen at ``moment``."""
    with clock(moment):
        case, _secret = submit(category, **fields)
    return fresh(case)


def accepted_at(case: Case, by, moment: datetime) -> Case:
    with clock(moment):
        services.accept_case(case, by)
    return fresh(case)


def referred_at(case: Case, by, moment: datetime, to: str = "MOPH"):
    with clock(moment):
        [referral] = services.refer_case(case, by, {agency(to): "ขอให้ตรวจสุขภาพ"})
    return fresh(referral)


def signed_in(client, user, language: str = "th"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def shown(moment, language: str) -> str:
    """A date and time as the pages write it in ``language``."""
    with translation.override(language):
        return thai_date(moment)


def case_url(case, action=None) -> str:
    if action is None:
        return reverse("staff:case", args=[case.reference])
    return reverse("staff:case_action", args=[case.reference, action])


def references_in_order(response) -> list[str]:
    found = re.findall(r"RP-\d{4}-[0-9A-Z]{6}", response.text)
    return list(dict.fromkeys(found))


def queue_row(response, reference: str) -> str:
    """The queue's table row of the case ``reference``."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", response.text, re.S):
        if reference in row:
            return row
    raise AssertionError(f"{reference} is not in the queue")


def deadlines_section(response) -> str:
    text = response.text
    start = text.index('id="deadlines-heading"')
    return text[start : text.index("</section>", start)]


def deadline_row(response, step: str) -> str:
    """The row of the Deadlines section whose step starts with ``step``."""
    for row in re.findall(r"<tr>.*?</tr>", deadlines_section(response), re.S):
        if re.search(rf"<td[^>]*>\s*{re.escape(step)}", row):
            return row
    raise AssertionError(f"No deadline row for {step!r}")


def timeline(response) -> str:
    text = response.text
    start = text.index('id="timeline-heading"')
    return text[start : text.index("</section>", start)]


# --- The queue: how each case stands -------------------------------------------------------

STATES = {
    "en": ("Overdue", "Due soon", "On track"),
    "th": ("เกินกำหนด", "ใกล้ครบกำหนด", "ตามกำหนด"),
}


@pytest.mark.parametrize("language", ["en", "th"])
def test_each_queue_row_shows_how_its_deadline_stands_and_when_it_is_due(client, language):
    overdue_word, soon_word, on_track_word = STATES[language]
    late = made_at(MONDAY)  # to be acknowledged by Tuesday 10 March 09:00
    soon, _ = submit()
    on_track, _ = submit()
    finished = case_in(CaseStatus.RESOLVED)
    now = timezone.now()
    Case.objects.filter(pk=soon.pk).update(
        due_at=now + timedelta(hours=3), due_warning_at=now - timedelta(hours=1)
    )
    Case.objects.filter(pk=on_track.pk).update(
        due_at=now + timedelta(days=3), due_warning_at=now + timedelta(days=2)
    )
    client = signed_in(client, staff("MOL", Role.SUPERVISOR), language)

    response = client.get("/staff/", {"tab": "all"})

    assert response.status_code == 200
    rows = {case: queue_row(response, case.reference) for case in (late, soon, on_track, finished)}
    expected = {
        late: (overdue_word, shown(at(3, 10, 9), language)),
        soon: (soon_word, shown(fresh(soon).due_at, language)),
        on_track: (on_track_word, shown(fresh(on_track).due_at, language)),
    }
    for case, (word, due) in expected.items():
        others = set(STATES[language]) - {word}
        assert f"{word} · {due}" in rows[case]
        assert not any(other in rows[case] for other in others)
    assert {"en": "10 Mar 2026 09:00", "th": "10 มี.ค. 2569 09:00"}[language] in rows[late]
    assert not any(word in rows[finished] for word in STATES[language])  # no running deadline


def test_the_overdue_tab_lists_the_agencys_late_open_cases_most_overdue_first(client):
    boss = staff("MOL", Role.SUPERVISOR)
    later = made_at(at(3, 16, 9))  # to be acknowledged by 17 March
    earlier = made_at(MONDAY)  # by 10 March: the most overdue
    working = accepted_at(made_at(MONDAY), boss, at(3, 9, 9, 30))  # resolve by 30 March
    waiting = accepted_at(made_at(MONDAY), boss, at(3, 9, 9, 30))
    with clock(at(3, 9, 10)):
        # The resolve clock stops; the citizen's 15 working days to answer run out 30 March.
        services.request_information(waiting, boss, "ขอสำเนาสัญญาจ้าง")
    finished = accepted_at(made_at(MONDAY), boss, at(3, 9, 9, 30))
    with clock(at(3, 9, 11)):
        services.resolve_case(finished, boss, "นายจ้างจ่ายค่าจ้างครบแล้ว")
    on_time, _ = submit()  # made now: due tomorrow at the earliest
    theirs = made_at(MONDAY, "healthcare-access")  # led by MOPH, as late as ours
    client = signed_in(client, boss, "en")

    response = client.get("/staff/", {"tab": "overdue", "sort": "newest"}, follow=True)

    assert response.status_code == 200
    assert references_in_order(response) == [
        earlier.reference,
        later.reference,
        working.reference,
        waiting.reference,
    ]
    for case in (earlier, later, working, waiting):
        assert "Overdue ·" in queue_row(response, case.reference)
    for case in (finished, on_time, theirs):
        assert case.reference not in response.text


def test_the_overdue_tab_of_another_agency_does_not_list_our_late_cases(client):
    ours = made_at(MONDAY)  # led by MOL
    theirs = made_at(MONDAY, "healthcare-access")  # led by MOPH
    client = signed_in(client, staff("MOPH", Role.SUPERVISOR), "en")

    response = client.get("/staff/", {"tab": "overdue"})

    assert references_in_order(response) == [theirs.reference]
    assert ours.reference not in response.text


def test_the_referrals_tab_shows_the_answer_we_owe_not_the_lead_agencys_deadline(client):
    boss = staff("MOL", Role.SUPERVISOR)
    case = accepted_at(made_at(MONDAY), boss, MONDAY)  # MOL resolves by 30 March 09:00
    referral = referred_at(case, boss, at(3, 9, 10))  # MOPH answers by 11 March 10:00
    assert referral.due_at == at(3, 11, 10)
    assert fresh(case).due_at == at(3, 30, 9)
    client = signed_in(client, staff("MOPH", Role.INTAKE_OFFICER), "en")

    response = client.get("/staff/", {"tab": "referrals"})

    row = queue_row(response, case.reference)
    assert "Overdue · 11 Mar 2026 10:00" in row
    assert "30 Mar 2026" not in row


def test_the_overdue_tab_costs_the_same_queries_for_3_or_30_cases(
    client, django_assert_max_num_queries
):
    client = signed_in(client, staff("MOL", Role.SUPERVISOR), "en")
    for _ in range(3):
        made_at(MONDAY)
    with django_assert_max_num_queries(12) as few:
        response = client.get("/staff/", {"tab": "overdue"})
    assert len(references_in_order(response)) == 3
    for _ in range(27):
        made_at(MONDAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/staff/", {"tab": "overdue"})
    assert len(references_in_order(response)) == min(30, settings.STAFF_PAGE_SIZE)


# --- The case page: its deadlines -------------------------------------------------------------

DEADLINE_WORDS = {
    "en": {
        "acknowledge": "Acknowledge the new case",
        "resolve": "Resolve the case",
        "answer": "Answer the referral · Ministry of Public Health",
        "1 day": "1 working day",
        "15 days": "15 working days",
        "2 days": "2 working days",
        "overdue": "Overdue",
    },
    "th": {
        "acknowledge": "รับเรื่องใหม่",
        "resolve": "ดำเนินการให้แล้วเสร็จ",
        "answer": "ตอบการส่งต่อ · กระทรวงสาธารณสุข",
        "1 day": "1 วันทำการ",
        "15 days": "15 วันทำการ",
        "2 days": "2 วันทำการ",
        "overdue": "เกินกำหนด",
    },
}


@pytest.mark.parametrize("language", ["en", "th"])
def test_the_case_page_lists_each_deadline_with_its_business_time_and_due_time(client, language):
    words = DEADLINE_WORDS[language]
    boss = staff("MOL", Role.SUPERVISOR)
    case = accepted_at(made_at(MONDAY), boss, at(3, 9, 9, 30))
    referred_at(case, boss, at(3, 9, 10))
    client = signed_in(client, boss, language)

    response = client.get(case_url(case))

    assert response.status_code == 200
    acknowledge = deadline_row(response, words["acknowledge"])
    assert words["1 day"] in acknowledge
    assert shown(MONDAY, language) in acknowledge  # started
    assert shown(at(3, 10, 9), language) in acknowledge  # was due
    assert shown(at(3, 9, 9, 30), language) in acknowledge  # done, in time
    assert words["overdue"] not in acknowledge
    resolve = deadline_row(response, words["resolve"])
    assert words["15 days"] in resolve
    assert f"{words['overdue']} · {shown(at(3, 30, 9), language)}" in resolve
    answer = deadline_row(response, words["answer"])
    assert words["2 days"] in answer
    assert f"{words['overdue']} · {shown(at(3, 11, 10), language)}" in answer


def test_an_urgent_case_shows_its_shorter_times_in_working_hours(client):
    boss = staff("MOL", Role.SUPERVISOR)
    case = made_at(MONDAY, priority=Priority.URGENT)
    client = signed_in(client, boss, "en")

    response = client.get(case_url(case))

    assert "2 working hours" in deadline_row(response, "Acknowledge the new case")
    assert "30 working hours" in deadline_row(response, "Resolve the case")
    assert "Overdue · 9 Mar 2026 11:00" in deadline_row(response, "Acknowledge the new case")


@pytest.mark.parametrize("language", ["en", "th"])
def test_the_resolve_deadline_shows_paused_while_the_case_waits_for_the_citizen(client, language):
    paused = {"en": "Paused: waiting for the citizen", "th": "หยุดนับ: รอข้อมูลจากประชาชน"}
    words = DEADLINE_WORDS[language]
    boss = staff("MOL", Role.SUPERVISOR)
    case = accepted_at(made_at(MONDAY), boss, at(3, 9, 9, 30))
    with clock(at(3, 9, 10)):
        services.request_information(case, boss, "ขอสำเนาสัญญาจ้าง")
    client = signed_in(client, boss, language)

    waiting = deadline_row(client.get(case_url(case)), words["resolve"])
    with clock(at(3, 16, 9)):
        services.receive_information(fresh(case), boss, "ส่งสำเนาสัญญาจ้างแล้ว")
    resumed = deadline_row(client.get(case_url(case)), words["resolve"])

    assert paused[language] in waiting
    assert words["overdue"] not in waiting
    assert paused[language] not in resumed
    assert f"{words['overdue']} · " in resumed


@pytest.mark.parametrize(
    ("accepted", "late"), [(at(3, 9, 9, 30), False), (at(3, 11, 9), True)], ids=["in time", "late"]
)
@pytest.mark.parametrize(("language", "word"), [("en", "late"), ("th", "ล่าช้า")])
def test_a_deadline_met_after_its_due_time_says_late(client, accepted, late, language, word):
    boss = staff("MOL", Role.SUPERVISOR)
    case = accepted_at(made_at(MONDAY), boss, accepted)  # was due Tuesday 10 March 09:00
    client = signed_in(client, boss, language)

    response = client.get(case_url(case))

    acknowledge = deadline_row(response, DEADLINE_WORDS[language]["acknowledge"])
    assert shown(accepted, language) in acknowledge
    assert (f">{word}</span>" in acknowledge) is late


def test_reminders_and_escalations_show_on_the_deadline_and_the_timeline(client):
    boss = staff("MOL", Role.SUPERVISOR)
    staff("MOL", Role.INTAKE_OFFICER)  # who is reminded of a new case
    case = made_at(MONDAY)  # reminder at 75 %: 15:00; supervisors at 100 %: Tuesday 09:00
    client = signed_in(client, boss, "en")

    before = client.get(case_url(case))
    sweep(now=at(3, 9, 15))
    reminded = client.get(case_url(case))
    sweep(now=at(3, 10, 9))
    escalated = client.get(case_url(case))

    acknowledge = "Acknowledge the new case"
    assert "Reminder to the officer" not in deadline_row(before, acknowledge)
    assert "Deadline reminder sent" not in timeline(before)
    assert "Reminder to the officer" in deadline_row(reminded, acknowledge)
    assert "Deadline reminder sent" in timeline(reminded)
    assert "Deadline passed: escalated" not in timeline(reminded)
    assert "Escalated to the supervisors" in deadline_row(escalated, acknowledge)
    assert "Deadline passed: escalated" in timeline(escalated)
    assert "Escalated" not in deadline_row(escalated, "Resolve the case")


# --- Correcting the category or the priority ----------------------------------------------


def classify(client, case, category=None, priority=Priority.URGENT, version=None, **kwargs):
    category = category or Category.objects.get(code="finding-work")
    data = {
        "classify-category": category.pk,
        "classify-priority": priority,
        "classify-version": case.version if version is None else version,
    }
    return client.post(case_url(case, "classify"), data, **kwargs)


def unchanged(case) -> bool:
    now = fresh(case)
    return (now.priority, now.category_id, now.version, now.due_at) == (
        case.priority,
        case.category_id,
        case.version,
        case.due_at,
    ) and not CaseEvent.objects.filter(case=case, kind=EventKind.CLASSIFIED).exists()


def test_the_intake_officer_classifies_a_case_and_its_deadlines_follow(client):
    case = made_at(MONDAY)  # normal: to be acknowledged by Tuesday 10 March 09:00
    assert case.due_at == at(3, 10, 9)
    intake = staff("MOL", Role.INTAKE_OFFICER)
    client = signed_in(client, intake, "en")
    assert 'id="action-classify"' in client.get(case_url(case)).text
    opened = client.get(f"{case_url(case)}classify/form/", HTTP_HX_REQUEST="true")
    assert 'name="classify-priority"' in opened.text

    response = classify(client, case, follow=True)

    assert response.redirect_chain == [(case_url(case), 302)]
    assert (
        "The help category, priority and project are saved; the deadlines follow them."
        in response.text
    )
    after = fresh(case)
    assert (after.priority, after.category.code) == (Priority.URGENT, "finding-work")
    assert after.version == case.version + 1
    # Urgent: two working hours to acknowledge, thirty to resolve, from the same start.
    acknowledge = Deadline.objects.get(case=case, kind=DeadlineKind.ACKNOWLEDGE)
    resolve = Deadline.objects.get(case=case, kind=DeadlineKind.RESOLVE)
    assert (acknowledge.budget, acknowledge.due_at) == (timedelta(hours=2), at(3, 9, 11))
    assert (resolve.budget, resolve.due_at) == (timedelta(hours=30), at(3, 12, 15))
    assert after.due_at == at(3, 9, 11)
    event = CaseEvent.objects.get(case=case, kind=EventKind.CLASSIFIED)
    assert event.actor == intake
    assert event.payload["before"] == {"category": "unpaid-wages", "priority": "normal"}
    assert event.payload["after"] == {"category": "finding-work", "priority": "urgent"}
    assert "Help category or priority changed" in timeline(response)
    assert "Overdue · 9 Mar 2026 11:00" in deadline_row(response, "Acknowledge the new case")


def test_a_case_officer_not_assigned_may_not_classify(client):
    case = fresh(submit()[0])
    client = signed_in(client, staff("MOL", Role.CASE_OFFICER), "en")

    response = classify(client, case)

    assert response.status_code == 403
    assert unchanged(case)


def test_another_agencys_officer_gets_404_on_classify(client):
    case = fresh(submit()[0])
    client = signed_in(client, staff("MOPH", Role.INTAKE_OFFICER), "en")

    response = classify(client, case)

    assert response.status_code == 404
    assert case.citizen_name not in response.text
    assert unchanged(case)


def test_an_unknown_priority_is_answered_with_a_message(client):
    case = fresh(submit()[0])
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER), "en")

    response = classify(client, case, priority="immediately")

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert unchanged(case)


def test_a_stale_version_changes_nothing_and_says_why(client):
    case = fresh(submit()[0])
    intake = staff("MOL", Role.INTAKE_OFFICER)
    client = signed_in(client, intake, "en")
    seen = case.version
    services.accept_case(case, staff("MOL", Role.SUPERVISOR))  # meanwhile, a colleague acts
    case = fresh(case)

    response = classify(client, case, version=seen, follow=True)

    assert response.redirect_chain == [(case_url(case), 302)]
    assert "Someone else changed this case" in response.text
    assert unchanged(case)


def test_classifying_without_a_change_says_there_is_nothing_to_change(client):
    case = fresh(submit()[0])
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER), "en")

    response = classify(client, case, case.category, case.priority, follow=True)

    assert "Nothing to change." in response.text
    assert unchanged(case)


# --- The bell and the notifications page ------------------------------------------------------

BELL = re.compile(r'<a class="bell" href="/staff/notifications/">(.*?)</a>', re.S)


def bell(response) -> str | None:
    found = BELL.search(response.text)
    return found.group(1) if found else None


def unread(response) -> int | None:
    """The count on the bell; None when it shows none."""
    count = re.search(r'<span class="count"[^>]*>(\d+)</span>', bell(response))
    return int(count.group(1)) if count else None


def portal_rows(user):
    return Notification.objects.filter(user=user, channel=Notification.Channel.IN_PORTAL)


@pytest.fixture
def intake():
    """An intake officer of MOL: every new MOL case reaches them."""
    return staff("MOL", Role.INTAKE_OFFICER)


@pytest.mark.parametrize(("language", "word"), [("th", "การแจ้งเตือน"), ("en", "Notifications")])
def test_the_bell_shows_the_unread_count(client, intake, language, word):
    client = signed_in(client, intake, language)
    before = client.get("/staff/")
    submit()
    submit()

    after = client.get("/staff/")

    assert word in bell(before) and unread(before) is None
    assert word in bell(after) and unread(after) == 2


def test_the_bell_counts_only_the_users_own_notifications(client, intake):
    submit()  # tells MOL's intake officer, not MOPH's
    client = signed_in(client, staff("MOPH", Role.INTAKE_OFFICER))

    assert unread(client.get("/staff/")) is None


def test_no_bell_for_anonymous_visitors(client, intake):
    submit()

    response = client.get("/")

    assert response.status_code == 200
    assert bell(response) is None
    assert "/staff/notifications/" not in response.text


@pytest.mark.parametrize(
    ("language", "subject"),
    [("en", "New case {} for your agency"), ("th", "เรื่องใหม่ {} ถึงหน่วยงานของท่าน")],
)
def test_the_notifications_page_lists_them_in_the_readers_language(
    client, intake, language, subject
):
    other_language = {"en": "th", "th": "en"}[language]
    NotificationPreferences.objects.create(user=intake, language=other_language)
    staff("MOPH", Role.INTAKE_OFFICER)
    mine = fresh(submit()[0])
    not_mine = fresh(submit("healthcare-access")[0])  # for MOPH's intake officer
    assert portal_rows(intake).get().language == other_language  # as their emails
    client = signed_in(client, intake, language)

    response = client.get("/staff/notifications/")

    assert response.status_code == 200
    assert subject.format(mine.reference) in response.text
    assert not_mine.reference not in response.text


def test_opening_a_notification_marks_it_read_and_goes_to_its_case(client, intake):
    first = fresh(submit()[0])
    submit()
    client = signed_in(client, intake)
    row = portal_rows(intake).get(case=first)

    response = client.post(reverse("staff:open_notification", args=[row.pk]))

    assert response.status_code == 302
    assert response["Location"] == case_url(first)
    assert portal_rows(intake).get(pk=row.pk).read_at is not None
    assert unread(client.get("/staff/")) == 1


def test_a_notification_of_a_case_no_longer_visible_leads_back_to_the_list(client, intake):
    case = fresh(submit()[0])
    services.set_restricted(case, staff("MOL", Role.SUPERVISOR), True, "ผู้ร้องขอให้ปกปิด")
    client = signed_in(client, intake)
    row = portal_rows(intake).get(case=case)

    response = client.post(reverse("staff:open_notification", args=[row.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:notifications")
    assert portal_rows(intake).get(pk=row.pk).read_at is not None


def test_another_users_notification_answers_404_and_stays_unread(client, intake):
    colleague = staff("MOL", Role.INTAKE_OFFICER)
    submit()
    theirs = portal_rows(colleague).get()
    client = signed_in(client, intake)

    response = client.post(reverse("staff:open_notification", args=[theirs.pk]))

    assert response.status_code == 404
    assert portal_rows(colleague).get().read_at is None
    assert portal_rows(intake).get().read_at is None


def test_mark_all_as_read_empties_the_bell(client, intake):
    submit()
    submit()
    client = signed_in(client, intake, "en")
    page = client.get("/staff/notifications/")
    assert "Mark all as read" in page.text and unread(page) == 2

    response = client.post("/staff/notifications/", {"read_all": "1"}, follow=True)

    assert response.redirect_chain == [("/staff/notifications/", 302)]
    assert unread(response) is None
    assert not portal_rows(intake).filter(read_at__isnull=True).exists()


def test_the_notifications_page_costs_the_same_queries_for_3_or_30_rows(
    client, intake, django_assert_max_num_queries
):
    client = signed_in(client, intake, "en")
    for _ in range(3):
        submit()
    with django_assert_max_num_queries(12) as few:
        response = client.get("/staff/notifications/")
    assert len(references_in_order(response)) == 3
    for _ in range(27):
        submit()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/staff/notifications/")
    assert len(references_in_order(response)) == 30


def by_email_box(response, kind: str) -> str:
    """The checkbox of ``kind`` on the notifications page."""
    box = re.search(rf'<input type="checkbox" name="by_email" value="{kind}"[^>]*>', response.text)
    assert box is not None, kind
    return box[0]


def email_rows(user):
    return Notification.objects.filter(user=user, channel=Notification.Channel.EMAIL)


def test_turning_a_kind_off_stops_its_emails_but_not_the_bell(client, intake):
    colleague = staff("MOL", Role.INTAKE_OFFICER)
    submit()
    assert email_rows(intake).filter(kind="new_case").count() == 1  # by email by default
    client = signed_in(client, intake, "en")
    wanted = [kind for kind in STAFF_KINDS if kind != "new_case"]

    response = client.post(
        "/staff/notifications/", {"language": "en", "by_email": wanted}, follow=True
    )

    assert response.redirect_chain == [("/staff/notifications/", 302)]
    assert "Your choices are saved." in response.text
    preferences = NotificationPreferences.objects.get(user=intake)
    assert (preferences.language, preferences.email_off) == ("en", ["new_case"])
    assert "checked" not in by_email_box(response, "new_case")
    assert "checked" in by_email_box(response, "case_assigned")

    case = fresh(submit()[0])

    assert portal_rows(intake).filter(case=case).get().language == "en"
    assert not email_rows(intake).filter(case=case).exists()
    assert email_rows(colleague).filter(case=case).exists()  # a choice of one person only


def test_an_unknown_language_is_answered_with_a_message_and_nothing_is_saved(client, intake):
    client = signed_in(client, intake, "en")

    response = client.post("/staff/notifications/", {"language": "fr", "by_email": ["new_case"]})

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not NotificationPreferences.objects.filter(user=intake).exists()


# --- The admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("model", [SlaPolicy, ExtraDayOff, Deadline, Notification])
def test_the_deadline_and_outbox_admin_pages_load(admin_client, language, model):
    ExtraDayOff.objects.create(date=at(5, 1, 0).date(), name_th="วันหยุดพิเศษ", name_en="Day off")
    submit(citizen_email="somchai@example.org")  # deadlines and notifications
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    info = (model._meta.app_label, model._meta.model_name)

    response = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))

    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert len(response.context["cl"].result_list) >= 1
    first = model.objects.first()
    change = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    assert change.status_code == 200


def test_send_again_puts_a_failed_notification_back_in_the_queue_and_leaves_a_sent_one(
    admin_client, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    submit(citizen_email="somchai@example.org")
    submit(citizen_email="somsri@example.org")
    failed, sent = Notification.objects.filter(channel=Notification.Channel.EMAIL).order_by("pk")
    sent_at = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=failed.pk).update(
        status=Notification.Status.FAILED, attempts=5, last_error="SMTPServerDisconnected"
    )
    Notification.objects.filter(pk=sent.pk).update(
        status=Notification.Status.SENT, attempts=1, sent_at=sent_at
    )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        reverse("admin:referrals_notification_changelist"),
        {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 notifications will be sent again" in response.text
    failed, sent = fresh(failed), fresh(sent)
    assert (failed.status, failed.attempts) == (Notification.Status.PENDING, 0)
    assert (sent.status, sent.attempts, sent.sent_at) == (Notification.Status.SENT, 1, sent_at)
    assert notifications.deliver(failed.pk) is True
    assert [m.to for m in mail.outbox] == [["somchai@example.org"]]


def test_an_extra_day_off_added_in_the_admin_moves_the_next_deadlines(admin_client):
    before = made_at(MONDAY)  # the calendar is read, and kept for a few minutes
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        reverse("admin:referrals_extradayoff_add"),
        {"date": "2026-03-10", "name_th": "วันหยุดราชการเป็นกรณีพิเศษ", "name_en": "Special holiday"},
    )
    after = made_at(MONDAY)

    assert response.status_code == 302
    assert before.due_at == at(3, 10, 9)
    assert after.due_at == at(3, 11, 9)  # Tuesday is off: acknowledged by Wednesday


def test_a_policy_changed_in_the_admin_gives_new_cases_its_times(admin_client):
    policy = SlaPolicy.objects.get(category=None, priority=Priority.NORMAL)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = admin_client.post(
        reverse("admin:referrals_slapolicy_change", args=[policy.pk]),
        {
            "category": "",
            "priority": Priority.NORMAL,
            "acknowledge": "16:00:00",
            "answer_referral": "16:00:00",
            "resolve": "5 00:00:00",
            "complete_referral": "5 00:00:00",
            "approve": "04:00:00",
            "reminder_percent": 75,
            "supervisor_percent": 100,
            "cceo_percent": 150,
        },
    )
    case = made_at(MONDAY)

    assert response.status_code == 302
    assert case.due_at == at(3, 11, 9)
    page = signed_in(admin_client, staff("MOL", Role.SUPERVISOR), "en").get(case_url(case))
    assert "2 working days" in deadline_row(page, "Acknowledge the new case")
    assert "15 working days" in deadline_row(page, "Resolve the case")

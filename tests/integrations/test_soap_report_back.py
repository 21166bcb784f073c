"""A complaint 1111 forwarded has a deadline like the others: report back to 1111 within
GCC_1111_REPORT_DAYS calendar days (the outcome, sent when the case is resolved), with the
SLA's reminder and escalations; started once when the case is linked, met when resolved."""

from datetime import timedelta

import pytest

from agencies.models import Role
from integrations import services
from integrations.models import System
from referrals import services as workflow
from referrals.models import CaseEvent, Deadline, DeadlineKind, EventKind, Notification
from referrals.services import escalation, outside
from tests.referrals.factories import fresh, new_case_data, staff

pytestmark = pytest.mark.django_db

REPORT = DeadlineKind.REPORT_BACK


def linked_case(connection, number="6712-000501", **fields):
    channel = "hotline_1111" if connection.system == System.GCC_1111 else "traffy"
    data = new_case_data(channel=channel, **fields)
    return services.receive_case(connection, number, data).link.case


def report_back(case) -> Deadline:
    return Deadline.objects.get(case=case, kind=REPORT)


def test_a_case_linked_to_1111_must_report_back_within_15_calendar_days(connect):
    case = linked_case(connect(System.GCC_1111))

    deadline = report_back(case)
    assert deadline.budget == timedelta(days=15) and deadline.in_calendar_days
    assert deadline.due_at == deadline.started_at + timedelta(days=15)  # weekends count
    assert deadline.reminder_at == deadline.started_at + timedelta(days=15) * 0.75
    assert deadline.cceo_at == deadline.started_at + timedelta(days=15) * 1.5
    # The queue's due time is the earliest of the agency's deadlines.
    assert fresh(case).due_at == min(
        d.due_at for d in Deadline.objects.filter(case=case, met_at__isnull=True)
    )


def test_the_number_of_days_is_a_setting(connect, settings):
    settings.GCC_1111_REPORT_DAYS = 3
    deadline = report_back(linked_case(connect(System.GCC_1111)))
    assert deadline.due_at == deadline.started_at + timedelta(days=3)


def test_it_is_started_once_and_only_for_1111(connect):
    case = linked_case(connect(System.GCC_1111))
    outside.expect_deadlines(case, (REPORT,))
    assert Deadline.objects.filter(case=case, kind=REPORT).count() == 1

    traffy = connect(System.TRAFFY, code="MOPH")
    from_traffy = linked_case(traffy, "2024-ABCD51", citizen_phone="0899999999")
    assert from_traffy != case
    assert not Deadline.objects.filter(case=from_traffy, kind=REPORT).exists()


def test_a_case_from_traffy_that_1111_also_forwards_must_report_back_to_1111(connect):
    from_traffy = linked_case(connect(System.TRAFFY, code="MOL"), "2024-ABCD52")
    assert not Deadline.objects.filter(case=from_traffy, kind=REPORT).exists()

    also_1111 = linked_case(connect(System.GCC_1111), "6712-000502")

    assert also_1111 == from_traffy  # the same person and help: linked, not duplicated
    deadline = report_back(from_traffy)
    assert deadline.due_at == deadline.started_at + timedelta(days=15)


def test_it_runs_while_the_citizen_is_asked_and_is_met_when_the_case_is_resolved(connect):
    case = linked_case(connect(System.GCC_1111))
    supervisor = staff("MOL", Role.SUPERVISOR)
    workflow.accept_case(case, supervisor)
    workflow.request_information(fresh(case), supervisor, "ขอสำเนาสัญญาจ้าง")
    assert not report_back(case).is_paused  # 1111's days are not the citizen's

    workflow.receive_information(fresh(case), supervisor, "ส่งสำเนาแล้ว")
    workflow.resolve_case(fresh(case), supervisor, "นายจ้างจ่ายครบแล้ว")

    deadline = report_back(case)
    assert deadline.met_at is not None and deadline.next_check_at is None
    workflow.reopen_case(fresh(case), supervisor, "ผู้ร้องแจ้งว่ายังไม่ได้รับเงิน")
    assert Deadline.objects.filter(case=case, kind=REPORT).count() == 1  # not started again


def test_past_due_the_supervisors_are_told_like_any_deadline(connect):
    case = linked_case(connect(System.GCC_1111))
    supervisor = staff("MOL", Role.SUPERVISOR)
    deadline = report_back(case)

    escalation.sweep(now=deadline.supervisor_at + timedelta(minutes=1))

    told = Notification.objects.filter(
        kind="sla_supervisor", case=case, context__deadline_kind=REPORT
    )
    assert supervisor.pk in {row.user_id for row in told}
    assert report_back(case).level_reached >= 2
    assert CaseEvent.objects.filter(
        case=case, kind=EventKind.DEADLINE_ESCALATED, payload__deadline_kind=REPORT
    ).exists()

"""What a new case costs the database: the same few statements however many cases, staff
and earlier requests there are, the case written once with its due time and its first
deadlines in one statement. The rate of submissions and of 1111 imports rests on it
(bench/public_submit.py, bench/import_1111.py)."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Role
from portal.sessions import SessionStore
from referrals import services
from referrals.models import Case, Deadline, DeadlineKind
from tests.referrals.factories import new_case_data, staff, submit
from tests.referrals.public_helpers import isolate, request_form

pytestmark = pytest.mark.django_db

# Savepoint and release, the reference drawn, the office, the case, its permission row,
# the SLA policy, the deadlines, the timeline line, the earlier requests of the person,
# the triage staff and their preferences, the notifications.
NEW_CASE_STATEMENTS = 13


def statements_of_a_new_case(phone: str) -> list[str]:
    """What ``create_case`` sends for a request as the form gives it (its category with
    the lead agency, its province)."""
    data = new_case_data(citizen_phone=phone)
    assert data.category.lead_agency  # read with the category by the form's choices
    with CaptureQueriesContext(connection) as captured:
        services.create_case(data)
    return [query["sql"] for query in captured.captured_queries]


def test_a_new_case_costs_the_same_few_statements_however_much_is_there(fast_password_hashing):
    staff("MOL", Role.INTAKE_OFFICER)
    submit(citizen_phone="0811111111")
    few = statements_of_a_new_case("0822222222")

    for n in range(30):
        submit(citizen_phone=f"08{n:08d}")
    for _ in range(10):
        staff("MOL", Role.INTAKE_OFFICER)
    submit(citizen_phone="0833333333")  # an earlier request of the same person
    many = statements_of_a_new_case("0833333333")

    assert len(few) <= NEW_CASE_STATEMENTS, "\n".join(few)
    # One statement more with many: the link to the person's earlier request.
    assert len(many) == len(few) + 1, "\n".join(many)


def test_the_case_is_written_once_with_its_due_time_and_its_deadlines_in_one_statement():
    statements = statements_of_a_new_case("0844444444")

    writes_of_cases = [sql for sql in statements if sql.startswith(("INSERT", "UPDATE"))]
    assert sum('"referrals_case"' in sql.split("(")[0] for sql in writes_of_cases) == 1
    assert not [sql for sql in statements if sql.startswith('UPDATE "referrals_case"')]
    assert sum(sql.startswith('INSERT INTO "referrals_deadline"') for sql in statements) == 1

    case = Case.objects.get(citizen_phone="0844444444")
    first = Deadline.objects.filter(case=case).order_by("due_at")
    assert [d.kind for d in first] == [DeadlineKind.ACKNOWLEDGE, DeadlineKind.RESOLVE]
    assert (case.due_at, case.due_warning_at) == (first[0].due_at, first[0].reminder_at)


# --- The citizen's form: the case and the browser's session in one commit ---------------


@pytest.fixture
def isolated(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


def writes_and_commits(monkeypatch):
    """Every INSERT, UPDATE and DELETE sent from now on, as (table, whether it ran inside a
    transaction block, how many commits came before it); and the commits."""
    writes, commits = [], []

    def watch(execute, sql, params, many, context):
        if sql.split(None, 1)[0] in ("INSERT", "UPDATE", "DELETE"):
            writes.append((sql.split('"')[1], connection.in_atomic_block, len(commits)))
        return execute(sql, params, many, context)

    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: commits.append(1) or real_commit())
    return writes, commits, connection.execute_wrapper(watch)


@pytest.mark.django_db(transaction=True)
def test_a_request_from_the_form_is_written_with_the_browsers_session_in_one_commit(
    client, reference_data, isolated, monkeypatch
):
    client.post("/requests/new/", request_form(citizen_phone="0811111111"))  # a session
    writes, commits, watching = writes_and_commits(monkeypatch)
    with watching:
        response = client.post("/requests/new/", request_form(citizen_phone="0822222222"))

    assert response.status_code == 302
    assert Case.objects.filter(citizen_phone="0822222222").exists()
    ours = [w for w in writes if w[0] in ("referrals_case", "django_session")]
    assert {table for table, _inside, _commit in ours} == {"referrals_case", "django_session"}
    # The old session deleted, the new one and the case inserted: all in one transaction,
    # committed once.
    assert all(inside for _table, inside, _commit in ours), writes
    assert len({commit for _table, _inside, commit in ours}) == 1, writes
    assert commits, "nothing committed"


def test_a_session_that_cannot_be_saved_keeps_no_case(client, isolated, monkeypatch):
    def refuse(self, must_create=False):
        raise DatabaseError("the sessions table is locked")

    monkeypatch.setattr(SessionStore, "save", refuse)
    with pytest.raises(DatabaseError):
        client.post("/requests/new/", request_form())
    assert not Case.objects.exists()

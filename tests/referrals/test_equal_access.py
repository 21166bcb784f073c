"""Who reaches the portal: the optional questions of the form (age band, sex, disability,
nationality, preferred language), each skippable, kept only with their own consent,
never shown to the agency handling the case, and erased with the rest of the personal
data. (Their counts on the dashboards and /stats/: tests/portal/test_dashboard_reach.py.)"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import selectors, services
from referrals.models import (
    AgeBand,
    Case,
    CaseStatus,
    Disability,
    EqualAccessAnswers,
    Language,
    Nationality,
    Sex,
)
from referrals.services import EqualAccess, escalation
from tests.referrals.factories import case_in, fresh, intake_post, staff, submit
from tests.referrals.public_helpers import (
    attribute,
    field_errors,
    find,
    find_all,
    in_thai,
    isolate,
    messages_shown,
    page,
    request_form,
    text,
)

pytestmark = pytest.mark.django_db

NEW_REQUEST = "/requests/new/"
NOT_KEPT = (
    "Your answers on %(questions)s were not kept, because the box giving your consent to "
    "keep them was not ticked. Your request itself was sent."
)
QUESTIONS = ("age_band", "sex", "nationality", "language", "disability")
# Every answer, in both languages, that must never reach the agency handling the case.
ANSWERED = EqualAccess(
    age_band=AgeBand.UNDER_18,
    sex=Sex.ANOTHER,
    disability=Disability.YES,
    nationality=Nationality.STATELESS,
    language=Language.SIGN,
    equal_access_consent=True,
    disability_consent=True,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


def answers_of(case) -> dict | None:
    row = EqualAccessAnswers.objects.filter(case=case).values(*QUESTIONS).first()
    return row


def has(element, name: str) -> bool:
    """Whether the element carries this attribute (a boolean one, such as ``open``)."""
    return name in dict(element.attributes)


def labels(*values) -> list[str]:
    """The words of these answers in Thai and English."""
    found = []
    for value in values:
        for language in ("th", "en"):
            with translation.override(language):
                found.append(str(value.label))
    return found


# --- The form ------------------------------------------------------------------------------


def test_the_questions_are_folded_away_and_say_why_they_are_asked(client):
    form = page(client.get(NEW_REQUEST))

    [section] = find_all(form, "details", class_="equal-access")
    assert not has(section, "open"), "folded until the person opens it"
    said = text(section)
    assert in_thai("Your answers are never shown to the agency handling your request.") in said
    assert in_thai("Without this tick, these answers are not kept.") in said
    names = {attribute(e, "name") for e in find_all(section, "select")}
    assert names == set(QUESTIONS)
    ticks = {attribute(e, "name") for e in find_all(section, "input", type="checkbox")}
    assert ticks == {"equal_access_consent", "disability_consent"}
    # Each question may be skipped: its first choice, chosen at first, is no answer.
    for name in QUESTIONS:
        first = find(find(section, "select", name=name), "option")
        assert attribute(first, "value") == "" and has(first, "selected")
        assert text(first) == in_thai("Skip this question")


def test_a_request_that_skips_every_question_keeps_nothing_and_says_nothing(client):
    sent = client.post(NEW_REQUEST, request_form())
    answer = client.get(sent["Location"])

    assert sent.status_code == 302
    assert not EqualAccessAnswers.objects.exists()
    assert messages_shown(answer) == ""


def test_answers_given_with_consent_are_kept_with_its_moment(client):
    before = timezone.now()
    sent = client.post(
        NEW_REQUEST,
        request_form(
            equal_access_consent="on",
            age_band=AgeBand.FROM_60,
            language=Language.LOCAL,
            sex="",
            nationality="",
        ),
    )

    assert sent.status_code == 302
    answers = EqualAccessAnswers.objects.get(case=Case.objects.get())
    assert answers_of(answers.case) == {
        "age_band": "60_plus",
        "sex": "",  # skipped
        "nationality": "",
        "language": "local",
        "disability": "",
    }
    assert before <= answers.consent_at <= timezone.now()
    assert answers.disability_consent_at is None
    assert messages_shown(client.get(sent["Location"])) == ""


def test_disability_is_kept_only_with_its_own_explicit_consent(client):
    client.post(
        NEW_REQUEST,
        request_form(
            equal_access_consent="on",
            disability_consent="on",
            disability=Disability.YES,
            sex=Sex.FEMALE,
        ),
    )

    answers = EqualAccessAnswers.objects.get()
    assert (answers.disability, answers.sex) == ("yes", "female")
    assert answers.disability_consent_at is not None


@pytest.mark.parametrize("language", ["th", "en"])
def test_answers_without_consent_are_not_kept_and_the_person_is_told_in_their_language(
    client, language
):
    client.cookies["django_language"] = language
    sent = client.post(
        NEW_REQUEST,
        request_form(age_band=AgeBand.FROM_25, nationality=Nationality.STATELESS),
    )
    answer = client.get(sent["Location"])

    assert sent.status_code == 302, "the request itself is sent"
    assert Case.objects.count() == 1
    assert not EqualAccessAnswers.objects.exists()
    with translation.override(language):
        expected = translation.gettext(NOT_KEPT) % {
            "questions": {"th": "อายุ และ สัญชาติ", "en": "age and nationality"}[language]
        }
    assert expected in messages_shown(answer)


def test_a_disability_answer_without_its_own_consent_is_dropped_and_the_rest_kept(client):
    sent = client.post(
        NEW_REQUEST,
        request_form(equal_access_consent="on", sex=Sex.MALE, disability=Disability.NO),
    )

    assert answers_of(Case.objects.get())["sex"] == "male"
    assert EqualAccessAnswers.objects.get().disability == ""
    shown = messages_shown(client.get(sent["Location"]))
    assert in_thai(NOT_KEPT) % {"questions": "ความพิการ"} in shown


def test_an_answer_not_offered_is_refused_and_nothing_is_saved(client):
    response = client.post(
        NEW_REQUEST, request_form(equal_access_consent="on", nationality="martian")
    )

    assert response.status_code == 200
    assert field_errors(response, "nationality")
    assert not Case.objects.exists()
    section = find(page(response), "details", class_="equal-access")
    assert has(section, "open"), "opened, to show the mistake"


def test_the_service_refuses_an_answer_not_offered_from_any_caller():
    with pytest.raises(ValidationError) as refused:
        submit(equal_access=EqualAccess(language="klingon", equal_access_consent=True))

    assert set(refused.value.message_dict) == {"language"}
    assert not Case.objects.exists()


def test_the_database_holds_no_answer_without_its_consent():
    case, _secret = submit()

    with pytest.raises(IntegrityError), transaction.atomic():
        EqualAccessAnswers.objects.create(case=case, sex=Sex.FEMALE)
    with pytest.raises(IntegrityError), transaction.atomic():
        EqualAccessAnswers.objects.create(
            case=case, disability=Disability.YES, consent_at=timezone.now()
        )


# --- Intake by staff ------------------------------------------------------------------------


def test_an_intake_officer_records_the_answers_the_caller_consents_to(client):
    client.force_login(staff("MOJ", Role.INTAKE_OFFICER))

    form = page(client.get("/staff/intake/"))
    sent = client.post(
        "/staff/intake/",
        intake_post(
            equal_access_consent="on", age_band=AgeBand.FROM_40, nationality=Nationality.OTHER
        ),
    )

    assert find(form, "details", class_="equal-access") is not None
    assert sent.status_code == 302
    assert answers_of(Case.objects.get()) == {
        "age_band": "40_59",
        "sex": "",
        "nationality": "other",
        "language": "",
        "disability": "",
    }


def test_intake_says_when_the_caller_s_answers_were_not_kept(client):
    client.force_login(staff("MOJ", Role.INTAKE_OFFICER))

    sent = client.post("/staff/intake/", intake_post(sex=Sex.FEMALE))
    slip = client.get(sent["Location"])

    assert not EqualAccessAnswers.objects.exists()
    assert in_thai(
        "The caller's answers on %(questions)s were not kept: the box recording their "
        "consent was not ticked."
    ) % {"questions": "เพศ"} in messages_shown(slip)


# --- Never shown to those handling the case -------------------------------------------------


def test_the_staff_case_page_and_queue_never_show_the_answers(client):
    case, _secret = submit(equal_access=ANSWERED)
    assert EqualAccessAnswers.objects.filter(case=case).exists()
    words = labels(AgeBand.UNDER_18, Disability.YES, Nationality.STATELESS, Language.SIGN)

    for role in (Role.SUPERVISOR, Role.INTAKE_OFFICER):
        client.force_login(staff("MOL", role))
        for language in ("th", "en"):
            client.cookies["django_language"] = language
            case_page = client.get(reverse("staff:case", args=[case.reference]))
            queue = client.get("/staff/")
            assert case_page.status_code == 200
            assert case.reference in queue.text
            for said in words:
                assert said not in case_page.text, said
                assert said not in queue.text, said


def test_the_citizen_alone_downloads_their_own_answers():
    case, _secret = submit(equal_access=ANSWERED)

    export = selectors.personal_data_export(fresh(case))

    assert {key: export["equal_access"][key] for key in QUESTIONS} == {
        "age_band": "under_18",
        "sex": "another",
        "nationality": "stateless",
        "language": "sign",
        "disability": "yes",
    }
    assert export["equal_access"]["consent"] and export["equal_access"]["disability_consent"]


# --- Erased with the rest of the personal data ----------------------------------------------


def test_an_approved_erasure_erases_the_answers():
    case = case_in(CaseStatus.CLOSED, equal_access=ANSWERED)
    assert EqualAccessAnswers.objects.filter(case=case).exists()
    erasure = services.request_erasure(case, CitizenAccess(case.pk), "")

    services.decide_erasure(erasure, staff("MOL", Role.AGENCY_ADMIN), True)

    assert fresh(case).anonymised_at is not None
    assert not EqualAccessAnswers.objects.filter(case=case).exists()
    assert selectors.personal_data_export(fresh(case))["equal_access"] is None


def test_the_retention_job_erases_the_answers_with_the_rest(settings):
    settings.RETENTION_YEARS = 2
    expired = case_in(CaseStatus.CLOSED, equal_access=ANSWERED)
    kept = case_in(CaseStatus.CLOSED, equal_access=ANSWERED)
    Case.objects.filter(pk=expired.pk).update(closed_at=timezone.now() - timedelta(days=800))

    assert escalation.anonymise_expired() == 1

    assert not EqualAccessAnswers.objects.filter(case=expired).exists()
    assert EqualAccessAnswers.objects.filter(case=kept).exists()

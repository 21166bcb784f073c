"""Who reaches the portal, on the inspectors' overview and on /stats/: the optional answers
counted per answer of each question, with the share of requests that carried them, and
the public statistics' small-cell suppression (a count under 5 shown as "<5"; the next
smallest beside a single one as "*", and a share resting on either withheld too)."""

import re

import pytest
from django.utils import translation

from agencies.models import Province, Role
from agencies.permissions import DashboardScope
from portal.dashboards import figures, public, snapshots
from portal.dashboards.filters import Selection
from portal.dashboards.reach import who_reaches
from portal.dashboards.suppression import SMALL_CELL, SUPPRESSED, WITHHELD
from referrals.models import Case, EqualAccessAnswers
from referrals.services import EqualAccess
from tests.factories import InspectorFactory
from tests.portal.dashboard_data import EVERYONE, YEAR
from tests.portal.downloads import csv_download
from tests.referrals.clock import at
from tests.referrals.factories import agency, staff, submit

pytestmark = pytest.mark.django_db
THIS_YEAR = Selection(fiscal_year=YEAR)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def received(created, province="10", consent=True, **answers) -> Case:
    """A request of unpaid wages (led by MOL) received at ``created`` with ``answers``."""
    case, _secret = submit(
        province=province,
        equal_access=EqualAccess(
            **answers,
            equal_access_consent=consent,
            disability_consent=consent and "disability" in answers,
        ),
    )
    Case.objects.filter(pk=case.pk).update(created_at=created)
    return case


@pytest.fixture
def answered_year():
    """Fifteen requests of FY 2569, twelve of them with answers given with consent:

    ===========  =============================  =====================================
    question     answers                        published
    ===========  =============================  =====================================
    nationality  Thai 6, stateless 5, other 1   6, * (beside the single <5), <5
    age          25-39: 7, 40-59: 5             <5, <5, 7, 5, <5
    sex          female 8 (four skipped)        8, <5, <5, <5
    language     Thai 3 (nine skipped)          all <5, and answered by <5
    disability   with a disability 5            5, <5, <5
    ===========  =============================  =====================================

    The five stateless people asked from Chiang Mai; one more request answered without
    consent (nothing kept), two answered nothing, one of the year before answered.
    """
    for number in range(12):
        answers = {
            "nationality": "thai" if number < 6 else "stateless" if number < 11 else "other",
            "age_band": "25_39" if number < 7 else "40_59",
        }
        if number < 8:
            answers["sex"] = "female"
        if number < 3:
            answers["language"] = "th"
        if number < 5:
            answers["disability"] = "yes"
        province = "50" if 6 <= number < 11 else "10"
        received(at(2025, 11, 3 + number, 10), province, **answers)
    received(at(2026, 1, 5, 10), consent=False, nationality="stateless")
    received(at(2026, 1, 6, 10))
    received(at(2026, 1, 7, 10))
    received(at(2024, 12, 1, 10), nationality="stateless", age_band="60_plus")


def answers(published: dict, question: str) -> list[tuple]:
    return [
        (row["answer"], row["count"], row["share"])
        for row in published["questions"][question]["answers"]
    ]


def test_each_answer_is_counted_and_the_small_ones_withheld(answered_year):
    published = who_reaches(THIS_YEAR, EVERYONE, received=15)

    assert (published["answered"], published["share"]) == (12, 80.0)
    assert answers(published, "nationality") == [
        ("thai", 6, 50.0),
        ("stateless", WITHHELD, WITHHELD),  # or "other" would be 12 - 6 - 5
        ("other", SUPPRESSED, WITHHELD),
    ]
    assert answers(published, "age_band") == [
        ("under_18", SUPPRESSED, WITHHELD),
        ("18_24", SUPPRESSED, WITHHELD),
        ("25_39", 7, 58.3),
        ("40_59", 5, 41.7),
        ("60_plus", SUPPRESSED, WITHHELD),
    ]
    sex = published["questions"]["sex"]
    assert (sex["answered"], sex["share"]) == (8, 53.3)
    assert answers(published, "sex")[0] == ("female", 8, 100.0)
    language = published["questions"]["language"]
    assert (language["answered"], language["share"]) == (SUPPRESSED, WITHHELD)
    assert {count for _answer, count, _share in answers(published, "language")} == {SUPPRESSED}
    disability = published["questions"]["disability"]
    assert (disability["answered"], disability["share"]) == (5, 33.3)
    assert answers(published, "disability")[0] == ("yes", 5, 100.0)


def test_the_filters_narrow_the_answers_counted(answered_year):
    chiang_mai = THIS_YEAR.but(province=Province.objects.get(code="50"))

    published = who_reaches(chiang_mai, EVERYONE, received=5)

    assert (published["answered"], published["share"]) == (5, 100.0)
    # Alone among the answers, nothing can be worked out from the total: no "*".
    assert answers(published, "nationality") == [
        ("thai", SUPPRESSED, WITHHELD),
        ("stateless", 5, 100.0),
        ("other", SUPPRESSED, WITHHELD),
    ]


def test_the_answers_of_an_erased_case_are_no_longer_counted(answered_year):
    from referrals.services import anonymise_case

    anonymise_case(EqualAccessAnswers.objects.filter(nationality="thai").first().case)

    published = who_reaches(THIS_YEAR, EVERYONE, received=15)

    assert published["answered"] == 11
    # Thai 5, stateless 5, other 1: the first of the two smallest shown beside it withheld.
    assert answers(published, "nationality") == [
        ("thai", WITHHELD, WITHHELD),
        ("stateless", 5, 45.5),
        ("other", SUPPRESSED, WITHHELD),
    ]


def counts_in(published: dict) -> list:
    """Every count a published set of figures holds (shares left out)."""
    found = [published["answered"]]
    for question in published["questions"].values():
        found.append(question["answered"])
        found += [row["count"] for row in question["answers"]]
    return found


def test_no_snapshot_ever_holds_a_count_under_five(answered_year):
    kept = [
        snapshots.refresh("overview", snapshots.NATIONAL, THIS_YEAR).data.reach,
        snapshots.refresh("stats", snapshots.NATIONAL, THIS_YEAR).data["reach"],
    ]

    for published in kept:
        assert published == who_reaches(THIS_YEAR, EVERYONE, received=15)
        assert all(
            count in (SUPPRESSED, WITHHELD) or count >= SMALL_CELL for count in counts_in(published)
        )


def test_an_agency_s_own_dashboards_never_count_its_people_s_answers(answered_year, client):
    """The agency handling the cases never reads the answers, not even counted."""
    mol = figures.overview(THIS_YEAR, DashboardScope(agency_ids=frozenset({agency("MOL").pk})))
    client.force_login(staff("MOL", Role.CCEO))

    page = client.get("/dashboards/?fy=2569")

    assert mol.reach is None
    assert page.status_code == 200
    assert page.context["reach_tables"] == []
    assert 'id="reach-heading"' not in page.text


# --- The pages --------------------------------------------------------------------------------


def rows_of(html: str, key: str) -> dict[str, list[str]]:
    """The rows of the table ``key`` of a page: its cells by the row's name."""
    table = re.search(rf'id="[^"]*{key}".*?</table>', html, re.S)[0]
    return {
        re.sub(r"<[^>]+>", "", name).strip(): [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        for name, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table, re.S)
    }


def thai(*messages) -> list[str]:
    with translation.override("th"):
        return [translation.gettext(message) for message in messages]


@pytest.fixture
def inspector(client):
    client.force_login(InspectorFactory().user)
    return client


def test_the_inspectors_overview_shows_who_reaches_the_portal(answered_year, inspector):
    page = inspector.get("/dashboards/?fy=2569")

    assert page.status_code == 200
    [heading] = thai("Who reaches the portal")
    assert f'<h2 id="reach-heading">{heading}</h2>' in page.text
    stateless, other = thai("Stateless, or without a Thai ID card", "Another nationality")
    assert rows_of(page.text, "reach_nationality") == {
        "ไทย": ["6", "50.0"],  # the nationality, not the language ("ภาษาไทย")
        stateless: ["*", "*"],
        other: ["&lt;5", "*"],
    }
    [any_question, *_rest] = thai("Any of the questions")
    assert rows_of(page.text, "data-reach")[any_question] == ["12", "80.0"]
    notes = re.search(r'id="reach-heading".*?<dl class="signs">(.*?)</dl>', page.text, re.S)[1]
    assert "<dt>&lt;5</dt>" in notes and "<dt>*</dt>" in notes


def test_the_overview_narrowed_by_its_filters(answered_year, inspector):
    page = inspector.get("/dashboards/?fy=2569&province=50")

    [stateless] = thai("Stateless, or without a Thai ID card")
    assert rows_of(page.text, "reach_nationality")[stateless] == ["5", "100.0"]


def test_the_inspectors_download_withholds_the_same_figures(answered_year, inspector):
    response = inspector.get("/dashboards/?fy=2569&export=csv&table=reach_nationality")

    _about, header, rows = csv_download(response)
    assert len(header) == 3
    assert [row[1:] for row in rows] == [["6", "50.0"], ["*", "*"], ["<5", "*"]]


def test_the_public_statistics_show_who_reaches_the_portal(answered_year, client, workers):
    page = workers.read(client, "/stats/?fy=2569")  # anonymous

    assert page.status_code == 200
    [heading] = thai("Who reaches the portal")
    assert f'<h2 id="reach">{heading}</h2>' in page.text
    [with_disability, without] = thai("With a disability", "Without a disability")
    assert rows_of(page.text, "stats-reach_disability")[with_disability] == ["5", "100.0"]
    assert rows_of(page.text, "stats-reach_disability")[without] == ["&lt;5", "*"]
    [language] = thai("Preferred language")
    assert rows_of(page.text, "stats-reach")[language] == ["&lt;5", "*"]


def test_the_public_download_of_who_reaches_the_portal(answered_year, client, workers):
    response = workers.read(client, "/stats/?fy=2569&export=csv&table=reach_age_band")

    about, _header, rows = csv_download(response)
    assert [row[1] for row in rows] == ["<5", "<5", "7", "5", "<5"]
    assert any(line and line[0].startswith("<5 ") for line in about), "the signs explained"


def test_the_public_statistics_and_the_overview_count_alike(answered_year):
    stats = public.public_stats(YEAR)
    overview = figures.overview(THIS_YEAR, EVERYONE)

    assert stats["reach"] == overview.reach == who_reaches(THIS_YEAR, EVERYONE, received=15)

"""The dashboards' tables as downloads (CSV with a byte-order mark and XLSX, Thai headers,
Buddhist Era dates, no text a spreadsheet would run as a formula), the public statistics
page and its download (small cells withheld, and the cells that would give them away), and
the pages' cost in queries whatever the amount of data."""

import codecs
import html
import re
from collections import Counter
from datetime import date, datetime
from unittest.mock import patch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from agencies.models import Agency, Province
from referrals.models import Case, Category
from strategies.models import (
    Activity,
    CaseMetric,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Measurement,
    Project,
    Strategy,
)
from tests.portal.dashboard_data import (
    COMMENT,
    DECLINED,
    HOUR,
    NOW,
    RESOLVED,
    make_case,
    make_referral,
    published_year,
    rate,
    year_of_cases,
)
from tests.portal.downloads import csv_download, xlsx_download, xlsx_table
from tests.referrals.clock import Clock, at
from tests.referrals.factories import CITIZEN, agency

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def thai(*messages) -> list[str]:
    with translation.override("th"):
        return [gettext(message) for message in messages]


def csv_rows(response) -> list[list[str]]:
    """The header and rows of a CSV download's table."""
    _about, header, rows = csv_download(response)
    return [header, *rows]


def xlsx_rows(response) -> list[tuple]:
    return xlsx_table(response)


# --- Downloads -------------------------------------------------------------------------------


def test_the_months_download_is_csv_with_thai_headers_and_buddhist_era_months(inspector):
    year_of_cases()

    response = inspector.get("/dashboards/?fy=2569&export=csv&table=months")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="months_fy2569_25\d{6}-\d{4}\.csv"', response["Content-Disposition"]
    )
    assert response.content.startswith(codecs.BOM_UTF8)
    header, *rows = csv_rows(response)
    assert header == thai("Month", "Requests received", "Resolved")
    assert header[2] == "ดำเนินการเสร็จแล้ว"
    assert rows == [
        ["พ.ย. 2568", "2", "1"],
        ["ธ.ค. 2568", "1", "2"],
        ["ม.ค. 2569", "2", "0"],
        ["ก.พ. 2569", "1", "1"],
        ["มี.ค. 2569", "2", "0"],
    ]


def test_the_months_download_as_xlsx_holds_the_same_rows(inspector):
    year_of_cases()
    as_csv = csv_rows(inspector.get("/dashboards/?fy=2569&export=csv&table=months"))

    response = inspector.get("/dashboards/?fy=2569&export=xlsx&table=months")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    caption, header, *rows = xlsx_rows(response)
    assert caption[0] == thai("Requests received and resolved by month")[0]
    assert list(header) == as_csv[0]
    # Months are dates in the spreadsheet (shown as "พ.ย. 2568"), counts are numbers.
    assert [row[0] for row in rows] == [
        datetime(2025, 11, 1),
        datetime(2025, 12, 1),
        datetime(2026, 1, 1),
        datetime(2026, 2, 1),
        datetime(2026, 3, 1),
    ]
    assert [[str(value) for value in row[1:]] for row in rows] == [row[1:] for row in as_csv[1:]]
    assert rows[0][1:] == (2, 1)


@pytest.fixture
def frozen():
    """``timezone.now()`` held at NOW (20 March 2026 12:00, Bangkok)."""
    with patch("django.utils.timezone.now", new=Clock(NOW)):
        yield NOW


FILTERED = "fy=2569&date_from=2025-11-01&province=10&category=unpaid-wages"


def test_a_download_names_its_filters_and_moments_in_its_name_and_first_lines(inspector, frozen):
    year_of_cases()

    response = inspector.get(f"/dashboards/provinces/?{FILTERED}&export=csv&table=provinces")

    assert response["Content-Disposition"] == (
        'attachment; filename="provinces_fy2569_from25681101_p10_unpaid-wages_25690320-1200.csv"'
    )
    about, header, rows = csv_download(response)
    assert about == [
        thai("Each province"),
        thai("Filters applied"),
        [thai("Fiscal year (B.E.)")[0], "2569"],
        [thai("From")[0], "1 พ.ย. 2568"],
        [thai("Province")[0], "กรุงเทพมหานคร"],
        [thai("Kind of help")[0], "ค่าจ้างค้างจ่ายและสิทธิแรงงาน"],
        [thai("Figures as of")[0], "20 มี.ค. 2569 12:00"],
        [thai("Downloaded on")[0], "20 มี.ค. 2569 12:00"],
    ]
    assert header[:2] == thai("Province", "Region")
    assert [row[0] for row in rows] == ["กรุงเทพมหานคร"]


def test_a_spreadsheet_lists_its_filters_on_a_first_sheet_and_holds_real_dates(inspector, frozen):
    year_of_cases()

    response = inspector.get(
        f"/dashboards/cases/?{FILTERED}&figure=resolved&export=xlsx&table=cases"
    )

    assert re.search(
        r'filename="cases_fy2569_from25681101_p10_unpaid-wages_resolved_25690320-1200\.xlsx"',
        response["Content-Disposition"],
    )
    about, table = xlsx_download(response)
    assert about.title == thai("Filters")[0]
    lines = [tuple(v for v in row if v is not None) for row in about.iter_rows(values_only=True)]
    assert lines[1:7] == [
        tuple(thai("Filters applied")),
        (thai("Fiscal year (B.E.)")[0], "2569"),
        (thai("From")[0], "1 พ.ย. 2568"),
        (thai("Province")[0], "กรุงเทพมหานคร"),
        (thai("Kind of help")[0], "ค่าจ้างค้างจ่ายและสิทธิแรงงาน"),
        (thai("Cases counted as")[0], thai("Resolved")[0]),
    ]
    counted = next(row for row in about.iter_rows() if row[0].value == thai("Figures as of")[0])
    assert counted[1].value == datetime(2026, 3, 20, 12, 0)
    assert counted[1].number_format == "[$-th-TH]d mmm bbbb hh:mm"
    header = [cell.value for cell in table[2]]
    received = [row[header.index(thai("Received")[0])] for row in table.iter_rows(min_row=3)]
    assert [cell.value for cell in received] == [  # c4, c3, c2, c1: the newest first
        datetime(2026, 1, 15),
        datetime(2025, 12, 1),
        datetime(2025, 11, 10),
        datetime(2025, 11, 3),
    ]
    assert all(cell.is_date for cell in received)
    assert {cell.number_format for cell in received} == {"[$-th-TH]d mmm bbbb"}


def test_an_english_spreadsheet_shows_its_dates_in_our_era(inspector, settings, frozen):
    year_of_cases()
    inspector.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = inspector.get("/dashboards/?fy=2569&export=xlsx&table=months")

    about, table = xlsx_download(response)
    assert about.title == "Filters"
    months = [row[0] for row in table.iter_rows(min_row=3)]
    assert {cell.number_format for cell in months} == {"mmm yyyy"}


def test_the_agencies_download_gives_hours_and_percentages(inspector):
    year_of_cases()

    response = inspector.get("/dashboards/agencies/?fy=2569&export=csv&table=agencies")

    header, *rows = csv_rows(response)
    assert len(header) == 11
    by_name = {row[0]: row[1:] for row in rows}
    assert len(by_name) == 8
    # received, open, overdue (both due dates have passed by now), resolved, median hours to
    # acknowledge (0.75) and to resolve, percent in time, referrals asked of it, accepted,
    # median hours to answer.
    assert by_name["กระทรวงแรงงาน"] == ["8", "3", "2", "4", "0.8", "10.0", "66.7", "0", "", ""]
    assert by_name["กระทรวงสาธารณสุข"] == ["0", "0", "0", "0", "", "", "", "3", "100.0", "1.5"]


def test_the_activities_download_gives_planned_dates_in_the_buddhist_era(inspector):
    project = Project.objects.create(
        strategy=Strategy.objects.get(number=6),
        code="P1",
        name_th="โครงการทดลอง",
        name_en="Pilot",
        lead_agency=agency("MOL"),
        first_fiscal_year=2569,
        last_fiscal_year=2569,
    )
    Activity.objects.create(
        project=project,
        name_th="อบรมเจ้าหน้าที่",
        responsible_agency=agency("MOL"),
        planned_start=date(2025, 10, 1),
        planned_end=date(2026, 1, 31),
    )

    response = inspector.get("/dashboards/strategies/?fy=2569&export=csv&table=activities")

    header, *rows = csv_rows(response)
    assert header[3:5] == thai("Planned start", "Planned end")
    assert [row[:5] for row in rows] == [
        ["P1", "อบรมเจ้าหน้าที่", "กระทรวงแรงงาน", "1 ต.ค. 2568", "31 ม.ค. 2569"]
    ]


def activity_named(name: str) -> None:
    """An activity of 2569 under a project of MOL, named by an agency administrator."""
    project = Project.objects.create(
        strategy=Strategy.objects.get(number=6),
        code="P1",
        name_th="โครงการทดลอง",
        name_en="Pilot",
        lead_agency=agency("MOL"),
        first_fiscal_year=2569,
        last_fiscal_year=2569,
    )
    Activity.objects.create(
        project=project,
        name_th=name,
        responsible_agency=agency("MOL"),
        planned_start=date(2025, 10, 1),
        planned_end=date(2026, 1, 31),
    )


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"],
)
def test_a_text_that_a_spreadsheet_would_run_is_exported_as_text(inspector, name):
    activity_named(name)
    url = "/dashboards/strategies/?fy=2569&table=activities&export="

    as_csv = csv_rows(inspector.get(url + "csv"))
    as_xlsx = xlsx_download(inspector.get(url + "xlsx"))[1]

    assert [row[1] for row in as_csv[1:]] == [f"'{name}"]
    [cell] = [row[1] for row in as_xlsx.iter_rows(min_row=3)]
    assert cell.value == f"'{name}"
    assert cell.data_type == "s"  # a string, not a formula ("f")


def test_a_text_that_only_holds_such_a_sign_further_on_is_exported_as_it_is(inspector):
    activity_named("อบรม 2568-2569 = 2 ครั้ง")

    rows = csv_rows(inspector.get("/dashboards/strategies/?fy=2569&export=csv&table=activities"))

    assert rows[1][1] == "อบรม 2568-2569 = 2 ครั้ง"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/dashboards/?date_to=9999-12-31", 200),
        ("/dashboards/?date_from=9999-12-31", 200),
        # A NUL character, which PostgreSQL cannot compare, is refused before any view.
        ("/dashboards/cases/?district=%00", 400),
        ("/dashboards/cases/?district=10%0001", 400),
        ("/dashboards/provinces/%00/", 400),
        ("/dashboards/?fy=%00", 400),
    ],
)
def test_a_strange_query_is_answered_never_with_an_error(inspector, url, expected):
    assert inspector.get(url).status_code == expected


@pytest.mark.parametrize(
    "query",
    [
        "export=csv&table=nothing",
        "export=xlsx&table=",
        "export=pdf&table=months",
    ],
)
def test_a_download_of_no_such_table_is_not_found(inspector, query):
    assert inspector.get(f"/dashboards/?fy=2569&{query}").status_code == 404


# --- The public statistics ---------------------------------------------------------------


def stats_rows(html: str) -> dict[str, list[str]]:
    """The figures of each row of the page's tables, by the row's name."""
    rows = re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', html, re.S)
    return {
        name.strip(): [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        for name, cells in rows
    }


NOT_COMPUTED = "—"


def test_the_public_page_signs_a_small_count_and_a_rate_of_few_cases_differently(client, workers):
    published_year()

    response = workers.read(client, "/stats/?fy=2569")  # anonymous

    assert response.status_code == 200
    rows = stats_rows(response.text)
    # Bangkok: four cases with a deadline and four ratings, too few to work out a share or
    # an average; "<5" would read as "under 5 percent" or "under 5 points".
    assert rows["กรุงเทพมหานคร"] == ["6", "5", "3.0", NOT_COMPUTED, NOT_COMPUTED]
    assert rows["เชียงใหม่"] == ["&lt;5", "&lt;5", NOT_COMPUTED, NOT_COMPUTED, NOT_COMPUTED]
    assert rows["ขอนแก่น"] == ["5", "&lt;5", NOT_COMPUTED, NOT_COMPUTED, NOT_COMPUTED]
    assert rows["กระทรวงแรงงาน"] == ["10", "9", "1.0", "87.5", "3.60"]


def sign_notes(html_text: str) -> list[dict[str, str]]:
    """The explanations of the signs under each table of the page, in order."""
    notes = []
    for section in re.findall(r"<section(.*?)</section>", html_text, re.S):
        found = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section, re.S)
        notes.append({html.unescape(sign): html.unescape(text) for sign, text in found})
    return notes


def test_under_each_table_a_note_explains_each_sign_that_stands_in_it(client, workers):
    published_year()

    # The first three sections: who reaches the portal comes after them.
    national, agencies, provinces = sign_notes(workers.read(client, "/stats/?fy=2569").text)[:3]

    with translation.override("th"):
        under_five = gettext(
            "fewer than %(small_cell)s: the number is not shown, so that no one can be singled out."
        ) % {"small_cell": 5}
        not_computed = gettext(
            "not worked out: fewer than %(small_cell)s cases to work it out from (resolved, "
            "with a deadline, or rated)."
        ) % {"small_cell": 5}
    assert national == {}  # the whole country: every figure shown
    assert agencies == provinces == {"<5": under_five, NOT_COMPUTED: not_computed}
    assert under_five.startswith("น้อยกว่า 5")


def test_the_provinces_of_the_public_page_are_in_dictionary_order(client, workers):
    published_year()

    page = workers.read(client, "/stats/?fy=2569").text
    provinces = list(stats_rows(re.search(r'id="stats-by-province".*?</table>', page, re.S)[0]))

    assert len(provinces) == 77
    assert provinces[:2] == ["กระบี่", "กรุงเทพมหานคร"]
    assert provinces.index("ชุมพร") + 1 == provinces.index("เชียงราย")
    assert provinces.index("เชียงราย") + 1 == provinces.index("เชียงใหม่")
    assert provinces[-1] == "อุบลราชธานี"


def test_the_public_download_withholds_the_same_figures_and_says_why(client, workers):
    published_year()

    response = workers.read(client, "/stats/?fy=2569&export=csv&table=stats")

    assert response.status_code == 200
    assert re.search(r'filename="stats_fy2569_25\d{6}-\d{4}\.csv"', response["Content-Disposition"])
    about, _header, rows = csv_download(response)
    by_name = {row[1]: row[2:] for row in rows}
    assert by_name["กรุงเทพมหานคร"] == ["6", "5", "3.0", NOT_COMPUTED, NOT_COMPUTED]
    assert by_name["เชียงใหม่"] == ["<5", "<5", NOT_COMPUTED, NOT_COMPUTED, NOT_COMPUTED]
    assert by_name["ขอนแก่น"] == ["5", "<5", NOT_COMPUTED, NOT_COMPUTED, NOT_COMPUTED]
    assert len(rows) == 1 + 77 + Agency.objects.filter(is_active=True).count()
    assert about[2] == [thai("Fiscal year (B.E.)")[0], "2569"]
    notes = [line[0] for line in about if line and line[0][:1] in ("<", NOT_COMPUTED)]
    assert [note.split()[0] for note in notes] == ["<5", NOT_COMPUTED]


def test_the_public_statistics_carry_no_words_of_the_citizens(client, workers):
    published_year()

    page = workers.read(client, "/stats/?fy=2569").text
    download = workers.read(client, "/stats/?fy=2569&export=csv&table=stats").content.decode(
        "utf-8-sig"
    )

    for text in (page, download):
        assert CITIZEN["description"] not in text
        assert CITIZEN["citizen_name"] not in text
        assert "0812345678" not in text  # the citizen's phone
        assert COMMENT not in text


def copies(case: Case, province: str, number: int) -> None:
    """``number`` copies of a case sent through the service, in ``province``, written at
    once: a table with a single small province needs five cases in each of the others."""
    columns = {
        field.attname: getattr(case, field.attname)
        for field in Case._meta.concrete_fields
        if not field.primary_key
    }
    Case.objects.bulk_create(
        Case(**{**columns, "reference": f"RP-T{province}-{n:03d}", "province_id": province})
        for n in range(number)
    )


def cases_by_province(counts: dict[str, int], others: int) -> int:
    """New cases of FY 2569: ``counts`` in the provinces named, ``others`` in every other
    one. The number of cases."""
    case = make_case(at(2025, 11, 3, 10))
    codes = list(Province.objects.values_list("code", flat=True))
    for code in codes:
        copies(case, code, counts.get(code, others) - (code == case.province_id))
    return sum(counts.get(code, others) for code in codes)


def public_received(client, workers) -> list[dict[str, str]]:
    """The requests received of each place by name: on the page, and in the download."""
    page = stats_rows(workers.read(client, "/stats/?fy=2569").text)
    _about, _header, rows = csv_download(
        workers.read(client, "/stats/?fy=2569&export=csv&table=stats")
    )
    return [
        {name: html.unescape(cells[0]) for name, cells in page.items()},
        {row[1]: row[2] for row in rows},
    ]


def test_a_single_small_province_withholds_the_next_smallest_too(client, workers):
    total = cases_by_province({"10": 2, "50": 5}, others=6)
    provinces = set(Province.objects.values_list("name_th", flat=True))

    for received in public_received(client, workers):
        # Bangkok's two cases are withheld; so is Chiang Mai's count, the next smallest,
        # lest the whole country less the other provinces give Bangkok's away.
        assert received["กรุงเทพมหานคร"] == "<5"
        assert received["เชียงใหม่"] == "*"
        shown = [value for name, value in received.items() if name in provinces]
        assert Counter(shown) == {"6": 75, "*": 1, "<5": 1}
        assert received[thai("Thailand")[0]] == str(total) == str(2 + 5 + 75 * 6)


def test_two_small_provinces_withhold_nothing_more(client, workers):
    cases_by_province({"10": 2, "50": 3}, others=5)
    provinces = set(Province.objects.values_list("name_th", flat=True))

    for received in public_received(client, workers):
        assert received["กรุงเทพมหานคร"] == received["เชียงใหม่"] == "<5"
        shown = [value for name, value in received.items() if name in provinces]
        assert Counter(shown) == {"5": 75, "<5": 2}


# --- Queries ---------------------------------------------------------------------------------

PAGES = [
    "/dashboards/?fy=2569",
    "/dashboards/agencies/?fy=2569",
    "/dashboards/provinces/?fy=2569",
    "/dashboards/strategies/?fy=2569",
]
PROVINCES = ["10", "50", "11", "12", "13", "20", "21", "30", "34", "40"]
PROVINCES += ["41", "57", "60", "65", "70", "72", "80", "84", "90", "96"]


def cases_in(provinces: list[str]) -> None:
    """A resolved, rated case in each province, declined by two agencies (so it is listed
    among the contested ones) and accepted by a third."""
    for code in provinces:
        case = make_case(
            at(2025, 11, 3, 10),
            RESOLVED,
            province=code,
            resolved_at=at(2025, 11, 20, 10),
            resolved_in_time=True,
            resolve_seconds=10 * HOUR,
            acknowledge_seconds=HOUR,
        )
        rate(case, 4, 4, 4)
        for to in ("MOPH", "MOI"):
            make_referral(case, to, DECLINED, at(2025, 11, 4, 9), HOUR)
        make_referral(case, "MSDHS", "accepted", at(2025, 11, 4, 9), HOUR)


def projects(codes: list[str]) -> None:
    """Projects running in 2569, each with computed and reported indicators (targets,
    values, kinds of help) and an activity; every strategy gets an indicator too."""
    for code in codes:
        project = Project.objects.create(
            strategy=Strategy.objects.get(number=6),
            code=code,
            name_th=f"โครงการ {code}",
            name_en=f"Project {code}",
            lead_agency=agency("MOL"),
            first_fiscal_year=2568,
            last_fiscal_year=2570,
        )
        project.participating_agencies.add(agency("MOPH"))
        for metric in (CaseMetric.RECEIVED, CaseMetric.REFERRALS_ANSWERED, ""):
            indicator = Indicator.objects.create(
                project=project,
                name_th=f"ตัวชี้วัด {code} {metric}",
                name_en=f"Indicator {code} {metric}",
                unit_th="ราย",
                unit_en="cases",
                responsible_agency=agency("MOL"),
                measurement=Measurement.COMPUTED if metric else Measurement.REPORTED,
                metric=metric,
            )
            indicator.categories.add(Category.objects.get(code="unpaid-wages"))
            IndicatorTarget.objects.create(indicator=indicator, fiscal_year=2569, target=10)
            if not metric:
                IndicatorValue.objects.create(
                    indicator=indicator, fiscal_year=2569, quarter=1, value=4, evidence="รายงาน"
                )
        Activity.objects.create(
            project=project,
            name_th=f"กิจกรรม {code}",
            responsible_agency=agency("MOPH"),
            planned_start=date(2025, 10, 1),
            planned_end=date(2026, 9, 30),
        )
    Indicator.objects.get_or_create(
        strategy=Strategy.objects.get(number=6),
        name_th="รับเรื่องทั้งกลยุทธ์",
        defaults={
            "name_en": "Requests of the strategy",
            "unit_th": "ราย",
            "unit_en": "cases",
            "responsible_agency": agency("MOJ"),
            "measurement": Measurement.COMPUTED,
            "metric": CaseMetric.PEOPLE_HELPED,
        },
    )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_pages_cost_the_same_queries_for_few_or_many_places_and_projects(inspector):
    cases_in(PROVINCES[:2])
    projects(["P1"])
    for url in PAGES:
        inspector.get(url)  # anything read once per process is read now
    few = {url: queries(inspector, url) for url in PAGES}

    cases_in(PROVINCES[2:])
    projects(["P2", "P3"])
    many = {url: queries(inspector, url) for url in PAGES}

    assert many == few

"""The dashboards' filters and place tables as a reader meets them, without JavaScript:

- the filters fold into one line that says which are set (open only when one was left
  out), so that the figures, not the form, fill the first screen;
- a period's dates are chosen as day, month (by its Thai name) and B.E. year, never as the
  browser's Gregorian mm/dd/yyyy; a date given whole in a link fills the same lists;
- the provinces stand under their region in dictionary order (ranked across the country
  when sorted by a figure); a province's districts do not repeat its region on each row.
"""

import re
from datetime import date
from html import unescape

import pytest
from django.utils import translation
from django.utils.translation import gettext

from agencies.collation import dictionary_key
from agencies.models import District
from agencies.regions import REGIONS
from tests.portal.dashboard_data import year_of_cases

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

PAGES = ["/dashboards/", "/dashboards/agencies/", "/dashboards/provinces/"]
PAGES += ["/dashboards/strategies/", "/dashboards/provinces/50/", "/dashboards/cases/"]


def thai(message: str) -> str:
    with translation.override("th"):
        return gettext(message)


def filters_panel(response) -> str:
    found = re.search(r'<details class="filters card"[^>]*>.*?</details>', response.text, re.S)
    assert found, "no folded filters"
    return found[0]


def summary_of(response) -> str:
    summary = re.search(r'<span class="filters-summary">(.*?)</span>', response.text, re.S)
    return unescape(re.sub(r"\s+", " ", summary[1])).strip()


def options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of each option of the select ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [
        (value, unescape(text).strip(), "selected" in attributes)
        for value, attributes, text in re.findall(
            r'<option value="([^"]*)"([^>]*)>(.*?)</option>', select[1], re.S
        )
    ]


def chosen(html: str, name: str) -> str:
    return next((text for _value, text, selected in options(html, name) if selected), "")


# --- The folded filters ---------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_the_filters_fold_into_a_line_that_names_those_set(inspector, url):
    response = inspector.get(url, {"fy": "2569", "province": "50", "category": "legal-aid"})

    panel = filters_panel(response)
    assert panel.startswith('<details class="filters card">')  # folded
    assert summary_of(response) == " · ".join(
        [
            f"{thai('Fiscal year (B.E.)')}: 2569",
            f"{thai('Province')}: เชียงใหม่",
            f"{thai('Kind of help')}: ปรึกษาและช่วยเหลือทางกฎหมาย",
        ]
    )


def test_without_a_filter_the_line_still_names_the_fiscal_year(inspector):
    response = inspector.get("/dashboards/", {"fy": ""})

    assert summary_of(response) == f"{thai('Fiscal year (B.E.)')}: {thai('All years')}"


def test_a_filter_left_out_opens_the_panel_to_say_why(inspector):
    response = inspector.get("/dashboards/", {"date_from": "2026-03-10", "date_to": "2026-03-01"})

    assert filters_panel(response).startswith('<details class="filters card" open>')
    assert thai("The end of the period cannot come before its start.") in response.text


# --- Dates in the Buddhist Era ----------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_no_dashboard_page_asks_for_a_gregorian_date(inspector, url):
    response = inspector.get(url)

    assert 'type="date"' not in response.text
    assert [text for _v, text, _s in options(response.text, "date_from_1")][1:4] == [
        "มกราคม",
        "กุมภาพันธ์",
        "มีนาคม",
    ]
    years = [text for _v, text, _s in options(response.text, "date_from_2")][1:]
    assert years[0] == "2561"  # October 2561 began fiscal year 2562, the plan's first
    assert all(2561 <= int(year) <= 2600 for year in years)
    assert [text for _v, text, _s in options(response.text, "date_from_0")][1:] == [
        str(day) for day in range(1, 32)
    ]


def test_a_period_chosen_as_day_month_and_buddhist_year(inspector):
    year_of_cases()
    data = {"fy": "2569", "date_from_0": "1", "date_from_1": "3", "date_from_2": "2026"}
    data |= {"date_to_0": "15", "date_to_1": "3", "date_to_2": "2026"}

    response = inspector.get("/dashboards/", data)

    selection = response.context["selection"]
    assert (selection.date_from, selection.date_to) == (date(2026, 3, 1), date(2026, 3, 15))
    assert response.context["cases"]["received"] == 2  # c6 and c7
    assert chosen(response.text, "date_from_1") == "มีนาคม"
    assert chosen(response.text, "date_from_2") == "2569"
    assert f"{thai('From')}: 1 มี.ค. 2569" in summary_of(response)
    assert "date_from=2026-03-01" in response.context["selection"].query()  # links say it whole


def test_a_date_given_whole_by_a_link_fills_the_three_lists(inspector):
    response = inspector.get("/dashboards/", {"date_from": "2025-11-03"})

    html = response.text
    assert (chosen(html, "date_from_0"), chosen(html, "date_from_1")) == ("3", "พฤศจิกายน")
    assert chosen(html, "date_from_2") == "2568"
    assert response.context["selection"].date_from == date(2025, 11, 3)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("31", "2", "2026"), "There is no such day: check the day and the month."),
        (("1", "", "2026"), "Choose the day, the month and the year."),
        (("1", "2", "9999"), "There is no such day: check the day and the month."),
    ],
)
def test_a_date_that_does_not_exist_is_left_out_and_the_page_says_why(inspector, parts, message):
    data = {f"date_from_{index}": part for index, part in enumerate(parts)}

    response = inspector.get("/dashboards/", data)

    assert response.status_code == 200
    assert response.context["selection"].date_from is None
    assert thai(message) in unescape(response.text)


def test_an_english_reader_chooses_months_by_english_name_and_years_of_our_era(inspector, settings):
    inspector.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = inspector.get("/dashboards/", {"date_from": "2025-11-03"}).text

    assert chosen(html, "date_from_1") == "November"
    assert chosen(html, "date_from_2") == "2025"


# --- The tables of places -------------------------------------------------------------------


def group_rows(html: str, key: str) -> list[tuple[str, list[str]]]:
    """(region, the provinces under it) of the table ``key``, as shown."""
    table = re.search(rf'<table[^>]*id="data-{key}".*?</table>', html, re.S)[0]
    groups = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", table, re.S):
        heading = re.search(r'<th scope="colgroup"[^>]*>(.*?)</th>', body, re.S)
        names = re.findall(
            r'<th scope="row">\s*(?:<a [^>]*>)?\s*(.*?)\s*(?:</a>)?\s*</th>', body, re.S
        )
        groups.append((heading[1].strip() if heading else "", [unescape(n) for n in names]))
    return groups


def headings(html: str, key: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="data-{key}".*?</thead>', html, re.S)[0]
    return [
        unescape(re.sub(r"<[^>]+>|[▲▼]", "", cell)).strip()
        for cell in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)
    ]


def test_the_provinces_stand_under_their_region_in_dictionary_order(inspector):
    html = inspector.get("/dashboards/provinces/").text

    groups = group_rows(html, "provinces")
    assert [region for region, _names in groups] == [region.name_th for region in REGIONS]
    assert sum(len(names) for _region, names in groups) == 77
    for _region, names in groups:
        assert names == sorted(names, key=dictionary_key)
    north = dict(groups)["ภาคเหนือ"]
    assert north.index("เชียงราย") + 1 == north.index("เชียงใหม่")
    assert north.index("เชียงใหม่") < north.index("น่าน")  # เชียงใหม่ under ช, before น
    assert thai("Region") not in headings(html, "provinces")


def test_sorted_by_a_figure_the_provinces_are_ranked_across_the_country(inspector):
    year_of_cases()

    html = inspector.get("/dashboards/provinces/", {"sort": "received", "order": "desc"}).text

    [(heading, names)] = group_rows(html, "provinces")
    assert heading == ""
    assert names[0] == "กรุงเทพมหานคร"  # every case of the year is in Bangkok
    assert thai("Region") in headings(html, "provinces")


def test_the_districts_of_a_province_name_its_region_once(inspector):
    html = inspector.get("/dashboards/provinces/50/").text

    [(_heading, names)] = group_rows(html, "districts")
    assert thai("Region") not in headings(html, "districts")
    assert html.count("ภาคเหนือ") == 1
    assert len(names) == District.objects.filter(province_id="50").count()
    assert names == sorted(names, key=dictionary_key)

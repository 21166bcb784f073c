"""Dates chosen as Thai readers write them (``agencies.thai_dates``): the day, the month by
its name and the B.E. year, as three lists that need no JavaScript, on every page that
asks for a date; never the browser's own date box, which shows the Gregorian mm/dd/yyyy
of the computer beside pages that speak B.E."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import AgencyApiKey, Role
from agencies.options import options_html
from agencies.thai_dates import ThaiDateField
from referrals.models import Case
from strategies.fiscal import fiscal_year_days, fiscal_year_of
from strategies.models import Activity
from tests.factories import InspectorFactory
from tests.referrals.factories import agency, staff, submit
from tests.strategies.factories import ActivityFactory, ProjectFactory

pytestmark = pytest.mark.django_db

LEAD = "MOJ"


class PeriodForm(forms.Form):
    start = ThaiDateField(years=lambda: range(2024, 2028), label="เริ่ม", required=False)


def chosen(form: forms.Form, data: dict):
    bound = form(data)
    bound.is_valid()
    return bound.cleaned_data.get("start"), [str(e) for e in bound.errors.get("start", [])]


def test_a_date_is_its_day_month_and_year():
    with translation.override("th"):
        assert chosen(PeriodForm, {"start_0": "29", "start_1": "2", "start_2": "2028"}) == (
            date(2028, 2, 29),
            [],
        )
        assert chosen(PeriodForm, {"start_0": "", "start_1": "", "start_2": ""}) == (None, [])
        assert chosen(PeriodForm, {}) == (None, [])
        assert chosen(PeriodForm, {"start": "2025-11-03"}) == (date(2025, 11, 3), [])
        assert chosen(PeriodForm, {"start_0": "29", "start_1": "2", "start_2": "2027"}) == (
            None,
            ["ไม่มีวันที่นี้ ตรวจดูวันและเดือนอีกครั้ง"],
        )
        assert chosen(PeriodForm, {"start_0": "3", "start_1": "", "start_2": "2027"}) == (
            None,
            ["เลือกวัน เดือน และปีให้ครบ"],
        )


def lists(html: str, name: str) -> dict[str, list[str]]:
    """The texts offered by the day, month and year lists of the date field ``name``."""
    found = {}
    for part, key in enumerate(("day", "month", "year")):
        select = re.search(rf'<select name="{name}_{part}"[^>]*>(.*?)</select>', html, re.S)
        assert select, f"{name}_{part}"
        found[key] = [
            unescape(text).strip() for text in re.findall(r">([^<]*)</option>", select[1])
        ]
    return found


def test_in_thai_months_by_their_thai_names_and_years_of_the_buddhist_era():
    with translation.override("th"):
        shown = lists(str(PeriodForm()["start"]), "start")

    assert shown["day"] == ["วัน", *(str(day) for day in range(1, 32))]
    assert shown["month"][:3] == ["เดือน", "มกราคม", "กุมภาพันธ์"]
    assert shown["month"][-1] == "ธันวาคม"
    assert shown["year"] == ["ปี", "2567", "2568", "2569", "2570"]


def test_in_english_months_by_their_english_names_and_years_of_our_era():
    with translation.override("en"):
        shown = lists(str(PeriodForm()["start"]), "start")

    assert shown["month"][:2] == ["Month", "January"]
    assert shown["year"] == ["Year", "2024", "2025", "2026", "2027"]


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("data", [None, {"start_0": "5", "start_1": "11", "start_2": "2025"}])
def test_the_lists_are_those_django_s_select_widgets_draw(language, data):
    """Written by the widget itself (a template per option was the queue's costliest
    part), the lists are the same tags, attributes and selection as Django draws them."""
    field = PeriodForm(data)["start"]
    widget = field.field.widget
    with translation.override(language):
        written = str(field)
        drawn = forms.MultiWidget.render(widget, field.html_name, field.value(), {"id": "id_start"})

    def tags(html: str) -> str:
        return re.sub(r">\s+<", "><", html).strip()

    assert tags(written) == tags(drawn)
    assert ('<option value="5" selected>5</option>' in written) == (data is not None)


def test_options_are_escaped_as_django_escapes_them():
    html = options_html([("", "—"), ('a"b', "<ไทย> & 'คำ'")], 'a"b')

    assert html == (
        '<option value="">—</option>'
        '<option value="a&quot;b" selected>&lt;ไทย&gt; &amp; &#x27;คำ&#x27;</option>'
    )


# --- Every page that asks for a date --------------------------------------------------------


def this_year_be() -> str:
    return str(timezone.localdate().year + 543)


def asks_in_the_buddhist_era(html: str, name: str) -> None:
    assert 'type="date"' not in html
    shown = lists(html, name)
    assert shown["month"][1] == "มกราคม"
    assert this_year_be() in shown["year"]


def test_the_queue_filters_cases_by_the_day_they_came_in(client):
    old, _secret = submit("unpaid-wages")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    new, _secret = submit("unpaid-wages")
    client.force_login(staff("MOL", Role.INTAKE_OFFICER))
    since = timezone.localdate() - timedelta(days=10)

    page = client.get("/staff/", {"tab": "all"}).text
    narrowed = client.get(
        "/staff/",
        {
            "tab": "all",
            "created_from_0": since.day,
            "created_from_1": since.month,
            "created_from_2": since.year,
        },
    ).text

    asks_in_the_buddhist_era(page, "created_from")
    asks_in_the_buddhist_era(page, "created_to")
    assert '<details class="more-filters">' in page
    assert '<details class="more-filters" open>' in narrowed  # the date chosen shows
    assert new.reference in narrowed
    assert old.reference not in narrowed


def test_an_activity_is_planned_by_day_month_and_buddhist_year(client):
    project = ProjectFactory(lead_agency=agency(LEAD))
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))
    url = reverse("plan:activity_new", args=[project.code])
    start, end = fiscal_year_days(fiscal_year_of(timezone.localdate()))

    page = client.get(url).text
    response = client.post(
        url,
        {
            "name_th": "อบรมเจ้าหน้าที่",
            "name_en": "Train the officers",
            "responsible_agency": agency(LEAD).pk,
            **{f"planned_start_{i}": part for i, part in enumerate((1, start.month, start.year))},
            **{f"planned_end_{i}": part for i, part in enumerate((end.day, end.month, end.year))},
            "progress": "0",
        },
    )

    for name in ("planned_start", "planned_end", "actual_start", "actual_end"):
        asks_in_the_buddhist_era(page, name)
    assert response.status_code == 302
    saved = Activity.objects.get(name_th="อบรมเจ้าหน้าที่")
    assert (saved.planned_start, saved.planned_end) == (start.replace(day=1), end)


def test_an_activity_s_page_shows_its_dates_in_the_lists(client):
    activity = ActivityFactory(
        project=ProjectFactory(lead_agency=agency(LEAD)), planned_start=date(2025, 11, 3)
    )
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))

    html = client.get(reverse("plan:activity_edit", args=[activity.project.code, activity.pk]))

    selected = re.findall(
        r'<select name="planned_start_\d"[^>]*>.*?<option value="[^"]*" selected>([^<]*)<',
        html.text,
        re.S,
    )
    assert selected == ["3", "พฤศจิกายน", "2568"]


def test_a_key_s_last_day_is_chosen_by_day_month_and_buddhist_year(client):
    client.force_login(staff("MOL", Role.AGENCY_ADMIN))
    day = timezone.localdate() + timedelta(days=30)

    page = client.get(reverse("api_keys:list")).text
    client.post(
        reverse("api_keys:list"),
        {
            "name": "ระบบรับเรื่องของกรม",
            **{f"expires_on_{i}": part for i, part in enumerate((day.day, day.month, day.year))},
        },
    )

    asks_in_the_buddhist_era(page, "expires_on")
    assert lists(page, "expires_on")["year"][1] == this_year_be()  # no year gone by
    key = AgencyApiKey.objects.get()
    assert timezone.localtime(key.expiry_date).date() == day


def test_the_dashboards_ask_for_their_period_in_the_buddhist_era(client):
    client.force_login(InspectorFactory().user)

    page = client.get("/dashboards/").text

    asks_in_the_buddhist_era(page, "date_from")
    asks_in_the_buddhist_era(page, "date_to")

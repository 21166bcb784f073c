"""A ministry inspector reads the dashboards in a real browser, in Thai: the overview and its
charts, a filter by fiscal year and province, the cases behind a figure (without personal
data) and their XLSX download, then the agencies, provinces and strategies pages."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from agencies.models import Agency, Province, Role
from referrals.models import Case, Category, Channel
from referrals.services import (
    NewCase,
    accept_case,
    accept_referral,
    complete_referral,
    create_case,
    refer_case,
    resolve_case,
)
from strategies.fiscal import fiscal_year_bounds, fiscal_year_of
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD, InspectorFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
CHIANG_MAI, BANGKOK = "50", "10"


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def supervisor(code: str):
    return MembershipFactory(agency=agency(code), role=Role.SUPERVISOR).user


def new_case(name: str, phone: str, category: str, province: str) -> Case:
    case, _secret = create_case(
        NewCase(
            citizen_name=name,
            citizen_phone=phone,
            category=Category.objects.get(code=category),
            province=Province.objects.get(code=province),
            description="ขอความช่วยเหลือเรื่องนี้ด้วย รายละเอียดอยู่ในเอกสารที่แนบ",
            channel=Channel.WEB,
        )
    )
    return case


def back_to(case: Case, moment) -> None:
    """Move a case's receipt (and resolution, if any) into an earlier fiscal year."""
    changes = {"created_at": moment}
    if case.resolved_at:
        changes["resolved_at"] = moment + timedelta(days=10)
    Case.objects.filter(pk=case.pk).update(**changes)


def build_cases() -> dict:
    """Eight cases: five of this fiscal year (three in Chiang Mai, two in Bangkok), three
    of the year before (two in Chiang Mai, one in Bangkok); some referred, some resolved.
    Returns the fiscal years, the references by (year, province), and the personal data."""
    moj, mol, moi = supervisor("MOJ"), supervisor("MOL"), supervisor("MOI")
    people = {
        "cm-referred-resolved": ("สมปอง แสนดีเด่น", "0811110001", "legal-aid", CHIANG_MAI),
        "cm-new": ("บุญมี ทองคำงาม", "0811110002", "unpaid-wages", CHIANG_MAI),
        "cm-referred-open": ("จันทร์เพ็ญ ศรีสว่างใจ", "0811110003", "loan-sharks-debt", CHIANG_MAI),
        "bkk-resolved": ("ประเสริฐ วงศ์ใหญ่ยิ่ง", "0811110004", "legal-aid", BANGKOK),
        "bkk-new": ("มาลัย ดอกไม้หอม", "0811110005", "finding-work", BANGKOK),
        "old-cm-resolved": ("วิชัย ใจเย็นนัก", "0811110006", "legal-aid", CHIANG_MAI),
        "old-cm-referred": ("สุดา พรมแดนไกล", "0811110007", "unpaid-wages", CHIANG_MAI),
        "old-bkk-new": ("อำนาจ ฟ้าประทาน", "0811110008", "other", BANGKOK),
    }
    cases = {key: new_case(*values) for key, values in people.items()}

    # Referred to labour, who helped; then resolved by the Ministry of Justice.
    case = accept_case(cases["cm-referred-resolved"], moj)
    (referral,) = refer_case(case, moj, {agency("MOL"): "ช่วยติดตามค่าจ้างค้างจ่ายให้ผู้ร้อง"})
    accept_referral(referral, mol)
    complete_referral(referral, mol, "ได้รับค่าจ้างครบแล้ว")
    resolve_case(Case.objects.get(pk=case.pk), moj, "ช่วยเหลือทางกฎหมายและได้รับค่าจ้างครบ")
    # Referred by the Interior to social development, still waiting for an answer.
    case = accept_case(cases["cm-referred-open"], moi)
    refer_case(case, moi, {agency("MSDHS"): "ขอที่พักชั่วคราวให้ผู้ร้องและครอบครัว"})
    case = accept_case(cases["bkk-resolved"], moj)
    resolve_case(case, moj, "ให้คำปรึกษาทางกฎหมายแล้ว")
    case = accept_case(cases["old-cm-resolved"], moj)
    resolve_case(case, moj, "ให้คำปรึกษาทางกฎหมายแล้ว")
    case = accept_case(cases["old-cm-referred"], mol)
    refer_case(case, mol, {agency("MOJ"): "ขอความช่วยเหลือทางกฎหมายในการฟ้องนายจ้าง"})

    this_year = fiscal_year_of(timezone.now())
    last_year = this_year - 1
    start, _end = fiscal_year_bounds(last_year)
    for key in ("old-cm-resolved", "old-cm-referred", "old-bkk-new"):
        back_to(Case.objects.get(pk=cases[key].pk), start + timedelta(days=40))

    references: dict[tuple[int, str], set[str]] = {}
    for key, case in cases.items():
        year = last_year if key.startswith("old-") else this_year
        references.setdefault((year, people[key][3]), set()).add(case.reference)
    personal = [text for name, phone, *_ in people.values() for text in (name, phone)]
    return {
        "this_year": this_year,
        "last_year": last_year,
        "references": references,
        "personal": personal,
    }


def watch(page, console_errors: list[str]):
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    return page


def tile_value(page, label: str):
    tile = page.locator(".tile").filter(
        has=page.locator(".tile-label", has_text=re.compile(f"^{re.escape(label)}$"))
    )
    return tile.locator(".tile-value")


def charts_are_drawn(page) -> None:
    expect(page.locator(".chart canvas").first).to_be_attached()
    assert page.evaluate("typeof Chart") == "function"
    # Chart.js's own Helvetica/Arial may have no Thai letters: the labels use the page's font.
    assert "Noto Sans Thai" in page.evaluate("Chart.defaults.font.family")


def fits(page, width: int) -> bool:
    return page.evaluate(f"document.documentElement.scrollWidth <= {width}")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"inspector-{name}.png", full_page=True)


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_an_inspector_reads_filters_drills_down_and_downloads_the_dashboards(
    browser, live_server, reference_data, tmp_path
):
    data = build_cases()
    this_year, last_year = data["this_year"], data["last_year"]
    references = data["references"]
    inspector = InspectorFactory().user
    console_errors: list[str] = []

    # 1. The inspector signs in and opens the dashboards from the home page.
    context = browser.new_context(locale="th-TH", viewport=WIDE, accept_downloads=True)
    page = watch(context.new_page(), console_errors)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("ชื่อผู้ใช้").fill(inspector.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()  # inspectors land on the dashboards

    expect(page).to_have_url(re.compile(r"/dashboards/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("หน่วยงานร่วมกันให้บริการประชาชนอย่างไร")
    expect(page.locator(".tile")).to_have_count(6)
    this_year_count = len(references[this_year, CHIANG_MAI] | references[this_year, BANGKOK])
    expect(tile_value(page, "คำขอที่ได้รับ")).to_have_text(str(this_year_count))
    charts_are_drawn(page)
    shot(page, "overview-1280")

    # 2. Last fiscal year, Chiang Mai only, through the filter form (folded until opened).
    page.locator("details.filters > summary").click()
    page.get_by_label("ปีงบประมาณ (พ.ศ.)").select_option(str(last_year))
    page.get_by_label("จังหวัด", exact=True).select_option(CHIANG_MAI)
    page.get_by_role("button", name="แสดง", exact=True).click()

    expect(page).to_have_url(re.compile(r"province=50"))
    query = query_of(page)
    assert query["fy"] == [str(last_year)]
    assert query["province"] == [CHIANG_MAI]
    expected = references[last_year, CHIANG_MAI]
    expect(tile_value(page, "คำขอที่ได้รับ")).to_have_text(str(len(expected)))
    expect(page.locator(".filters-summary")).to_have_text(
        f"ปีงบประมาณ (พ.ศ.): {last_year} · จังหวัด: เชียงใหม่"
    )
    expect(page.get_by_label("ปีงบประมาณ (พ.ศ.)")).to_have_value(str(last_year))

    # 3. The figure's tile leads to the very cases it counts, without personal data.
    page.locator(".tile").filter(has_text="คำขอที่ได้รับ").get_by_role("link").click()

    expect(page).to_have_url(re.compile(r"/dashboards/cases/\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("เรื่องที่อยู่เบื้องหลังตัวเลข")
    query = query_of(page)
    assert query["fy"] == [str(last_year)]
    assert query["province"] == [CHIANG_MAI]
    assert query["figure"] == ["received"]
    listed = page.locator("#data-cases tbody th[scope=row]").all_inner_texts()
    assert {text.strip() for text in listed} == expected
    assert len(listed) == len(expected)
    content = page.content()
    for text in data["personal"]:
        assert text not in content
    shot(page, "drilldown")

    # 4. The list downloads as XLSX with Thai headers and the same references.
    downloads = page.locator("section.dashboard-table", has=page.locator("#data-cases"))
    with page.expect_download() as info:
        downloads.get_by_role("link", name="XLSX", exact=True).click()
    download = info.value
    # Its name and first sheet say which cases these are: last year's, Chiang Mai's.
    assert download.suggested_filename.startswith(f"cases_fy{last_year}_p{CHIANG_MAI}_received_")
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    about, sheet = load_workbook(saved).worksheets
    assert about.title == "ตัวกรอง"
    assert ("จังหวัด", "เชียงใหม่") in list(about.iter_rows(values_only=True))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "เรื่องที่อยู่เบื้องหลังตัวเลข"
    header = rows[1]
    assert header[0] == "เลขที่เรื่อง"
    assert "จังหวัด" in header
    assert "ประเภทความช่วยเหลือ" in header
    assert {row[0] for row in rows[2:]} == expected
    assert len(rows) - 2 == len(expected)
    for row in rows:
        for value in row:
            assert value not in data["personal"]

    # 5. The other pages: agencies, provinces (sorted by a heading), districts, strategies.
    tabs = page.locator("nav.tabs")
    tabs.get_by_role("link", name="หน่วยงาน", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("หน่วยงาน และการส่งต่อเรื่องระหว่างกัน")
    assert query_of(page)["province"] == [CHIANG_MAI]
    charts_are_drawn(page)

    tabs.get_by_role("link", name="จังหวัด", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "รายจังหวัด และความต้องการของประชาชนในแต่ละภาค"
    )
    page.locator("details.filters > summary").click()
    page.get_by_role("link", name="ล้างตัวกรอง").click()  # every province, this year
    provinces = page.locator("#data-provinces")
    provinces.locator("thead").get_by_role("link", name="คำขอที่ได้รับ", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=received&order=asc"))
    provinces = page.locator("#data-provinces")
    provinces.locator("thead").get_by_role("link", name="คำขอที่ได้รับ", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=received&order=desc"))
    expect(provinces.locator("thead th[data-key=received]")).to_contain_text("▼")
    first = provinces.locator("tbody tr").nth(0)
    second = provinces.locator("tbody tr").nth(1)
    expect(first.locator("th")).to_have_text("เชียงใหม่")
    expect(first.locator("td.number").first).to_have_text(
        str(len(references[this_year, CHIANG_MAI]))
    )
    expect(second.locator("th")).to_have_text("กรุงเทพมหานคร")
    expect(second.locator("td.number").first).to_have_text(str(len(references[this_year, BANGKOK])))
    charts_are_drawn(page)  # what people ask for, by region

    first.get_by_role("link", name="เชียงใหม่").click()
    expect(page).to_have_url(re.compile(r"/dashboards/provinces/50/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("เชียงใหม่")
    expect(page.locator("#data-districts")).to_be_visible()

    page.locator("nav.tabs").get_by_role("link", name="กลยุทธ์", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"แผนปฏิบัติการ ปีงบประมาณ {this_year}")
    expect(page.locator("#data-indicators")).to_be_attached()

    # The overview on a phone: nothing wider than the screen, the tables scroll by themselves.
    phone = browser.new_context(
        locale="th-TH", viewport=PHONE, storage_state=context.storage_state()
    )
    small = watch(phone.new_page(), console_errors)
    small.goto(live_server.url + "/dashboards/")
    expect(small.locator(".tile")).to_have_count(6)
    charts_are_drawn(small)
    assert fits(small, PHONE["width"]), small.evaluate("document.documentElement.scrollWidth")
    shot(small, "overview-360")

    phone.close()
    context.close()
    assert console_errors == []

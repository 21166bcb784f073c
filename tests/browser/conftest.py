from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.services import CHROMIUM

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session", autouse=True)
def allow_orm_beside_playwright():
    """Playwright's sync API keeps an event loop running in the test thread for the whole
    session; the ORM calls made there (test data, the database flush after each test) are
    still synchronous, so Django may allow them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, with the flags this closed network needs; nothing is downloaded."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "th-TH", "viewport": PHONE}


@pytest.fixture
def console_errors(page):
    """Every JavaScript error and console error of the page; a test asserts it stays empty."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.fixture
def screenshot(page, request):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(step: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def screenshot_dir(request) -> Path:
    folder = SCREENSHOTS / request.node.name.split("[")[0]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page, live_server, user, then: str = "/") -> None:
    """Sign ``user`` in through the portal's own form (in whichever language the page is),
    then open ``then``."""
    page.goto(f"{live_server.url}/accounts/login/?next={then}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()


def fits_the_screen(page) -> bool:
    """Whether the page is no wider than the window (nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def fill_a_request(page, description: str = "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว") -> None:
    """Fill the request form in Thai as a citizen does: unpaid wages in Chiang Mai."""
    page.get_by_text("งาน ค่าจ้าง และหนี้สิน", exact=True).click()
    page.get_by_role("radio", name="ค่าจ้างค้างจ่ายและสิทธิแรงงาน").check()
    page.get_by_label("เล่าว่าเกิดอะไรขึ้น และต้องการความช่วยเหลืออย่างไร").fill(description)
    page.get_by_label("จังหวัด", exact=True).select_option(label="เชียงใหม่")
    page.get_by_label("ชื่อ-นามสกุลของคุณ").fill("สมชาย ใจดี")
    page.get_by_label("หมายเลขโทรศัพท์").fill("081 234 5678")


def open_folded_action(page, name: str):
    """Open the staff case page's folded action ``name``: the fold of the other actions,
    then the card's "open the form" link, which htmx answers with the form in place (and,
    without JavaScript, the page again with that form open). Returns the form."""
    fold = page.locator("details.more-actions")
    if fold.get_attribute("open") is None:
        fold.locator("> summary").click()
    page.locator(f"#action-{name}").get_by_role("link", name="เปิดแบบฟอร์ม").click()
    form = page.locator(f"form#action-{name}")
    expect(form).to_be_visible()
    return form

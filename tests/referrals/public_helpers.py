"""What the tests of the citizens' pages share: a valid request form, files, a browser that
has opened a case, a clock to move, and a little HTML reading.

    response = client.post("/requests/new/", request_form(citizen_phone="0899999999"))
    tracked(client, case)                      # this browser may now act on ``case``
    alert(response)                            # the text of the error summary
    field_errors(response, "citizen_phone")    # the messages next to one field
"""

import io
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.html import Element, Parser
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter

from agencies.models import District, Subdistrict
from referrals import throttle
from referrals.models import Case, Category

BANGKOK = "10"
CHIANG_MAI = "50"
KNOWN_SECRET = "ABCD-2345"
REFERENCE = re.compile(r"RP-\d{4}-[0-9A-Z]{6}")
SECRET = re.compile(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b")
DESCRIPTION = "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอความช่วยเหลือด้วยครับ"


def isolate(settings, tmp_path, monkeypatch):
    """Each test counts its own rate limits and wrong codes, and files go to a fresh folder.

    The counters live in the cache. The test cache (Redis db 15, or a folder under var/test)
    is shared by every test process: another pytest worker clearing it in the middle of a
    test would lose that test's counts. So each test gets a cache of its own, of the kind
    Django keeps in memory, empty at the start. The limits count in windows of their
    period; their clock stands still, so that no test straddles the end of a window and
    starts counting afresh.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    monkeypatch.setattr(throttle, "time", Clock(time.time()))
    cache.clear()
    yield settings.MEDIA_ROOT
    cache.clear()


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def category_pk(code: str) -> str:
    return str(Category.objects.get(code=code).pk)


def national_id(first_twelve: str) -> str:
    """A Thai national ID with its check digit."""
    total = sum(int(d) * w for d, w in zip(first_twelve, range(13, 1, -1), strict=True))
    return first_twelve + str((11 - total % 11) % 10)


def district_of(province: str, index: int = 0) -> District:
    return District.objects.filter(province_id=province).order_by("code")[index]


def subdistrict_of(district: District, index: int = 0) -> Subdistrict:
    return Subdistrict.objects.filter(district=district).order_by("code")[index]


def request_form(kind: str = "unpaid-wages", **fields) -> dict:
    """What a citizen posts on /requests/new/ asking for help of ``kind`` (a category's
    code), valid unless ``fields`` say otherwise; a field given as None is left out."""
    data = {
        "category": category_pk(kind),
        "description": DESCRIPTION,
        "province": BANGKOK,
        "district": "",
        "subdistrict": "",
        "citizen_name": "สมชาย ใจดี",
        "citizen_phone": "081 234 5678",
        "citizen_email": "",
        "national_id": "",
        "website": "",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


# --- Files ----------------------------------------------------------------------------

EXIF_MARKER = "Phone-of-Somchai-GPS-13.7563"


def png_bytes(size=(40, 30), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = EXIF_MARKER  # Make
        tags[0x010E] = EXIF_MARKER  # ImageDescription
        image.save(buffer, "PNG", exif=tags)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png(name: str = "photo.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), "image/png")


def pdf(name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), "application/pdf")


# --- Following a case -----------------------------------------------------------------


def open_case(client, reference: str, secret: str, **extra):
    return client.post("/track/", {"reference": reference, "secret": secret}, **extra)


def case_url(case: Case, action: str = "") -> str:
    """The tracking page of ``case`` (or the address of one of its actions)."""
    return f"/track/{case.reference}/{action}"


def tracked(client, case: Case):
    """Give ``case`` a secret the test knows and open it in this browser."""
    from referrals.identity import secret_hash

    Case.objects.filter(pk=case.pk).update(secret_hash=secret_hash(KNOWN_SECRET))
    response = open_case(client, case.reference, KNOWN_SECRET)
    assert response.status_code == 302, response.status_code
    return client


def gone_to_tracking(response, reference: str) -> bool:
    """Whether the answer sends the browser to the tracking form for this reference."""
    return response.status_code == 302 and response["Location"] == (
        f"/track/?reference={reference.upper()}"
    )


@dataclass
class Clock:
    """A stand-in for the ``time`` module of one module under test."""

    now: float

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def standing_clock(monkeypatch, module) -> Clock:
    """A clock that stands still until advanced, as the ``time`` of ``module``."""
    clock = Clock(1_900_000_000.0)
    monkeypatch.setattr(module, "time", clock)
    return clock


def in_thai(message: str) -> str:
    with translation.override("th"):
        return translation.gettext(message)


# --- Reading pages --------------------------------------------------------------------


def page(response) -> Element:
    """The whole document, <html> included, as Django's test HTML parser reads it."""
    parser = Parser()
    parser.feed(response.content.decode())
    parser.close()
    parser.root.finalize()
    return parser.root


def _matches(element: Element, tag, attrs: dict) -> bool:
    if tag is not None and element.name != tag:
        return False
    have = dict(element.attributes)
    for name, wanted in attrs.items():
        name = name.rstrip("_").replace("_", "-")
        if name == "class":
            if wanted not in (have.get("class") or "").split():
                return False
        elif have.get(name, object()) != wanted:
            return False
    return True


def find_all(node: Element, tag: str | None = None, **attrs) -> list[Element]:
    """Elements under ``node`` (depth first) with this tag and these attributes;
    ``class_`` matches one class, ``aria_hidden`` the attribute aria-hidden."""
    found = []
    for child in node.children:
        if isinstance(child, str):
            continue
        if _matches(child, tag, attrs):
            found.append(child)
        found.extend(find_all(child, tag, **attrs))
    return found


def find(node: Element, tag: str | None = None, **attrs) -> Element | None:
    found = find_all(node, tag, **attrs)
    return found[0] if found else None


def text(node: Element | str | None) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text(child) for child in node.children).split())


def attribute(element: Element, name: str):
    return dict(element.attributes).get(name)


def alert(response) -> str:
    """The text of the messages at the top of the page that screen readers announce."""
    return " ".join(text(e) for e in find_all(page(response), role="alert"))


def field_errors(response, field: str) -> list[str]:
    """The messages shown next to one field of the form."""
    errors = find(page(response), "ul", id=f"id_{field}_error")
    return [text(item) for item in find_all(errors, "li")] if errors is not None else []


def messages_shown(response) -> str:
    """The text of the one-off messages (django.contrib.messages) on the page."""
    return " ".join(text(e) for e in find_all(page(response), "ul", class_="messages"))


def retry_after(response) -> int:
    return int(response["Retry-After"])

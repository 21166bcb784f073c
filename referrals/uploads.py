"""Uploaded files are judged by their content, never by their name or declared type."""

import hashlib
import io
from math import ceil

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from referrals.pdf_check import check_pdf

ALLOWED_TYPES = {"image/jpeg", "image/png", "application/pdf"}
# A picture is decoded whole in memory (4 bytes a pixel, and a copy or two while it is
# turned and converted); a few kilobytes of PNG can claim billions of pixels. 16 million
# pixels is more than a phone's usual photo, and a larger JPEG is decoded smaller.
MAX_PIXELS = 16_000_000


def checked_file(uploaded) -> tuple[ContentFile, str, str]:
    """A clean copy of an uploaded image or PDF, its content type and SHA-256.

    Raises ValidationError for anything else, for a file over the size limit, for a
    picture of more than MAX_PIXELS that cannot be decoded smaller, for a PDF with active
    content (scripts, embedded files: see referrals.pdf_check), and for a file whose
    content is damaged. Pictures are stored re-encoded from their pixels alone: no
    location, camera, comment or colour profile a phone or an editor wrote into them is
    kept. A JPEG of more than MAX_PIXELS is stored at 1/2, 1/4 or 1/8 of its size. PDFs
    are stored as they came.
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
        check_pdf(data)
    else:
        data = _without_metadata(data, content_type)
    return ContentFile(data), content_type, hashlib.sha256(data).hexdigest()


def _without_metadata(data: bytes, content_type: str) -> bytes:
    """The picture alone: upright as the phone meant it, in plain colours, nothing else."""
    too_large = ValidationError(_("This picture is too large."), code="too_large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            _decode_within_pixel_cap(image)
            if image.width * image.height > MAX_PIXELS:
                raise too_large
            ImageOps.exif_transpose(image, in_place=True)
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            # Palette images are expanded: copying one without its palette turns it black.
            mode = "RGBA" if transparent and content_type == "image/png" else "RGB"
            clean = image.convert(mode)
            # The encoders write what they find in info (a JPEG comment, an ICC profile,
            # PNG text): the stored file gets the pixels and nothing else.
            clean.info = {}
            out = io.BytesIO()
            clean.save(out, format="JPEG" if content_type == "image/jpeg" else "PNG", quality=90)
    except Image.DecompressionBombError as error:
        raise too_large from error
    except (UnidentifiedImageError, OSError) as error:
        raise ValidationError(_("This picture cannot be opened."), code="damaged") from error
    return out.getvalue()


def _decode_within_pixel_cap(image: Image.Image) -> None:
    """Have a JPEG of more than MAX_PIXELS decoded at the first of 1/2, 1/4 or 1/8 of its
    size that fits: libjpeg does this cheaply, so a 50-megapixel phone photo is kept.
    Other formats ignore the request and keep their size."""
    width, height = image.size
    if width * height <= MAX_PIXELS:
        return
    scale = next((s for s in (2, 4) if ceil(width / s) * ceil(height / s) <= MAX_PIXELS), 8)
    image.draft("RGB", (width // scale, height // scale))

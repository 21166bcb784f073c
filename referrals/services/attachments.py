"""Files of a case: checked by content, stored under a random name, noted on the timeline.

Staff add them on the case page; citizens with their request and on the tracking page.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from referrals import actions
from referrals.models import Attachment, Case, EventKind
from referrals.services._common import person, record
from referrals.services.cases import acting_agency
from referrals.uploads import checked_file

MAX_FILES_PER_SUBMISSION = 5


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content: ContentFile
    content_type: str
    sha256: str


def check_uploads(files, field: str = "files") -> list[CheckedUpload]:
    """Check every file before anything is saved; one message per bad file, by its name."""
    files = [f for f in files or () if f]
    if len(files) > MAX_FILES_PER_SUBMISSION:
        raise ValidationError(
            {
                field: _("Attach at most %(count)s files at a time.")
                % {"count": MAX_FILES_PER_SUBMISSION}
            }
        )
    checked, errors = [], []
    for uploaded in files:
        name = (uploaded.name or "file")[-255:]
        try:
            content, content_type, digest = checked_file(uploaded)
        except ValidationError as error:
            errors.extend(
                ValidationError(f"{name}: {e.message}", code=e.code) for e in error.error_list
            )
        else:
            checked.append(CheckedUpload(name, content, content_type, digest))
    if errors:
        raise ValidationError({field: errors})
    return checked


def store_uploads(
    case: Case, uploads: list[CheckedUpload], by=None, *, agency=None, by_citizen=False
) -> list[Attachment]:
    """Save checked files in the caller's transaction, with a timeline line each.

    If saving fails, the files written so far are removed again; a caller whose own
    transaction may still fail afterwards removes them with ``remove_files``.
    """
    stored: list[Attachment] = []
    try:
        for upload in uploads:
            attachment = Attachment(
                case=case,
                original_name=upload.name,
                content_type=upload.content_type,
                size=upload.content.size,
                sha256=upload.sha256,
                uploaded_by=person(by),
            )
            attachment.file.save("upload", upload.content, save=False)
            stored.append(attachment)
            attachment.save()
            record(
                case,
                EventKind.ATTACHMENT_ADDED,
                by,
                agency=agency,
                by_citizen=by_citizen,
                file=attachment.original_name,
                attachment=attachment.pk,
            )
    except Exception:
        remove_files(stored)
        raise
    return stored


def remove_files(attachments: list[Attachment]) -> None:
    for attachment in attachments:
        attachment.file.delete(save=False)


@transaction.atomic
def add_attachment(case: Case, by, uploaded) -> Attachment:
    """Store a checked copy of an uploaded image or PDF and note it on the timeline."""
    actions.take(by, "attach", case)
    uploads = check_uploads([uploaded], field="file")
    if not uploads:
        raise ValidationError({"file": _("Choose a file.")})
    (attachment,) = store_uploads(case, uploads, by, agency=acting_agency(by, case))
    return attachment

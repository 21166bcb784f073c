"""Files added to a case by staff (the citizen's own uploads come through the same check)."""

from django.db import transaction

from agencies.permissions import Action
from referrals.models import Attachment, Case, EventKind
from referrals.services._common import record, require
from referrals.services.cases import acting_agency
from referrals.uploads import checked_file


@transaction.atomic
def add_attachment(case: Case, by, uploaded) -> Attachment:
    """Store a checked copy of an uploaded image or PDF and note it on the timeline."""
    require(by, Action.NOTE, case)
    content, content_type, digest = checked_file(uploaded)
    attachment = Attachment(
        case=case,
        original_name=(uploaded.name or "file")[-255:],
        content_type=content_type,
        size=content.size,
        sha256=digest,
        uploaded_by=by,
    )
    attachment.file.save("upload", content, save=False)
    # If the transaction rolls back, the stored file must not outlive its row.
    try:
        attachment.save()
        record(
            case,
            EventKind.ATTACHMENT_ADDED,
            by,
            agency=acting_agency(by, case),
            file=attachment.original_name,
            attachment=attachment.pk,
        )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment

"""A case's file handed to the person (or system) who may read it, the read recorded."""

from django.http import FileResponse

from referrals.models import Case
from referrals.services.access_log import Read, record_access


def file_download(case: Case, pk: int, by) -> FileResponse | None:
    """The file ``pk`` of ``case`` as a download, with the read in the audit log; None when
    the case has no such file. The caller has checked ``Action.VIEW_ATTACHMENT``."""
    file = case.attachments.filter(pk=pk).first()
    if file is None:
        return None
    record_access(case, by, Read.VIEW_ATTACHMENT)
    return FileResponse(
        file.file.open("rb"),
        as_attachment=True,
        filename=file.original_name,
        content_type=file.content_type,
    )

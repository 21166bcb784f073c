"""The import of a file of complaints the 1111 center exported: each row a case of the
importing agency, through ``services.receive_case`` like every complaint from 1111, so
that a number imported again (in the same file, a later one, or read by the SOAP link)
changes nothing.

A file is checked as a whole when it is uploaded (type, size, header row, at least one
complaint) and refused, with nothing saved, when it fails; then it is stored and read by
a worker in chunks. Each chunk's cases, refused rows and counts are saved in one
transaction: a worker that stops loses at most the chunk it was reading, which the next
run reads again from the row the counts say, so no row becomes a case twice.
"""

from collections import Counter
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency
from agencies.permissions import import_agency_ids
from integrations import services
from integrations.gcc1111 import files
from integrations.gcc1111.complaints import to_new_case
from integrations.models import Connection, ExternalCase, ImportProblem, ImportRun, System
from referrals.errors import NotPermitted
from referrals.services.channels import language_of

# Rows saved per transaction: large enough that the counts are not rewritten for every
# row, small enough that a stopped worker loses a few seconds of work.
CHUNK_ROWS = 200


def connection_for(agency: Agency) -> Connection:
    """The agency's connection to 1111, made (off, with no address: complaints come as
    files) the first time it imports one."""
    connection, _made = Connection.objects.select_related("agency", "key").get_or_create(
        system=System.GCC_1111, agency=agency, defaults={"is_enabled": False}
    )
    return connection


def start_import(upload, agency: Agency, by=None, language: str = "") -> ImportRun:
    """Store ``upload`` (a Django ``File`` with a name) as a run of ``agency``'s imports,
    waiting for a worker (``import_rows``). ``by`` is the person importing it, who must
    import for the agency; None for the system administrator's command.

    Raises ValidationError, with nothing saved, when the file is too big, neither CSV nor
    XLSX, empty, or without the required columns."""
    if by is not None and agency.pk not in import_agency_ids(by):
        raise NotPermitted()
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise files.refused(
            _("The file is larger than %(limit)s MB: split it into smaller files.")
            % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    name = upload.name.rsplit("/", 1)[-1][-255:]
    content = upload.read()
    total = files.complaints_in(content, name)
    run = ImportRun(
        agency=agency,
        connection=connection_for(agency),
        by=by,
        file_name=name,
        language=language_of(language),
        total_rows=total,
    )
    run.file.save(name, ContentFile(content), save=False)
    try:
        run.save()
    except Exception:
        run.file.delete(save=False)
        raise
    return run


def import_rows(run_id: int, chunks: int | None = None) -> bool:
    """Read the rows of the run not yet read, a chunk at a time (at most ``chunks`` of
    them if given); whether the run is finished. Run twice at once, the second waits for
    no one: it stops when another holds the run, and goes on after what it read."""
    run = ImportRun.objects.select_related("connection__agency", "connection__key").get(pk=run_id)
    if run.status == ImportRun.Status.FINISHED:
        return True
    with run.file.open("rb") as stored:
        sheet = files.Sheet(stored.read(), run.file_name)
    rows = sheet.rows(skip=run.done)
    position = run.done
    with translation.override(run.language):
        while chunks is None or chunks > 0:
            read = _read_chunk(run, rows, position)
            if read is None:
                return False
            position, finished = read
            if finished:
                return True
            chunks = None if chunks is None else chunks - 1
    return False


def _read_chunk(run: ImportRun, rows, position: int) -> tuple[int, bool] | None:
    """The next chunk read and saved; (rows read in all, finished), or None when another
    worker is reading this run."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update(skip_locked=True).filter(pk=run.pk).first()
        if locked is None:
            return None
        if locked.status == ImportRun.Status.FINISHED:
            return locked.done, True
        # Another worker read on while this one waited: skip what it read.
        for _skipped in islice(rows, locked.done - position):
            pass
        chunk = list(islice(rows, CHUNK_ROWS))
        counts, problems = _receive(run.connection, chunk, locked)
        ImportProblem.objects.bulk_create(problems)
        now = timezone.now()
        locked.done += len(chunk)
        for outcome, count in counts.items():
            setattr(locked, outcome, getattr(locked, outcome) + count)
        locked.failed += len(problems)
        locked.started_at = locked.started_at or now
        locked.updated_at = now
        locked.status = ImportRun.Status.RUNNING
        finished = not chunk or locked.done >= locked.total_rows
        if finished:
            locked.status = ImportRun.Status.FINISHED
            locked.finished_at = now
            # The complaints are cases now: the file of personal data is not kept.
            storage, stored = locked.file.storage, locked.file.name
            locked.file = ""
            transaction.on_commit(lambda: storage.delete(stored))
        locked.save()
    return locked.done, finished


def _receive(connection: Connection, chunk: list, run: ImportRun):
    """Each row of ``chunk`` a case (or its number already one): the counts of each
    outcome and the refused rows."""
    numbers = [files.complaint_number(values) for _row, values in chunk]
    known = {
        link.external_id: link
        for link in ExternalCase.objects.filter(
            system=System.GCC_1111, external_id__in=[number for number in numbers if number]
        )
    }
    counts, problems, memo = Counter(), [], {}
    for row, values in chunk:
        try:
            complaint = files.complaint(values)
            link = known.get(complaint.number)
            if link is not None:
                services.note_state_in(link, complaint.state)
                counts["unchanged"] += 1
                continue
            received = services.receive_case(
                connection, complaint.number, to_new_case(complaint, memo), complaint.state
            )
        except ValidationError as error:
            problems.append(
                ImportProblem(
                    run=run,
                    row=row,
                    number=files.complaint_number(values)[:100],
                    reason=files.reason(error),
                )
            )
            continue
        known[complaint.number] = received.link
        counts["created" if received.created else "linked" if received.linked else "unchanged"] += 1
    return counts, problems


def stalled_runs() -> list[int]:
    """The runs not finished whose rows have not moved for IMPORT_STALLED_SECONDS: their
    worker stopped, or their task never reached one."""
    since = timezone.now() - timedelta(seconds=settings.IMPORT_STALLED_SECONDS)
    return list(
        ImportRun.objects.exclude(status=ImportRun.Status.FINISHED)
        .filter(updated_at__lt=since)
        .order_by("updated_at")
        .values_list("pk", flat=True)
    )

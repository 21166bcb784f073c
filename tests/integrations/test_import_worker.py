"""A real worker killed in the middle of an import: what it saved stays, the chunk it was
reading leaves nothing behind, and the next run finishes the file without making any case
twice."""

import os
import signal
import uuid

import pytest
from kombu import Connection

from integrations import imports, tasks
from integrations.models import ExternalCase, ImportRun
from referrals.models import Case
from tests.helpers import other_connections
from tests.integrations.exports import csv_file, numbered
from tests.processes import celery_process, filesystem_broker, wait_until
from tests.referrals.factories import agency

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

ROWS = 600


def test_a_killed_worker_leaves_whole_chunks_and_the_next_run_finishes_without_doubles(
    tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "var" / "media"  # the worker's, under its VAR_DIR
    url, options = filesystem_broker(tmp_path)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    run = imports.start_import(csv_file(numbered(ROWS)), agency("MOL"))
    with Connection(url, transport_options=options) as connection:
        tasks.import_file.apply_async([run.pk], connection=connection, queue=queue)
    log = tmp_path / "worker.log"
    before = other_connections()

    with celery_process(
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        queue,
        broker_url=url,
        var_dir=tmp_path / "var",
        log=log,
    ) as worker:
        wait_until(
            lambda: ImportRun.objects.get(pk=run.pk).done >= imports.CHUNK_ROWS,
            timeout=60,
            what="the worker to save its first chunk",
            log=log,
        )
        os.killpg(worker.pid, signal.SIGKILL)
        # Its transaction ends when PostgreSQL sees the connection gone.
        wait_until(lambda: other_connections() <= before, what="the worker's session to end")

    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING
    assert 0 < run.done < ROWS and run.done % imports.CHUNK_ROWS == 0
    # The counts and the cases were saved together: nothing of the chunk cut off stayed.
    assert run.created == run.done == Case.objects.count() == ExternalCase.objects.count()

    assert tasks.import_file(run.pk) is True

    run.refresh_from_db()
    assert (run.status, run.done, run.created, run.unchanged, run.failed) == (
        ImportRun.Status.FINISHED,
        ROWS,
        ROWS,
        0,
        0,
    )
    assert Case.objects.count() == ROWS
    assert ExternalCase.objects.values("external_id").distinct().count() == ROWS

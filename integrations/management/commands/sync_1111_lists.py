"""Copy the 1111 center's lists of values (types, states, organisations, provinces) into
the values an administrator maps in the admin. Idempotent: run it again at any time."""

from django.core.management.base import BaseCommand, CommandError

from integrations.gcc1111 import lists, poller
from integrations.gcc1111.soap import CoreServiceError


class Command(BaseCommand):
    help = "Read the 1111 center's lists of values into the values mapped in the admin."

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="only the connection of this agency (its code)")

    def handle(self, *args, agency=None, **options):
        connections = poller.polled_connections().select_related("agency")
        if agency:
            connections = connections.filter(agency__code=agency)
        if not connections:
            raise CommandError("No 1111 connection is on with the address of its service.")
        failed = []
        for connection in connections:
            try:
                synced = lists.sync_lists(connection)
            except CoreServiceError as error:
                failed.append(connection)
                self.stderr.write(f"{connection}: {error}")
                continue
            for kind, result in synced.items():
                self.stdout.write(
                    f"{connection} · {kind}: {result.read} read, {result.added} new, "
                    f"{result.renamed} renamed"
                )
        if failed:
            raise CommandError(f"{len(failed)} connection(s) could not be read.")

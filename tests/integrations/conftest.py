import pytest

from integrations import systems
from integrations.models import Connection, System, ValueMapping
from tests.integrations.soap_double import double, soap_link  # noqa: F401 (fixtures)
from tests.referrals.factories import agency


@pytest.fixture
def connect(db):
    """A connection of an agency to an outside system, on."""

    def make(system=System.GCC_1111, code="MOL", **fields):
        return Connection.objects.create(
            system=system, agency=agency(code), **{"is_enabled": True, **fields}
        )

    return make


class Recorder:
    """An outside system that takes every line it is sent: the lines, in order, and a
    failure to raise instead when ``down`` is set."""

    def __init__(self, system):
        self.system = system
        self.received = []
        self.reads = []  # the connections it was asked to read now
        self.down = None

    def push(self, link, event):
        if self.down is not None:
            raise self.down
        self.received.append((link.external_id, event.kind, event.message))
        return systems.Sent(operation=f"got {event.kind}", state=event.kind)


@pytest.fixture
def recorders():
    """Both systems replaced, for the test, by recorders that take every public line and
    count a transfer as a forwarding; the real adapters come back after."""
    saved = {system: systems.adapter(system) for system in System.values}
    made = {}
    for system in System.values:
        made[system] = Recorder(system)
        systems.register(
            systems.Adapter(
                system=system,
                forwards=lambda event: event.is_public or event.kind == "note",
                push=made[system].push,
                is_forward=lambda event: event.kind == "transferred",
                read_now=made[system].reads.append,
            )
        )
    yield made
    for system, adapter in saved.items():
        systems.unregister(system)
        if adapter is not None:
            systems.register(adapter)


@pytest.fixture
def traffy(connect, settings, media, own_cache):
    """A fake Traffy Fondue on loopback, and the Ministry of Labour's connection to it
    (organisation 151 there), with a short wait for answers."""
    from tests.integrations.traffy_double import TraffyDouble

    settings.EXCHANGE_TIMEOUT = 0.5
    with TraffyDouble(user="mol-exchange", password="s3cret") as fake:
        connection = connect(System.TRAFFY, endpoint=fake.url, username="mol-exchange")
        connection.credentials = {"password": "s3cret", "webhook_secret": "hook-secret"}
        connection.save()
        ValueMapping.objects.create(
            system=System.TRAFFY,
            kind=ValueMapping.Kind.AGENCY,
            code="151",
            agency=connection.agency,
        )
        fake.connection = connection
        yield fake

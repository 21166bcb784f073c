"""The registry of outside systems: what each sends out of a linked case's timeline, and
how. Each system's package registers its adapter when ``load`` imports it."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

logger = logging.getLogger(__name__)

# The packages of the systems the portal links to; each calls ``register`` on import.
PACKAGES: tuple[str, ...] = ("integrations.gcc1111.adapter", "integrations.traffy.adapter")


@dataclass(frozen=True)
class Sent:
    """What an adapter reports of a line that went out: the operation it called (for the
    log) and the state the outside case is in now, in the system's words."""

    operation: str
    state: str = ""


@dataclass(frozen=True)
class Adapter:
    system: str
    # Which lines of a linked case's timeline go out to the system.
    forwards: Callable
    # Send one line (the link, the event); returns ``Sent``, raises when it did not go.
    push: Callable
    # Which of those lines forward the case to another organisation (a hop).
    is_forward: Callable = lambda event: False
    # The name of the operation a line calls, for the log of a failure.
    operation: Callable = lambda event: event.kind
    # For a system that is read by polling: queue a reading of one connection now (the
    # supervisors' page offers it after a failed reading). None: the system calls us.
    read_now: Callable | None = None
    # Whether a link's connection takes lines at all (1111's file-only connections do not).
    sends_to: Callable = lambda link: True
    # The deadlines a case the system brings or links has (1111: to report back to it).
    deadlines: tuple[str, ...] = ()


def reading_by(task) -> Callable:
    """A ``read_now`` that queues ``task`` (a Celery task of one connection's id); with the
    broker down, the system's periodic run reads the connection anyway."""

    def read_now(connection) -> None:
        try:
            task.delay(connection.pk)
        except Exception:
            logger.warning("Reading of connection %s left to the periodic run", connection.pk)

    return read_now


_ADAPTERS: dict[str, Adapter] = {}


def register(adapter: Adapter) -> None:
    _ADAPTERS[adapter.system] = adapter


def unregister(system: str) -> None:
    _ADAPTERS.pop(system, None)


def adapter(system: str) -> Adapter | None:
    return _ADAPTERS.get(system)


def load() -> None:
    for name in PACKAGES:
        import_module(name)

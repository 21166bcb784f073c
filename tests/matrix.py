"""Permission matrices written as tables: a title line, a header of column names (actions
or pages), then one line per person: the words that name them, and one word per column."""

from dataclasses import dataclass

import pytest

from agencies.models import Role
from tests.factories import InspectorFactory, UserFactory
from tests.referrals.factories import staff


def matrix_rows(table: str, called):
    """(who, column, expected) for every cell; ``called(words)`` makes the person."""
    _title, header, *lines = table.strip().splitlines()
    columns = header.split()
    for line in lines:
        words = line.split()
        who = called(words[: -len(columns)])
        for column, expected in zip(columns, words[-len(columns) :], strict=True):
            yield pytest.param(who, column, expected, id=f"{who} - {column} - {expected}")


@dataclass(frozen=True)
class Person:
    """A row of a table of pages: "mol agency admin" (a role in an agency), "inspector",
    "superuser" (the system administrator, in no agency) or "anonymous"."""

    agency: str  # "" for the others
    role: str = ""
    other: str = ""

    @classmethod
    def called(cls, words: list[str]) -> "Person":
        if words in (["anonymous"], ["inspector"], ["superuser"]):
            return cls("", other=words[0])
        return cls(words[0].upper(), Role("_".join(words[1:])))

    def make(self):
        """The user (None for an anonymous visitor)."""
        if self.other == "anonymous":
            return None
        if self.other == "inspector":
            return InspectorFactory().user
        if self.other == "superuser":
            return UserFactory(is_staff=True, is_superuser=True)
        return staff(self.agency, self.role)

    def __str__(self):
        return self.other or f"{self.agency.lower()} {self.role.replace('_', ' ')}"

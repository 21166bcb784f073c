"""Permission matrices written as tables: a title line, a header of column names (actions
or pages), then one line per person: the words that name them, and one word per column."""

import pytest


def matrix_rows(table: str, called):
    """(who, column, expected) for every cell; ``called(words)`` makes the person."""
    _title, header, *lines = table.strip().splitlines()
    columns = header.split()
    for line in lines:
        words = line.split()
        who = called(words[: -len(columns)])
        for column, expected in zip(columns, words[-len(columns) :], strict=True):
            yield pytest.param(who, column, expected, id=f"{who} - {column} - {expected}")

"""The dashboards' downloads read as a person reads them: first what they say of
themselves (the caption, the filters applied, when the figures were counted and when they
were downloaded), then the table."""

import csv
import io

from openpyxl import load_workbook


def csv_download(response) -> tuple[list[list[str]], list[str], list[list[str]]]:
    """(the lines before the table, its header, its rows); the blank line between."""
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    blank = lines.index([])
    header, *rows = lines[blank + 1 :]
    return lines[:blank], header, rows


def xlsx_download(response):
    """The two sheets of a spreadsheet download: what it is, then the table."""
    about, table = load_workbook(io.BytesIO(response.content)).worksheets
    return about, table


def xlsx_table(response) -> list[tuple]:
    """The table sheet's values: its caption, its header, then its rows."""
    return list(xlsx_download(response)[1].iter_rows(values_only=True))

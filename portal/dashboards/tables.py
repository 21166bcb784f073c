"""Tables of figures: shown as accessible HTML tables (the charts draw from them) and
exported as CSV or XLSX with Thai headers and Buddhist Era dates, saying first what they
are about: the filters applied, when the figures were counted, when they were downloaded."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from agencies.spreadsheets import as_text
from agencies.thai_dates import BUDDHIST_ERA_OFFSET, in_thai
from portal.templatetags.portal import thai_date, thai_month

TEXT, COUNT, PERCENT, HOURS, SCORE = "text", "count", "percent", "hours", "score"
DATE, MONTH = "date", "month"
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT
    # A figure that leads to the cases behind it: the drill-down's ``figure`` parameter,
    # and what else the column narrows them to (``region=north``).
    drill: str = ""
    drill_params: str = ""

    @property
    def is_number(self) -> bool:
        return self.kind not in (TEXT, DATE, MONTH)


@dataclass
class Table:
    """Rows of figures under a caption; ``key`` names it in export links.

    Each row is a dict by column key; ``row["query"]`` (optional) is the query string of the
    cases behind the row, to which a column's ``drill`` is added.
    """

    key: str
    caption: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    chart: str = ""  # "bar" or "line": drawn from the table by static/js/dashboards.js
    chart_columns: tuple[str, ...] = ()
    chart_max: int | None = None  # the top of the chart's scale, for scores
    # The page shows the rows in groups under the values of this column (the rows come in
    # that order), instead of repeating the value on each row; a download keeps the column.
    group_by: str = ""

    @property
    def shown_columns(self) -> list[Column]:
        return [column for column in self.columns if column.key != self.group_by]

    def _cells(self, rows):
        return [
            (row, [(column, row.get(column.key)) for column in self.shown_columns]) for row in rows
        ]

    def cells(self):
        """Rows as (column, value) pairs, in column order, for the template."""
        return self._cells(self.rows)

    def groups(self) -> list[tuple[str, list]]:
        """(the group's value, its rows as ``cells`` gives them), in the rows' order."""
        grouped: dict[str, list[dict]] = {}
        for row in self.rows:
            grouped.setdefault(row.get(self.group_by), []).append(row)
        return [(value, self._cells(rows)) for value, rows in grouped.items()]


def hours(seconds) -> float | None:
    """Business seconds as business hours, one decimal."""
    return None if seconds is None else round(seconds / SECONDS_PER_HOUR, 1)


# Dates in a spreadsheet are dates (they sort and filter as dates), shown in Thai with the
# Buddhist Era year (Excel's ``bbbb``), in English with the Christian one.
CELL_FORMATS = {
    "th": {
        DATE: "[$-th-TH]d mmm bbbb",
        MONTH: "[$-th-TH]mmm bbbb",
        "moment": "[$-th-TH]d mmm bbbb hh:mm",
    },
    "en": {DATE: "d mmm yyyy", MONTH: "mmm yyyy", "moment": "d mmm yyyy hh:mm"},
}


@dataclass
class About:
    """What a download says of itself before its figures: the filters applied (as the
    reader reads them, and in short for the file's name), when the figures were counted,
    and any notes on the signs in them."""

    filters: list[tuple[str, str]]
    short: list[str]
    computed_at: datetime | None = None
    notes: list[str] = field(default_factory=list)


def export_value(column: Column, value, missing: str = ""):
    if value is None:
        return "" if column.kind == TEXT else missing
    if isinstance(value, str):
        return as_text(value)
    if column.kind == DATE and isinstance(value, date | datetime):
        return thai_date(value, with_time=False)
    if column.kind == MONTH and isinstance(value, date | datetime):
        return thai_month(value)
    return value


def _local_day(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


def _local_moment(value: datetime) -> datetime:
    """A moment as Bangkok reads it, without its zone (a spreadsheet keeps none)."""
    return timezone.localtime(value).replace(tzinfo=None)


def export_filename(table: Table, about: About, extension: str) -> str:
    """``provinces_fy2569_p50_25690320-1405.csv``: the table, its filters in short, and
    the moment of the download (B.E.); only letters, digits and hyphens."""
    now = timezone.localtime()
    stamp = f"{now.year + BUDDHIST_ERA_OFFSET}{now:%m%d-%H%M}"
    parts = [re.sub(r"[^A-Za-z0-9-]", "", part) for part in (table.key, *about.short, stamp)]
    return f"{'_'.join(part for part in parts if part)}.{extension}"


def _attachment(response: HttpResponse, table: Table, about: About, extension: str):
    name = export_filename(table, about, extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _about_rows(table: Table, about: About) -> list[list]:
    """The lines before the figures: the caption, the filters, the moments, the notes."""
    rows = [[str(table.caption)], [str(_("Filters applied"))]]
    rows += [[label, value] for label, value in about.filters]
    if about.computed_at:
        rows.append([str(_("Figures as of")), about.computed_at])
    rows.append([str(_("Downloaded on")), timezone.now()])
    rows += [[note] for note in about.notes]
    return rows


def csv_response(table: Table, about: About, missing: str = "") -> HttpResponse:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Thai text; the
    caption, filters and moments first, a blank line, then the table. ``missing`` stands
    for a figure there is none of (or that is withheld)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in _about_rows(table, about):
        writer.writerow([thai_date(v) if isinstance(v, datetime) else v for v in row])
    writer.writerow([])
    writer.writerow([str(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [export_value(column, row.get(column.key), missing) for column in table.columns]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    return _attachment(response, table, about, "csv")


def _cell_value(column: Column, value):
    """A value for a spreadsheet cell: dates as dates, the rest as in the CSV."""
    if column.kind in (DATE, MONTH) and isinstance(value, date | datetime):
        day = _local_day(value)
        return day.replace(day=1) if column.kind == MONTH else day
    return export_value(column, value)


def xlsx_response(table: Table, about: About) -> HttpResponse:
    """Two sheets: what the figures are (caption, filters, moments), then the table."""
    formats = CELL_FORMATS["th" if in_thai() else "en"]
    workbook = Workbook()
    first = workbook.active
    first.title = str(_("Filters"))[:31]
    for row in _about_rows(table, about):
        first.append([_local_moment(v) if isinstance(v, datetime) else v for v in row])
        for cell in first[first.max_row]:
            if isinstance(cell.value, datetime):
                cell.number_format = formats["moment"]
    for cell in (first["A1"], first["A2"]):
        cell.font = Font(bold=True)
    first.column_dimensions["A"].width = 40
    first.column_dimensions["B"].width = 40

    sheet = workbook.create_sheet(table.key[:31])
    sheet.append([str(table.caption)])
    sheet["A1"].font = Font(bold=True)
    sheet.append([str(column.label) for column in table.columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell_value(column, row.get(column.key)) for column in table.columns])
        for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
            if column.kind in formats and isinstance(cell.value, date):
                cell.number_format = formats[column.kind]
    for index, column in enumerate(table.columns, start=1):
        width = max(12, min(50, len(str(column.label)) + 4))
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, table, about, "xlsx")

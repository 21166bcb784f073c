"""Tables of figures: shown as accessible HTML tables (the charts draw from them) and
exported as CSV or XLSX with Thai headers and Buddhist Era dates."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

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

    def cells(self):
        """Rows as (column, value) pairs, in column order, for the template."""
        for row in self.rows:
            yield row, [(column, row.get(column.key)) for column in self.columns]


def hours(seconds) -> float | None:
    """Business seconds as business hours, one decimal."""
    return None if seconds is None else round(seconds / SECONDS_PER_HOUR, 1)


# A text starting with one of these is a formula to a spreadsheet program (and openpyxl
# writes it as one): names typed by agency administrators must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_value(column: Column, value, missing: str = ""):
    if value is None:
        return "" if column.kind == TEXT else missing
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    if column.kind == DATE and isinstance(value, date | datetime):
        return thai_date(value, with_time=False)
    if column.kind == MONTH and isinstance(value, date | datetime):
        return thai_month(value)
    return value


def export_filename(table: Table, extension: str) -> str:
    stamp = timezone.localdate()
    return f"{table.key}-{stamp.year + 543}{stamp:%m%d}.{extension}"


def csv_response(table: Table, missing: str = "") -> HttpResponse:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Thai text;
    ``missing`` stands for a figure there is none of (or that is withheld)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [export_value(column, row.get(column.key), missing) for column in table.columns]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(table, "csv")}"'
    return response


def xlsx_response(table: Table) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.key[:31]
    sheet.append([str(table.caption)])
    sheet["A1"].font = Font(bold=True)
    sheet.append([str(column.label) for column in table.columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([export_value(column, row.get(column.key)) for column in table.columns])
    for index, column in enumerate(table.columns, start=1):
        width = max(12, min(50, len(str(column.label)) + 4))
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(table, "xlsx")}"'
    return response

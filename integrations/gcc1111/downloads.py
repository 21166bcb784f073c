"""The files handed to those who import 1111's complaints: the empty template of the
export, the daily status file back to 1111 (its format, with our statuses in 1111's words),
and the refused rows of an import; as CSV or XLSX."""

import csv
import io
from datetime import datetime

from django.utils import timezone
from openpyxl import Workbook

from agencies.spreadsheets import as_text
from agencies.thai_dates import BUDDHIST_ERA_OFFSET
from integrations.gcc1111.files import (
    CSV,
    DISTRICT,
    IMPORT_COLUMNS,
    NUMBER,
    PROVINCE,
    RECEIVED,
    RESULT,
    STATE,
    STATUS_COLUMNS,
    SUBDISTRICT,
    TYPE,
    UPDATED,
    XLSX,
)
from referrals.models import CaseStatus

# Our statuses in 1111's words (its list of states of a complaint), for the status file.
STATE_WORDS = {
    CaseStatus.NEW: "รับเรื่อง",
    CaseStatus.IN_PROGRESS: "อยู่ระหว่างดำเนินการ",
    CaseStatus.WAITING_CITIZEN: "รอข้อมูลเพิ่มเติมจากผู้ร้อง",
    CaseStatus.RESOLVED: "ดำเนินการแล้วเสร็จ",
    CaseStatus.CLOSED: "ยุติเรื่อง",
    CaseStatus.REJECTED: "ไม่อยู่ในอำนาจหน้าที่",
    CaseStatus.DUPLICATE: "เรื่องซ้ำ",
    CaseStatus.WITHDRAWN: "ผู้ร้องขอยุติเรื่อง",
}


def file_date(value) -> str:
    """A date (or moment, in Bangkok) as Thai offices write it: 31/12/2567 14:05."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
        return f"{value:%d/%m}/{value.year + BUDDHIST_ERA_OFFSET} {value:%H:%M}"
    return f"{value:%d/%m}/{value.year + BUDDHIST_ERA_OFFSET}"


def _status_rows(links) -> list[list[str]]:
    """The status file's rows: each linked case's number there, when it came, what and
    where it is about, its status in 1111's words, the answer given, and when it moved.
    1111 holds the person's details already: the file does not carry them again."""
    rows = []
    for link in links:
        case = link.case
        by_column = {
            NUMBER: link.external_id,
            RECEIVED: file_date(timezone.localdate(case.created_at)),
            TYPE: case.category.name_th,
            PROVINCE: case.province.name_th,
            DISTRICT: case.district.name_th if case.district else "",
            SUBDISTRICT: case.subdistrict.name_th if case.subdistrict else "",
            STATE: STATE_WORDS[case.status],
            RESULT: case.public_answer,
            UPDATED: file_date(link.changed_at),
        }
        rows.append([by_column.get(column, "") for column in STATUS_COLUMNS])
    return rows


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the Thai text."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([as_text(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append([as_text(value) for value in row])
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            14, len(name) + 4
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def template(kind: str) -> bytes:
    """The empty file to fill: the header row alone."""
    header = [column.header for column in IMPORT_COLUMNS]
    return csv_bytes(header, []) if kind == CSV else xlsx_bytes(header, [], "1111")


def status_file(links, kind: str) -> bytes:
    """The status file of ``links`` (``selectors.status_changes``), as CSV or XLSX."""
    header = [column.header for column in STATUS_COLUMNS]
    rows = _status_rows(links)
    return csv_bytes(header, rows) if kind == CSV else xlsx_bytes(header, rows, "1111")

"""Files as the 1111 center exports them, made in the tests: CSV or XLSX, under the Thai
header row, one complaint a row."""

import csv
import io

from django.core.files.base import ContentFile
from openpyxl import Workbook

HEADER = [
    "เลขที่เรื่อง",
    "วันที่รับเรื่อง",
    "ชื่อ-นามสกุลผู้ร้อง",
    "เลขประจำตัวประชาชน",
    "โทรศัพท์",
    "อีเมล",
    "ประเภทเรื่อง",
    "จังหวัด",
    "อำเภอ/เขต",
    "ตำบล/แขวง",
    "รายละเอียด",
    "สถานะ",
]


def complaint_row(number: str, **changes) -> dict:
    """A complaint 1111 forwarded to MOL (unpaid wages, in Bangkok), valid unless changed."""
    row = {
        "เลขที่เรื่อง": number,
        "วันที่รับเรื่อง": "01/12/2569",
        "ชื่อ-นามสกุลผู้ร้อง": "สมชาย ใจดี",
        "เลขประจำตัวประชาชน": "",
        "โทรศัพท์": "0812345678",
        "อีเมล": "",
        "ประเภทเรื่อง": "unpaid-wages",
        "จังหวัด": "กรุงเทพมหานคร",
        "อำเภอ/เขต": "เขตพระนคร",
        "ตำบล/แขวง": "",
        "รายละเอียด": "นายจ้างไม่จ่ายค่าจ้างสามเดือน ขอความช่วยเหลือ",
        "สถานะ": "ส่งต่อหน่วยงาน",
    }
    return {**row, **changes}


def numbered(count: int, start: int = 1) -> list[dict]:
    """``count`` valid complaints with numbers 6912-000001 on, each a phone of its own."""
    return [
        complaint_row(f"6912-{n:06d}", **{"โทรศัพท์": f"08{n:08d}"})
        for n in range(start, start + count)
    ]


def _cells(row: dict, header) -> list:
    """The row's values under ``header``, whose names may be spaced otherwise."""
    folded = {"".join(name.split()): value for name, value in row.items()}
    return [folded.get("".join(column.split()), "") for column in header]


def csv_file(rows: list[dict], header=HEADER, name="1111.csv", encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(_cells(row, header))
    return ContentFile(buffer.getvalue().encode(encoding), name=name)


def xlsx_file(rows: list[dict], header=HEADER, name="1111.xlsx", cells=None):
    """``cells`` (column -> value) overrides values with typed cells, as Excel keeps them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(_cells({**row, **(cells or {})}, header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ContentFile(buffer.getvalue(), name=name)

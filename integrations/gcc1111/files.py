"""The file of complaints the 1111 center exports (CSV or XLSX, one complaint a row under a
header row of Thai column names), whose format the status file back to it follows too:
its columns, how a file is read, and how a row becomes a ``Complaint``.

1111 publishes no specification of its export; the columns are those of its complaint
form. The header names are the file's format, the same whatever the reader's language:
they are Thai words, not translated. Headers are matched without their spaces, in any
order; unknown columns are ignored.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from agencies.thai_dates import BUDDHIST_ERA_OFFSET
from integrations.gcc1111.complaints import Complaint
from integrations.models import ExternalCase
from integrations.selectors import OUTSIDE_NUMBER


@dataclass(frozen=True)
class Column:
    key: str  # the field of ``Complaint`` (or of the status file)
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


NUMBER = Column("number", "เลขที่เรื่อง", True, ("เลขที่รับเรื่อง", "เลขเรื่อง"))
RECEIVED = Column("received", "วันที่รับเรื่อง")
NAME = Column("name", "ชื่อ-นามสกุลผู้ร้อง", True, ("ชื่อผู้ร้อง", "ชื่อ-นามสกุล"))
NATIONAL_ID = Column("national_id", "เลขประจำตัวประชาชน", aliases=("เลขบัตรประชาชน",))
PHONE = Column("phone", "โทรศัพท์", True, ("เบอร์โทรศัพท์", "หมายเลขโทรศัพท์"))
EMAIL = Column("email", "อีเมล", aliases=("อีเมล์", "e-mail", "email"))
TYPE = Column("complaint_type", "ประเภทเรื่อง", True)
PROVINCE = Column("province", "จังหวัด", True)
DISTRICT = Column("district", "อำเภอ/เขต", aliases=("อำเภอ", "เขต"))
SUBDISTRICT = Column("subdistrict", "ตำบล/แขวง", aliases=("ตำบล", "แขวง"))
DESCRIPTION = Column("description", "รายละเอียด", True, ("รายละเอียดเรื่อง",))
STATE = Column("state", "สถานะ")
RESULT = Column("result", "ผลการดำเนินการ")
UPDATED = Column("updated", "วันที่ปรับปรุง")

IMPORT_COLUMNS = (
    NUMBER,
    RECEIVED,
    NAME,
    NATIONAL_ID,
    PHONE,
    EMAIL,
    TYPE,
    PROVINCE,
    DISTRICT,
    SUBDISTRICT,
    DESCRIPTION,
    STATE,
)
STATUS_COLUMNS = (*IMPORT_COLUMNS, RESULT, UPDATED)

# The column a request's field comes from, to name it in the reason a row is refused.
FIELD_COLUMNS = {
    "number": NUMBER,
    "received": RECEIVED,
    "state": STATE,
    "citizen_name": NAME,
    "citizen_phone": PHONE,
    "citizen_email": EMAIL,
    "national_id": NATIONAL_ID,
    "category": TYPE,
    "province": PROVINCE,
    "district": DISTRICT,
    "subdistrict": SUBDISTRICT,
    "description": DESCRIPTION,
}

MAX_STATE = ExternalCase._meta.get_field("state_in").max_length
XLSX = "xlsx"
CSV = "csv"
# Thai Windows (and the Excel of most Thai offices) saves CSV as Windows-874.
_ENCODINGS = ("utf-8-sig", "cp874")
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
_TIME = r"(?:[ T]+\d{1,2}[:.]\d{2}(?::\d{2})?)?$"
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})" + _TIME)


def _folded(header) -> str:
    return _SPACES.sub("", str(header or "")).casefold()


_BY_HEADER = {
    _folded(name): column for column in IMPORT_COLUMNS for name in (column.header, *column.aliases)
}


def refused(message: str) -> ValidationError:
    return ValidationError(message, code="file")


def kind_of(file_name: str) -> str:
    """CSV or XLSX, by the file's name (its content is checked when it is read)."""
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in (CSV, XLSX):
        raise refused(_("This file is neither CSV nor XLSX (Excel). Save it as one."))
    return extension


class Sheet:
    """An exported file, opened: its columns found, its complaint rows read in order.

    Raises ``ValidationError`` (the whole file refused, nothing read) when it is neither
    CSV nor XLSX, has no header row with the required columns, or no complaint."""

    def __init__(self, content: bytes, file_name: str):
        self.kind = kind_of(file_name)
        self._content = content
        header = next(self._lines(), None)
        if header is None:
            raise refused(_("The file is empty."))
        self.columns = self._columns(header[1])

    def _lines(self) -> Iterator[tuple[int, list]]:
        """(row number in the spreadsheet, cells) of every row that is not blank."""
        rows = self._xlsx_rows() if self.kind == XLSX else self._csv_rows()
        for number, cells in enumerate(rows, start=1):
            if any(str(cell).strip() for cell in cells if cell is not None):
                yield number, list(cells)

    def _xlsx_rows(self):
        try:
            workbook = load_workbook(io.BytesIO(self._content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
            raise refused(_("This file is neither CSV nor XLSX (Excel). Save it as one.")) from None
        try:
            yield from workbook.worksheets[0].iter_rows(values_only=True)
        finally:
            workbook.close()

    def _csv_rows(self):
        if b"\x00" in self._content[:4096]:
            raise refused(_("This file is neither CSV nor XLSX (Excel). Save it as one."))
        for encoding in _ENCODINGS:
            try:
                text = self._content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise refused(_("This file is neither CSV nor XLSX (Excel). Save it as one."))
        try:
            yield from csv.reader(io.StringIO(text, newline=""))
        except csv.Error:
            raise refused(_("This file is neither CSV nor XLSX (Excel). Save it as one.")) from None

    def _columns(self, header: list) -> dict[str, int]:
        columns: dict[str, int] = {}
        for index, name in enumerate(header):
            column = _BY_HEADER.get(_folded(name))
            if column is None:
                continue
            if column.key in columns:
                raise refused(
                    _("The column “%(name)s” appears twice in the header row.")
                    % {"name": column.header}
                )
            columns[column.key] = index
        missing = [column.header for column in IMPORT_COLUMNS if column.required]
        missing = [name for name in missing if _BY_HEADER[_folded(name)].key not in columns]
        if missing:
            raise refused(
                _(
                    "The first row must name the columns; these are missing: %(names)s. "
                    "Download the empty template to see them."
                )
                % {"names": ", ".join(missing)}
            )
        return columns

    def rows(self, skip: int = 0) -> Iterator[tuple[int, dict]]:
        """(row number, {column key: value}) of each complaint after the first ``skip``."""
        lines = self._lines()
        next(lines)
        for position, (number, cells) in enumerate(lines):
            if position < skip:
                continue
            yield (
                number,
                {
                    key: cells[index] if index < len(cells) else None
                    for key, index in self.columns.items()
                },
            )

    def count(self) -> int:
        return sum(1 for _row in self.rows())


def complaints_in(content: bytes, file_name: str) -> int:
    """How many complaints the file holds, read through once, so that a file broken
    halfway is refused before anything is saved; a ValidationError when it is not a file
    of complaints or holds none."""
    count = Sheet(content, file_name).count()
    if not count:
        raise refused(_("The file has a header row but no complaint under it."))
    return count


def _text(value) -> str:
    """A cell as text: Excel keeps long numbers as numbers (a national ID as 1.1e12)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _phone(value) -> str:
    """Excel drops the leading zero of a phone number typed as a number."""
    text = _text(value)
    if isinstance(value, int | float) and text.isdigit() and len(text) in (8, 9):
        return f"0{text}"
    return text


def received_on(value) -> date | None:
    """The day 1111 received the complaint: a date cell, or 31/12/2567 (Buddhist Era, as
    Thai offices write it), 31/12/2024 or 2024-12-31, with or without a time. Raises
    ValidationError when it is none of these, or in the future."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value)
        found = _DATE.match(text)
        try:
            if found:
                year = int(found[3])
                year = year - BUDDHIST_ERA_OFFSET if year > 2400 else year
                day = date(year, int(found[2]), int(found[1]))
            elif found := _ISO_DATE.match(text):
                day = date(int(found[1]), int(found[2]), int(found[3]))
            else:
                day = None
        except ValueError:
            day = None
        if day is None:
            raise ValidationError(
                _("“%(value)s” is not a date: write it as 31/12/2567.") % {"value": text}
            )
    if day > timezone.localdate() + timedelta(days=1):
        raise ValidationError(_("The date is in the future."))
    return day


def complaint_number(values: dict) -> str:
    return _text(values.get("number"))


def complaint(values: dict) -> Complaint:
    """The complaint of a row. Raises ValidationError, per field, for what the file itself
    gets wrong (the number, the date, the state); the rest is checked as a request."""
    errors = {}
    number = complaint_number(values)
    if not number:
        errors["number"] = [_("The complaint number is missing.")]
    elif not OUTSIDE_NUMBER.match(number):
        errors["number"] = [
            _("“%(value)s” is not a 1111 complaint number (4 to 100 letters, digits or dashes).")
            % {"value": number[:120]}
        ]
    try:
        received_on(values.get("received"))
    except ValidationError as error:
        errors["received"] = error.messages
    state = _text(values.get("state"))
    if len(state) > MAX_STATE:
        errors["state"] = [_("Keep the state under %(limit)s characters.") % {"limit": MAX_STATE}]
    if errors:
        raise ValidationError(errors)
    return Complaint(
        number=number,
        name=_text(values.get("name")),
        phone=_phone(values.get("phone")),
        description=str(values.get("description") or "").strip(),
        complaint_type=_text(values.get("complaint_type")),
        province=_text(values.get("province")),
        district=_text(values.get("district")),
        subdistrict=_text(values.get("subdistrict")),
        national_id=_text(values.get("national_id")),
        email=_text(values.get("email")),
        state=state,
    )


def reason(error: ValidationError) -> str:
    """Why a row was refused, each message after the name of its column."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for field, messages in error.message_dict.items():
        column = FIELD_COLUMNS.get(field)
        for message in messages:
            parts.append(f"{column.header}: {message}" if column else message)
    return " · ".join(parts)

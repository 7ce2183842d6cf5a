"""Reading and writing spreadsheets safely.

Offices exchange ledgers as Excel files, and their files are messy: merged title rows
above the header, full-width digits, trailing blanks, dates typed as "2022.7.10" or stored
as serial numbers, and 18-digit ID numbers that Excel has turned into 1.10105E+17. This
module turns such a file into clean rows of text and reports what it cannot understand.

An upload is checked before anything unpacks it: an xlsx file is a zip archive, so its
size, the number of entries and the unpacked size are capped (a "zip bomb" is refused),
and its XML is parsed by calamine (Rust, no entity expansion); openpyxl, used for writing,
reads with defusedxml when it is installed.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

MAX_ENTRIES = 2_000
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200  # unpacked / packed, for one entry
HEADER_SEARCH_ROWS = 10
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""


def check_upload(upload: IO[bytes], *, max_bytes: int | None = None) -> bytes:
    """Read an uploaded file into memory after checking that it is a sane xlsx archive."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise SpreadsheetError(_("The file is larger than %(limit)s MB.") % {"limit": max_bytes // (1024 * 1024)})
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(_("The file is larger than %(limit)s MB.") % {"limit": max_bytes // (1024 * 1024)})
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    if not data.startswith(b"PK\x03\x04"):
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except zipfile.BadZipFile:
        raise SpreadsheetError(_("The file is damaged or is not an Excel workbook (.xlsx)."))
    if len(entries) > MAX_ENTRIES:
        raise SpreadsheetError(_("The workbook has too many parts to be read safely."))
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES or any(entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO for entry in entries):
        raise SpreadsheetError(_("The workbook unpacks to too much data to be read safely."))
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."))
    return data


def read_sheet(data: bytes) -> list[list[object]]:
    """All rows of the first sheet, as Python values, row 1 first (empty rows kept so that
    list index + 1 is the row number the user sees in Excel)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise SpreadsheetError(_("The workbook cannot be read: %(error)s") % {"error": exc.__class__.__name__})
    return [list(row) for row in rows]


# -- cell cleaning --------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """Text as the user meant it: NFKC (full-width digits, letters and spaces become
    ASCII), no surrounding blanks, inner runs of blanks made one space; numbers that are
    whole written without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


def digits_damaged(value: object, *, length: int) -> bool:
    """True when Excel stored a long number (an ID number, a phone) as a float and so lost
    its last digits (1.10105E+17), or the text shows the scientific form."""
    if isinstance(value, float):
        return abs(value) >= 1e15 or (not value.is_integer())
    if isinstance(value, int) and not isinstance(value, bool):
        return len(str(value)) >= 16 and length >= 16
    text = clean_text(value)
    return bool(re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text))


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: object) -> date | None:
    """A date from a cell: a real date, an Excel serial number, or text such as 2022-07-10,
    2022.7.10, 2022/7/10, 2022年7月10日 or 20220710. Raises ValueError when it is none of
    these; returns None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial range (1900-01-01 … 9999-12-31)
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(value)
    text = clean_text(value)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)  # ValueError for 2022-02-30
    raise ValueError(text)


# -- writing --------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
ERROR_FILL = PatternFill("solid", fgColor="F8D7DA")


def safe_cell(ws, value: object) -> object:
    """A value that a spreadsheet program will show and never run: text that starts like a
    formula (= + - @) is written as a text cell, not as a formula (formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


@dataclass
class Sheet:
    title: str
    headers: list[str] | None  # None: no header row (rows keep their own positions)
    rows: list[list[object]]
    widths: list[int] | None = None
    notes: list[str] | None = None  # lines written above the header, e.g. a template's rules
    blank_text_rows: int = 0  # empty rows formatted as text, so that typed ID numbers stay text


def write_workbook(sheets: list[Sheet]) -> bytes:
    """An xlsx file with one worksheet per Sheet: header bold and frozen, text-safe cells.
    Written in openpyxl's streaming mode, so a 30,000-row export stays fast and small."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        ws = workbook.create_sheet(title=spec.title[:31])
        headers = spec.headers or []
        for index, header in enumerate(headers, start=1):
            width = spec.widths[index - 1] if spec.widths and index <= len(spec.widths) else max(10, len(str(header)) * 2 + 2)
            ws.column_dimensions[get_column_letter(index)].width = width
        notes = spec.notes or []
        if headers:
            ws.freeze_panes = f"A{len(notes) + 2}"
        for note in notes:
            cell = WriteOnlyCell(ws, value=note)
            cell.font = Font(italic=True, color="666666")
            ws.append([cell])
        if headers:
            header_cells = []
            for header in headers:
                cell = WriteOnlyCell(ws, value=header)
                cell.font = Font(bold=True)
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(vertical="center")
                header_cells.append(cell)
            ws.append(header_cells)
        for row in spec.rows:
            ws.append([safe_cell(ws, value) for value in row])
        for _row in range(spec.blank_text_rows):
            blank = []
            for _column in headers:
                cell = WriteOnlyCell(ws, value=None)
                cell.number_format = "@"
                blank.append(cell)
            ws.append(blank)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Reading and writing spreadsheets safely.

Offices exchange ledgers as Excel files, and their files are messy: merged title rows
above the header, full-width digits, trailing blanks, dates typed as "2022.7.10" or stored
as serial numbers, and 18-digit ID numbers that Excel has turned into 1.10105E+17. This
module turns such a file into clean rows of text and reports what it cannot understand.

An upload is bounded before anything parses it. `check_upload` looks at the archive only
(its name, size, number of parts, unpacked size, macros, encryption); `scan_workbook`
streams each sheet's XML in chunks and refuses a sheet whose declared range (<dimension>)
or actual rows, columns or cells pass the limits, before a reader could size a grid by
them (a 6 KB file with one cell at XFD1048576 once made the reader abort the process).
Only then is the chosen sheet parsed by calamine (Rust, no entity expansion), in a child
process with limits on its memory and CPU time (xlsx_child.py), so that a parser crash
ends the child, not the web server or the job consumer. openpyxl is used for writing.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_ENTRIES = 200
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100  # unpacked / packed, for one entry of more than a megabyte
MAX_ROWS = 60_000
MAX_COLUMNS = 200
MAX_CELLS = 2_000_000
MAX_ERROR_CELLS = 10_000
READ_MEMORY_BYTES = 1024 * 1024 * 1024  # address space of the reading child process
READ_CPU_SECONDS = 30
HEADER_SEARCH_ROWS = 10
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: old .xls, or an encrypted workbook
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1024 * 1024  # a sheet's XML is scanned this much at a time
_PART_MAX = 1024 * 1024  # the workbook's small parts are read whole up to this size


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def upload_limit() -> int:
    return min(settings.UPLOAD_MAX_BYTES, MAX_UPLOAD_BYTES)


def check_upload(upload: IO[bytes], *, max_bytes: int | None = None) -> bytes:
    """Read an uploaded file into memory after checking that it is a sane xlsx archive:
    its name, its size, its parts (no macros), how many there are and what they unpack to.
    Nothing is decompressed here; the sheets are scanned by `scan_workbook`."""
    max_bytes = max_bytes or upload_limit()
    too_big = _("The file is larger than the limit of %(limit)s MB.") % {"limit": _mb(max_bytes)}
    name = str(getattr(upload, "name", "") or "")
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("xlsm", "xltm", "xlam", "xlsb"):
        raise SpreadsheetError(
            _("Files with macros (.%(suffix)s) are not accepted. Save the workbook as “Excel 工作簿 (.xlsx)” and upload it again.")
            % {"suffix": suffix}
        )
    if suffix and suffix != "xlsx":
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."))
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise SpreadsheetError(too_big)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(too_big)
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    if data.startswith(_CFB_MAGIC):
        if _ENCRYPTED in data:
            raise SpreadsheetError(
                _(
                    "The workbook is protected by a password. "
                    "Remove the password (File → Info → Protect Workbook), save and upload it again."
                )
            )
        raise SpreadsheetError(_("The file is an old Excel file (.xls). Save it as .xlsx and upload it again."))
    if not data.startswith(b"PK\x03\x04"):
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SpreadsheetError(_("The file is damaged or is not an Excel workbook (.xlsx)."))
    if len(entries) > MAX_ENTRIES:
        raise SpreadsheetError(
            _("The workbook has %(count)s parts, more than the limit of %(limit)s.") % {"count": len(entries), "limit": MAX_ENTRIES}
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(
            _("The workbook unpacks to %(size)s MB, more than the limit of %(limit)s MB.")
            % {"size": _mb(unpacked), "limit": _mb(MAX_UNPACKED_BYTES)}
        )
    for entry in entries:
        if entry.file_size > _PART_MAX and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise SpreadsheetError(
                _("A part of the workbook unpacks to more than %(limit)s times its size; it is refused as a possible “zip bomb”.")
                % {"limit": MAX_RATIO}
            )
    names = {entry.filename for entry in entries}
    if any(entry.lower().endswith("vbaproject.bin") for entry in names):
        raise SpreadsheetError(_("The workbook contains macros. Save it as “Excel 工作簿 (.xlsx)” without macros and upload it again."))
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."))
    content_types = archive.read("[Content_Types].xml") if archive.getinfo("[Content_Types].xml").file_size < _PART_MAX else b""
    if b"macroEnabled" in content_types:
        raise SpreadsheetError(_("The workbook contains macros. Save it as “Excel 工作簿 (.xlsx)” without macros and upload it again."))
    if _XLSX_MAIN not in content_types:
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."))
    return data


# -- scanning the sheets before anything parses them -------------------------------------

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_CELL_END = re.compile(rb"</(?:\w+:)?c>")


@dataclass(frozen=True)
class _Tags:
    """The patterns of the scan, for tags with a namespace prefix (<x:row>) or without."""

    row: re.Pattern
    row_number: re.Pattern
    hidden_row: re.Pattern
    cell: re.Pattern
    cell_ref: re.Pattern
    col: re.Pattern
    merge: re.Pattern


def _tags(prefix: bytes) -> _Tags:
    return _Tags(
        row=re.compile(rb"<%srow\b([^>]*)>" % prefix),
        row_number=re.compile(rb'<%srow\b[^>]*?\br="(\d+)"' % prefix),
        hidden_row=re.compile(rb'<%srow\b([^>]*\bhidden="[^"]*"[^>]*)>' % prefix),
        cell=re.compile(rb"<%sc[\s/>]" % prefix),
        cell_ref=re.compile(rb'<%sc\b[^>]*?\br="([A-Za-z]{1,4})(\d{1,8})"' % prefix),
        col=re.compile(rb"<%scol\b([^>]*)>" % prefix),
        merge=re.compile(rb'<%smergeCell\b[^>]*?\bref="([^"]*)"' % prefix),
    )


# Any prefix, and none: the second is the same search several times faster (it starts
# with a literal "<row", "<c"), used for the chunks in which no row or cell tag has a prefix.
_ANY_PREFIX, _NO_PREFIX = _tags(rb"(?:\w+:)?"), _tags(b"")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*\bt="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.DOTALL)
_ATTR = re.compile(rb'\b([\w:]+)="([^"]*)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)<")
_REF = re.compile(r"^\$?([A-Za-z]{1,4})\$?(\d{1,8})$")


def column_index(letters: str) -> int:
    """1 for A, 16384 for XFD."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _corner(ref: str) -> tuple[int, int] | None:
    """(row, column) of the far corner of a range such as A1:XFD1048576."""
    match = _REF.match(ref.split(":")[-1].strip())
    if not match:
        return None
    return int(match.group(2)), column_index(match.group(1))


@dataclass
class SheetInfo:
    """What the scan learned of one sheet, without parsing it."""

    name: str
    index: int
    state: str = "visible"  # visible, hidden, veryHidden
    rows: int = 0  # last row with a cell
    columns: int = 0
    cells: int = 0
    hidden_rows: set[int] = field(default_factory=set)  # Excel row numbers
    hidden_columns: set[int] = field(default_factory=set)  # 1 for A
    filtered: bool = False
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) → "#N/A"

    @property
    def visible(self) -> bool:
        return self.state == "visible"


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {key.split(b":")[-1]: value for key, value in _ATTR.findall(raw)}


def _too_large(sheet: str, what: str, found: object, limit: int) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Sheet “%(sheet)s”: %(what)s %(found)s is beyond the limit of %(limit)s. "
            "Delete the empty rows and columns below and to the right of the table, save and upload again."
        )
        % {"sheet": sheet, "what": what, "found": found, "limit": limit}
    )


def _scan_sheet(archive: zipfile.ZipFile, part: str, info: SheetInfo) -> None:
    """Stream the sheet's XML once, in chunks, counting rows, columns and cells against the
    limits, and stop at the first one passed: the memory used is one chunk, whatever the
    sheet declares."""

    def check(rows: int, columns: int, cells: int) -> None:
        if rows > MAX_ROWS:
            raise _too_large(info.name, _("row"), rows, MAX_ROWS)
        if columns > MAX_COLUMNS:
            raise _too_large(info.name, _("column"), f"{get_column_letter(min(columns, 18278))} ({columns})", MAX_COLUMNS)
        if cells > MAX_CELLS:
            raise _too_large(info.name, _("number of cells"), cells, MAX_CELLS)

    try:
        stream = archive.open(part)
    except KeyError:
        raise SpreadsheetError(_("The file is damaged or is not an Excel workbook (.xlsx)."))
    rest = b""
    dimension_seen = False
    last_row = 0
    with stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk and not rest:
                break
            data = rest + chunk
            if chunk:
                cut = data.rfind(b">") + 1  # never split a tag between two chunks
                if cut == 0:
                    if len(data) > _PART_MAX:  # no tag ends in a megabyte: not a sheet
                        raise SpreadsheetError(_("The file is damaged or is not an Excel workbook (.xlsx)."))
                    rest = data
                    continue
                # An error cell's value follows its tag: keep an open error cell whole.
                open_error = data.rfind(b't="e"', 0, cut)
                if open_error != -1 and not _CELL_END.search(data, open_error, cut):
                    tag = data.rfind(b"<", 0, open_error)
                    cut = tag if tag > 0 else cut
                data, rest = data[:cut], data[cut:]
            else:
                rest = b""
            if not dimension_seen:
                match = _DIMENSION.search(data)
                if match:
                    dimension_seen = True
                    corner = _corner(match.group(1).decode("ascii", "replace"))
                    if corner:
                        rows, columns = corner
                        check(rows, columns, 0)
                        first = _REF.match(match.group(1).decode("ascii", "replace").split(":")[0].strip())
                        if first:
                            area = (rows - int(first.group(2)) + 1) * (columns - column_index(first.group(1)) + 1)
                            check(0, 0, area)
            tags = _ANY_PREFIX if b":c" in data or b":row" in data else _NO_PREFIX
            hidden = b"hidden" in data
            numbered = tags.row_number.findall(data)
            if len(numbered) == len(tags.row.findall(data)):
                # Every row carries its number (what Excel, WPS and openpyxl write): fast path.
                if numbered:
                    last_row = max(last_row, max(map(int, numbered)))
                for match in tags.hidden_row.finditer(data) if hidden else ():
                    attrs = _attrs(match.group(1))
                    if attrs.get(b"r", b"").isdigit() and attrs.get(b"hidden") in (b"1", b"true"):
                        info.hidden_rows.add(int(attrs[b"r"]))
            else:
                for raw in tags.row.findall(data):
                    attrs = _attrs(raw)
                    number = int(attrs[b"r"]) if attrs.get(b"r", b"").isdigit() else last_row + 1
                    last_row = number
                    if attrs.get(b"hidden") in (b"1", b"true"):
                        info.hidden_rows.add(number)
            info.rows = max(info.rows, last_row)
            cells = len(tags.cell.findall(data))
            info.cells += cells
            refs = tags.cell_ref.findall(data)
            if refs:
                info.rows = max(info.rows, max(int(row) for row in {r[1] for r in refs}))
                info.columns = max(info.columns, max(column_index(letters.decode()) for letters in {r[0] for r in refs}))
            if len(refs) < cells:
                # Cells without a reference take the next column: count them row by row.
                for row_xml in tags.row.split(data):
                    info.columns = max(info.columns, len(tags.cell.findall(row_xml)))
            check(info.rows, info.columns, info.cells)
            for raw in tags.col.findall(data) if hidden else ():  # only hidden columns are kept
                attrs = _attrs(raw)
                if attrs.get(b"hidden") in (b"1", b"true") and attrs.get(b"min", b"").isdigit():
                    low = int(attrs[b"min"])
                    high = int(attrs[b"max"]) if attrs.get(b"max", b"").isdigit() else low
                    info.hidden_columns.update(range(low, min(high, MAX_COLUMNS) + 1))
            if b"autoFilter" in data:
                info.filtered = True
            for ref in tags.merge.findall(data) if b"mergeCell" in data else ():
                corner = _corner(ref.decode("ascii", "replace"))
                if corner:
                    check(*corner, 0)
            if b't="e"' in data:
                for raw, inner in _ERROR_CELL.findall(data):
                    match = _REF.match(_attrs(raw).get(b"r", b"").decode("ascii", "replace"))
                    value = _VALUE.search(inner)
                    if match and value and len(info.error_cells) < MAX_ERROR_CELLS:
                        key = (int(match.group(2)), column_index(match.group(1)))
                        info.error_cells[key] = value.group(1).decode("utf-8", "replace")[:20]
            if not chunk:
                break


def scan_workbook(data: bytes) -> list[SheetInfo]:
    """The worksheets of a checked upload (see `check_upload`), each scanned against the
    limits; raises SpreadsheetError naming the limit passed."""
    import defusedxml.ElementTree as ET
    from defusedxml import DefusedXmlException

    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        if archive.getinfo("xl/workbook.xml").file_size > _PART_MAX:
            raise SpreadsheetError(_("The file is damaged or is not an Excel workbook (.xlsx)."))
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = ET.fromstring(archive.read(rels_name)) if rels_name in archive.namelist() else None
    except (ET.ParseError, DefusedXmlException, KeyError, zipfile.BadZipFile, OSError):
        raise SpreadsheetError(_("The file is damaged or is not an Excel workbook (.xlsx)."))
    targets = {}
    for rel in rels if rels is not None else []:
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    sheets: list[SheetInfo] = []
    for element in workbook.iter():
        if not element.tag.endswith("}sheet") and element.tag != "sheet":
            continue
        rid = next((value for key, value in element.attrib.items() if key.endswith("}id")), None)
        info = SheetInfo(name=element.get("name", ""), index=len(sheets), state=element.get("state", "visible"))
        sheets.append(info)
        part = targets.get(rid, "")
        if "worksheets/" in part:  # chart sheets have no cells
            _scan_sheet(archive, part, info)
    if not sheets:
        raise SpreadsheetError(_("The file is damaged or is not an Excel workbook (.xlsx)."))
    return sheets


# -- reading ----------------------------------------------------------------------------------


def _untag(value: dict) -> object:
    if "t" in value:
        return datetime.fromisoformat(value["t"])
    if "d" in value:
        return date.fromisoformat(value["d"])
    if "h" in value:
        return time.fromisoformat(value["h"])
    if "s" in value:
        return timedelta(seconds=value["s"])
    return None


def _object_hook(value: dict) -> object:
    return _untag(value) if len(value) == 1 and value.keys() <= {"t", "d", "h", "s"} else value


def _read_in_child(data: bytes, index: int) -> list[list[object]]:
    """The rows of one sheet, parsed by python-calamine in a child process with limits on
    its memory and CPU time: a workbook that makes the parser abort or spin ends the child,
    and the user gets a message."""
    child = Path(__file__).with_name("xlsx_child.py")
    command = [sys.executable, "-I", str(child), str(index), str(READ_MEMORY_BYTES), str(READ_CPU_SECONDS)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=READ_CPU_SECONDS * 2, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise SpreadsheetError(_("Reading the workbook took too long; it was stopped."))
    if done.returncode != 0:
        raise SpreadsheetError(_("The workbook cannot be read safely (the reader stopped). Save it again as .xlsx and upload it again."))
    try:
        result = json.loads(done.stdout, object_hook=_object_hook)
    except ValueError:
        raise SpreadsheetError(_("The workbook cannot be read safely (the reader stopped). Save it again as .xlsx and upload it again."))
    if "error" in result:
        raise SpreadsheetError(_("The workbook cannot be read: %(error)s") % {"error": result["error"]})
    return result["rows"]


@dataclass
class ReadWorkbook:
    sheets: list[SheetInfo]
    sheet: SheetInfo  # the one read
    rows: list[list[object]]


def read_upload(data: bytes, *, sheet: str | None = None) -> ReadWorkbook:
    """Scan a checked upload against the limits, then read one sheet (by name; the first
    visible one by default) in a bounded child process. Error cells (#N/A) are put back
    as their error text, which calamine drops."""
    sheets = scan_workbook(data)
    if sheet:
        chosen = next((info for info in sheets if info.name == sheet), None)
        if chosen is None:
            names = "、".join(info.name for info in sheets)
            raise SpreadsheetError(_("The workbook has no sheet “%(name)s”; its sheets are: %(names)s.") % {"name": sheet, "names": names})
    else:
        chosen = next((info for info in sheets if info.visible), sheets[0])
    rows = _read_in_child(data, chosen.index) if chosen.cells else []  # JSON arrays: lists already
    for (row, column), text in chosen.error_cells.items():
        if row <= len(rows) and column <= len(rows[row - 1]):
            rows[row - 1][column - 1] = ExcelError(text)
    return ReadWorkbook(sheets, chosen, rows)


class ExcelError(str):
    """An error cell (#N/A, #REF!, #DIV/0!): reported as such, never taken as data."""


def read_sheet(data: bytes) -> list[list[object]]:
    """All rows of the first visible sheet, as Python values, row 1 first (empty rows kept
    so that list index + 1 is the row number the user sees in Excel)."""
    return read_upload(data).rows


# -- cell cleaning --------------------------------------------------------------

_SPACES = re.compile(r"\s+")
# Characters that show as nothing: zero-width space / joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))


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
    if type(value) is str and value.isascii():
        # Plain ASCII is its own NFKC form and holds no invisible characters; printable,
        # its only blank is the space, and without two in a row there is no run to join.
        if value.isprintable() and "  " not in value:
            return value.strip(" ")
        return _SPACES.sub(" ", value).strip()
    text = unicodedata.normalize("NFKC", str(value).translate(_INVISIBLE))
    return _SPACES.sub(" ", text).strip()


def clean_identifier(value: object) -> str:
    """A number that identifies someone (学号, 工号, ID number, phone), strictly: no
    invisible characters, no spacing anywhere, no leading apostrophe (typed to keep Excel
    from turning it into a number), full-width forms made ASCII."""
    return identifier_of(clean_text(value))


def identifier_of(text: str) -> str:
    """`clean_identifier` of text that `clean_text` has cleaned already."""
    return _SPACES.sub("", text).lstrip("'‘’`")


def clean_name(value: object) -> str:
    """A person's name, carefully: invisible characters dropped, the ends trimmed
    (ideographic space included), line breaks and tabs made spaces; every other character
    kept as written, inner spaces too (no NFKC: some names use compatibility ideographs,
    and "欧阳　明" is how that student's name is registered)."""
    if value is None or not isinstance(value, str):
        return clean_text(value)
    text = re.sub(r"[\t\r\n\v\f]+", " ", value.translate(_INVISIBLE))
    return text.strip()


def digits_damaged(value: object, *, length: int) -> bool:
    """True when Excel stored a long number (an ID number, a phone) as a float and so lost
    its last digits (1.10105E+17), or the text shows the scientific form."""
    if isinstance(value, float):
        return abs(value) >= 1e15 or (not value.is_integer())
    if isinstance(value, int) and not isinstance(value, bool):
        return len(str(value)) >= 16 and length >= 16
    return digits_damaged_text(clean_text(value))


_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


def digits_damaged_text(text: str) -> bool:
    """`digits_damaged` of a text cell that `clean_text` has cleaned already: the
    scientific form Excel shows (1.10105E+17)."""
    return ("e" in text or "E" in text) and _SCIENTIFIC.fullmatch(text) is not None


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
# A day without its year, as offices write within a term: 12月10日, 12月10号, 12.10, 12/10.
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[./](\d{1,2}))$")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: object, *, year_of=None) -> date | None:
    """A date from a cell: a real date, an Excel serial number, or text such as 2022-07-10,
    2022.7.10, 2022/7/10, 2022年7月10日 (or 10号) or 20220710; with `year_of` (month, day →
    year) also 7月10日 or 7.10. Raises ValueError when it is none of these; returns None for
    an empty cell."""
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
    match = _MONTH_DAY.match(text)
    if match and year_of is not None:
        month, day = int(match.group(1)), int(match.group(2) or match.group(3))
        return date(year_of(month, day), month, day)
    raise ValueError(text)


# -- writing --------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
ERROR_FILL = PatternFill("solid", fgColor="F8D7DA")


def safe_cell(ws, value: object) -> object:
    """A value that a spreadsheet program will show and never run: text that starts like a
    formula (= + - @) is written as a text cell with Excel's quote prefix (as if typed
    with a leading '). A text cell alone is neutral only until someone edits it (Excel
    then evaluates it); with the quote prefix it stays text, and reads back unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(ws, value=value)
        cell.quotePrefix = True
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


def watermark_for(user, when=None) -> str:
    """The visible mark of an exported file: 内部资料 请勿外传, who exported it and when."""
    from django.utils import timezone

    name = user.get_full_name() or user.get_username()
    stamp = timezone.localtime(when or timezone.now()).strftime("%Y-%m-%d %H:%M")
    mark = _("Internal material, do not pass on")
    return f"{mark} · {name} · {stamp}"


def stamp_sheet(ws, watermark: str) -> None:
    """The watermark in red in the printed header and footer of a worksheet (any mode)."""
    for part in (ws.oddHeader.center, ws.oddFooter.center, ws.evenHeader.center, ws.evenFooter.center):
        part.text = watermark.replace("&", "&&")
        part.color = "C00000"


def watermark_cell(ws, watermark: str) -> WriteOnlyCell:
    """The first row of a streamed sheet: the watermark in bold red."""
    cell = WriteOnlyCell(ws, value=watermark)
    cell.font = Font(bold=True, color="C00000")
    return cell


def watermark_xlsx(data: bytes, watermark: str) -> bytes:
    """A file made earlier (a stored daily summary) with the watermark of this download: a
    red first row above every sheet and the printed header and footer."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    for ws in workbook.worksheets:
        ws.insert_rows(1)
        ws.cell(row=1, column=1, value=watermark).font = Font(bold=True, color="C00000")
        stamp_sheet(ws, watermark)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_workbook(sheets: list[Sheet], *, watermark: str | None = None) -> bytes:
    """An xlsx file with one worksheet per Sheet: header bold and frozen, text-safe cells.
    Written in openpyxl's streaming mode, so a 30,000-row export stays fast and small.
    `watermark` (see watermark_for) is written above every sheet in red and into the page
    header and footer of every printed page."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        ws = workbook.create_sheet(title=spec.title[:31])
        if watermark:
            spec = Sheet(spec.title, spec.headers, spec.rows, spec.widths, [watermark, *(spec.notes or [])], spec.blank_text_rows)
            stamp_sheet(ws, watermark)
        headers = spec.headers or []
        for index, header in enumerate(headers, start=1):
            width = spec.widths[index - 1] if spec.widths and index <= len(spec.widths) else max(10, len(str(header)) * 2 + 2)
            ws.column_dimensions[get_column_letter(index)].width = width
        notes = spec.notes or []
        if headers:
            ws.freeze_panes = f"A{len(notes) + 2}"
        for index, note in enumerate(notes):
            cell = WriteOnlyCell(ws, value=note)
            cell.font = Font(bold=True, color="C00000") if watermark and index == 0 else Font(italic=True, color="666666")
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

"""Writing spreadsheets safely. A cell that starts with = + - @ would be read by Excel as a
formula (CSV/formula injection: a student named "=HYPERLINK(…)"); such cells are written
as plain text with Excel's quote prefix so that they stay text even when edited."""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def text_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(sheet, values) -> None:
    sheet.append([text_cell(sheet, value) for value in values])

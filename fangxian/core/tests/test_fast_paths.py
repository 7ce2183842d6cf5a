"""The shortcuts that make a 30,000-row import fast read exactly what the general code
reads: ASCII cells cleaned without NFKC, ID numbers checked by their byte codes, the scan's
literal patterns for sheets without namespace prefixes, the collector paused per run."""

from __future__ import annotations

import gc
import io
import random
import re
import unicodedata

import openpyxl
import pytest

from fangxian.core import idnumber, xlsx
from fangxian.core.importing import ID_NUMBER, PHONE, Column, collector_paused
from fangxian.core.tests.test_importing import AccountImporter


def general_clean_text(value: str) -> str:
    """clean_text of a string as it reads without the ASCII shortcut."""
    text = unicodedata.normalize("NFKC", value.translate(xlsx._INVISIBLE))
    return re.sub(r"\s+", " ", text).strip()


ASCII_CASES = ["", " ", "  ", "abc", " a  b ", "a\tb", "x\n", "\x1cA\x1f", "\x00a", "'0931", "a b", " 2022-07-20 18:00 ", "\x0b\x0c"]


@pytest.mark.parametrize("value", ASCII_CASES)
def test_ascii_cells_are_cleaned_as_the_general_code_cleans_them(value):
    assert xlsx.clean_text(value) == general_clean_text(value)


def test_random_ascii_text_is_cleaned_as_the_general_code_cleans_it():
    rng = random.Random(5)
    alphabet = "ab1 \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00'-"
    for _ in range(3000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert xlsx.clean_text(value) == general_clean_text(value), repr(value)


def test_the_check_digit_is_the_same_by_byte_codes_and_by_digits():
    rng = random.Random(7)
    for _ in range(2000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        total = sum(int(d) * w for d, w in zip(first17, idnumber._WEIGHTS, strict=True))
        assert idnumber.check_digit(first17) == "10X98765432"[total % 11]
    # Digits of other scripts (which the shape's \d accepts) take the general way.
    arabic = "".join(chr(0x660 + int(d)) for d in "11010519491231002")
    assert idnumber.check_digit(arabic) == idnumber.check_digit("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", ("11010519491231002X", None)),
        (" 1101 0519 4912 3100 2x ", ("11010519491231002X", None)),
        ("１１０１０５１９４９１２３１００２Ｘ", ("11010519491231002X", None)),
        ("1.10105E+17", ("", "damaged")),
        ("１.１０１０５Ｅ＋１７", ("", "damaged")),
        (110105194912310020.0, ("", "damaged")),
        ("'11010519491231002X", ("11010519491231002X", None)),
        ("110105194912310021", ("110105194912310021", "check")),
        ("", ("", None)),
        (None, ("", None)),
    ],
)
def test_an_id_number_cell_is_cleaned_once_and_read_as_before(raw, expected):
    value, problem = AccountImporter().clean_cell(Column("id", "身份证号", kind=ID_NUMBER), raw)
    kind = None if problem is None else ("damaged" if "Excel" in problem or "科学" in problem or "丢失" in problem else "check")
    assert (value, kind) == expected, problem


def test_a_phone_cell_is_cleaned_once_and_read_as_before():
    importer = AccountImporter()
    column = Column("phone", "手机号", kind=PHONE)
    assert importer.clean_cell(column, "+86 139-1234-5678") == ("13912345678", None)
    assert importer.clean_cell(column, 13912345678) == ("13912345678", None)
    assert importer.clean_cell(column, "1.39123E+10")[0] == "" and importer.clean_cell(column, "1.39123E+10")[1]
    assert importer.clean_cell(column, "12345")[1]


def prefixed(xml: bytes) -> bytes:
    """The same sheet with every element written with a namespace prefix (<x:row>, <x:c>)."""
    xml = re.sub(rb"<(/?)(?![?!])([A-Za-z]\w*)", rb"<\1x:\2", xml)
    return xml.replace(b'<x:worksheet xmlns="', b'<x:worksheet xmlns:x="', 1)


def test_a_sheet_written_with_namespace_prefixes_is_scanned_like_one_without():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number in range(12):
        sheet.append([f"user{number}", "张三", number])
    sheet.row_dimensions[4].hidden = True
    sheet.column_dimensions["B"].hidden = True
    sheet.merge_cells("D1:E2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    from fangxian.core.tests.test_bounded_reading import rewrite

    plain = xlsx.scan_workbook(data)[0]
    with_prefix = xlsx.scan_workbook(rewrite(data, prefixed))[0]
    seen = [(s.rows, s.columns, s.cells, s.hidden_rows, s.hidden_columns) for s in (plain, with_prefix)]
    assert seen[0] == seen[1] and seen[0][3] == {4} and 2 in seen[0][4]
    # A far cell is refused whether its tags have a prefix or not.
    far = rewrite(data, lambda xml: prefixed(xml.replace(b"</sheetData>", b'<row r="13"><c r="XFD13"/></row></sheetData>')))
    with pytest.raises(xlsx.SpreadsheetError, match="XFD"):
        xlsx.scan_workbook(far)


def test_the_collector_is_paused_for_a_run_and_left_as_it_was():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner run leaves it to the outer one
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()

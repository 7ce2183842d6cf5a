"""Uploads are bounded before anything parses them, and parsed where a crash cannot take
the server down. Every workbook is generated here; the hostile ones are written as the
zip and XML an attacker would write."""

import io
import os
import resource
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangxian.core import xlsx
from fangxian.core.importing import ImportOptions
from fangxian.core.tests.test_importing import HEADER, AccountImporter

pytestmark = pytest.mark.django_db


def workbook_bytes(rows=(HEADER, ["zhang3", "张三", "", "", ""])) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, change) -> bytes:
    """The same archive with the first sheet's XML passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item, content)
    return out.getvalue()


def far_cell(cell: str, dimension: str) -> bytes:
    """A few KB: one blank-looking styled cell at `cell`, the used range declared as
    `dimension` (what the reader sizes its grid by)."""
    row = "".join(ch for ch in cell if ch.isdigit())

    def change(xml: bytes) -> bytes:
        xml = xml.replace(b'<dimension ref="A1:E2"/>', f'<dimension ref="{dimension}"/>'.encode())
        if row == "1":
            return xml.replace(b"</row>", f'<c r="{cell}" s="0"/></row>'.encode(), 1)
        return xml.replace(b"</sheetData>", f'<row r="{row}"><c r="{cell}" s="0"/></row></sheetData>'.encode())

    return rewrite(workbook_bytes(), change)


def run(data: bytes, name: str = "f.xlsx", **options):
    return AccountImporter().run(SimpleUploadedFile(name, data), options=ImportOptions(**options))


def only_error(report) -> str:
    assert not report.ok and report.created == 0
    return str(report.errors[0])


@pytest.mark.parametrize(
    ("cell", "dimension", "expected"),
    [
        ("A1048576", "A1:A1048576", "1048576"),  # the declared range reaches the last row
        ("XFD1", "A1:XFD1", "XFD"),  # ... the last column
        ("A1048576", "A1:E2", "1048576"),  # the range understated, the cell itself far away
        ("XFD2", "A1:E2", "XFD"),
    ],
)
def test_a_tiny_workbook_whose_used_range_is_huge_is_refused_without_reading_it(cell, dimension, expected):
    data = far_cell(cell, dimension)
    assert len(data) < 10_000
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime
    message = only_error(run(data))
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime
    assert expected in message and ("60000" in message or "200" in message), message
    assert "上限" in message, message
    assert after == before  # refused by the scan: no reader process was even started


def test_a_sheet_with_too_many_cells_is_refused_by_the_cell_limit(monkeypatch):
    # Many honest cells: 30 columns x 80 rows, against a lowered cell limit.
    rows = [[f"c{i}" for i in range(30)] for _row in range(80)]
    monkeypatch.setattr(xlsx, "MAX_CELLS", 1000)
    message = only_error(run(workbook_bytes([HEADER, *rows])))
    assert "1000" in message and "上限" in message, message


def test_a_workbook_that_unpacks_to_too_much_is_refused():
    padding = b"<!--" + b" " * (70 * 1024 * 1024) + b"-->"
    data = rewrite(workbook_bytes(), lambda xml: xml.replace(b"<sheetData>", padding + b"<sheetData>"))
    assert len(data) < 1024 * 1024
    message = only_error(run(data))
    assert "64" in message and "上限" in message, message


def test_too_many_parts_are_refused():
    data = workbook_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target, zipfile.ZipFile(io.BytesIO(data)) as source:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        for number in range(300):
            target.writestr(f"xl/media/extra{number}.bin", b"x")
    message = only_error(run(out.getvalue()))
    assert "200" in message, message


def test_macro_enabled_workbooks_are_refused():
    data = workbook_bytes()
    assert "宏" in only_error(run(data, name="名单.xlsm"))
    # A macro project inside a file named .xlsx.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target, zipfile.ZipFile(io.BytesIO(data)) as source:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
            target.writestr(item, content)
        target.writestr("xl/vbaProject.bin", b"\x00" * 64)
    assert "宏" in only_error(run(out.getvalue()))
    # Other formats by name.
    assert ".xlsx" in only_error(run(data, name="名单.xls"))


def test_an_encrypted_workbook_is_told_to_remove_its_password():
    # Excel stores a password-protected workbook as an OLE compound file holding an
    # "EncryptedPackage" stream; an old .xls is a compound file without one.
    header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504
    encrypted = header + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512
    assert "密码" in only_error(run(encrypted))
    assert ".xls" in only_error(run(header + b"\x00" * 1024))


def test_a_reader_that_dies_leaves_this_process_running(monkeypatch):
    # The reading child gets an address-space limit too small to even start the parser:
    # it dies, as it would on a workbook that makes the parser allocate without end; the
    # caller gets a message and carries on.
    monkeypatch.setattr(xlsx, "READ_MEMORY_BYTES", 8 * 1024 * 1024)
    pid = os.getpid()
    message = only_error(run(workbook_bytes()))
    assert os.getpid() == pid and "安全" in message, message
    monkeypatch.undo()
    assert run(workbook_bytes()).ok


def test_error_cells_are_reported_as_such():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["zhang3", "张三", "", "", ""])
    sheet["B2"].value = "#N/A"
    sheet["B2"].data_type = "e"
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = run(buffer.getvalue())
    assert not report.ok
    assert [str(error) for error in report.errors] == ["第 2 行 · 姓名 · 单元格是 Excel 错误值 #N/A，不是数据：请改正公式或直接填写。"]


def test_formula_like_text_in_exports_keeps_the_quote_prefix():
    # Without the quote prefix the cell is text only until someone edits it in Excel.
    data = xlsx.write_workbook([xlsx.Sheet("名单", ["姓名"], [['=HYPERLINK("http://x")'], ["-1"], ["张三"]])])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = {row[0].value: row[0] for row in sheet.iter_rows(min_row=2)}
    assert cells['=HYPERLINK("http://x")'].data_type == "s" and cells['=HYPERLINK("http://x")'].quotePrefix
    assert cells["-1"].quotePrefix and not cells["张三"].quotePrefix
    # And it reads back as the same text.
    assert xlsx.read_sheet(data)[1] == ['=HYPERLINK("http://x")']


@pytest.mark.parametrize("chunk", [37, 64, 101])
def test_the_scan_reads_the_same_whatever_the_chunk_boundaries(monkeypatch, chunk):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for number in range(20):
        sheet.append([f"user{number}", "张三", "", "", ""])
    sheet["B7"].value = "#N/A"
    sheet["B7"].data_type = "e"
    sheet.row_dimensions[9].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    whole = xlsx.scan_workbook(buffer.getvalue())[0]
    monkeypatch.setattr(xlsx, "_CHUNK", chunk)
    small = xlsx.scan_workbook(buffer.getvalue())[0]
    assert (
        (small.rows, small.columns, small.cells, small.hidden_rows, small.error_cells)
        == (
            whole.rows,
            whole.columns,
            whole.cells,
            whole.hidden_rows,
            whole.error_cells,
        )
        == (21, 5, 105, {9}, {(7, 2): "#N/A"})
    )

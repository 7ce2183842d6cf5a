"""The shared attachment check: a file is what its name says, or it is refused in Chinese."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from docx import Document
from openpyxl import Workbook
from PIL import Image

from fangxian.core.attachments import check_attachment, kind_of_name


def _docx() -> bytes:
    document = Document()
    document.add_paragraph("关于做好暑期疫情防控工作的通知")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    book = Workbook()
    book.active["A1"] = "学号"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 30, 200)).save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _message(exc: pytest.ExceptionInfo) -> str:
    with translation.override("zh-hans"):
        return " ".join(str(m) for m in exc.value.messages)


@pytest.mark.parametrize(
    ("name", "maker", "kind"),
    [
        ("通知.pdf", lambda: PDF, "pdf"),
        ("方案.DOCX", _docx, "docx"),
        ("名单.xlsx", _xlsx, "xlsx"),
        ("海报.png", _png, "image"),
        ("现场.jpg", _jpeg, "image"),
        ("现场.JPEG", _jpeg, "image"),
    ],
)
def test_real_files_are_accepted_with_their_kind(name, maker, kind):
    assert check_attachment(name, maker()) == kind


def test_a_pdf_header_after_a_few_bytes_of_junk_is_still_a_pdf():
    assert check_attachment("a.pdf", b"\xef\xbb\xbf" + PDF) == "pdf"


@pytest.mark.parametrize(
    ("name", "maker"),
    [
        ("通知.pdf", _docx),  # a Word file renamed .pdf
        ("通知.pdf", lambda: b"MZ\x90\x00" + b"\x00" * 200),  # a program
        ("方案.docx", _xlsx),  # a workbook renamed .docx
        ("名单.xlsx", _docx),  # a document renamed .xlsx
        ("方案.docx", lambda: PDF),
        ("方案.docx", lambda: b"PK\x03\x04 not really a zip"),
        ("海报.png", _jpeg),  # a JPEG named .png
        ("海报.jpg", lambda: PDF),
        ("海报.png", lambda: _png()[:60]),  # cut off
    ],
)
def test_content_that_is_not_what_the_name_says_is_refused_in_chinese(name, maker):
    with pytest.raises(ValidationError) as exc:
        check_attachment(name, maker())
    assert exc.value.code == "mismatch"
    message = _message(exc)
    assert name in message and "不是" in message


def test_a_plain_zip_with_a_docx_name_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValidationError) as exc:
        check_attachment("a.docx", out.getvalue())
    assert exc.value.code == "mismatch"


def test_a_document_with_macros_is_refused():
    source = zipfile.ZipFile(io.BytesIO(_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    with pytest.raises(ValidationError) as exc:
        check_attachment("宏.docx", out.getvalue())
    assert exc.value.code == "macros"
    assert "宏" in _message(exc)


def test_empty_and_too_large_are_refused():
    with pytest.raises(ValidationError) as exc:
        check_attachment("空.pdf", b"")
    assert exc.value.code == "empty" and "空.pdf" in _message(exc)
    with pytest.raises(ValidationError) as exc:
        check_attachment("大.pdf", PDF + b"0" * 2048, max_bytes=1024 * 1024 // 1024)
    assert exc.value.code == "too_large"
    assert "大.pdf" in _message(exc)


def test_a_type_outside_the_allowed_kinds_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_attachment("脚本.exe", b"MZ")
    assert exc.value.code == "type"
    assert ".pdf" in _message(exc)
    with pytest.raises(ValidationError) as exc:
        check_attachment("海报.png", _png(), kinds=("pdf", "docx"))
    assert exc.value.code == "type"
    message = _message(exc)
    assert message.endswith("只接受 .pdf、.docx。")


def test_only_the_last_part_of_a_path_is_named():
    with pytest.raises(ValidationError) as exc:
        check_attachment("C:\\Users\\x\\通知.pdf", b"plain text")
    assert "C:" not in _message(exc)
    assert "通知.pdf" in _message(exc)


def test_kind_of_name():
    assert kind_of_name("a.PDF") == "pdf"
    assert kind_of_name("a.tar.gz") is None
    assert kind_of_name("noext") is None

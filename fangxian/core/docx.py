"""Formal documents (docx) in the shape Chinese offices file: 宋体 body, a centred title, a
line under it (institution, document number, date), tables with grid lines, a signature
block on the right. Every app that writes a docx (the daily summary, a duty roster, an
incident report, a rectification notice, a 督办通知单) starts from `new_document` and ends
with `to_bytes`, so they look alike and nobody copies the font set-up again.

    doc = new_document(_("Duty roster"), subtitle="河西学院 · 2026年12月")
    add_table(doc, [_("Date"), _("Leader on duty")], rows)
    add_signature(doc, _("Prevention and control office"))
    return docx_response(to_bytes(doc), "值班表-2026-12.docx", watermark=watermark_for(request.user))

Every download carries the visible watermark (内部资料 请勿外传, who, when) in the header and
footer of every page: `docx_response` stamps it, so no document goes out without it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def new_document(title: str, *, subtitle: str = "", lines: Iterable[str] = ()):
    """A document with the house style and its centred title block."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    style.font.size = Pt(12)
    heading = doc.add_heading(title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in ([subtitle] if subtitle else []) + list(lines):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def add_table(doc, headers: Sequence[str], rows: Iterable[Sequence[object]]):
    """A grid table: a header row, then one row per item (values shown with str(); None as —)."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = "—" if value is None else str(value)
    return table


def add_signature(doc, signer: str, when: datetime | date | None = None) -> None:
    """The signer and the date, right-aligned, as a notice ends."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    when = when or timezone.localtime()
    text = cn_date(when.date() if isinstance(when, datetime) else when)
    doc.add_paragraph(f"{signer}\n{text}").alignment = WD_ALIGN_PARAGRAPH.RIGHT


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def to_bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def add_watermark(doc, watermark: str) -> None:
    """The mark (see fangxian.core.xlsx.watermark_for) in red, centred, in the header and
    the footer of every section, so every printed page shows who exported it and when."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    for section in doc.sections:
        for part in (section.header, section.footer):
            part.is_linked_to_previous = False
            paragraph = part.paragraphs[0] if part.paragraphs else part.add_paragraph()
            paragraph.text = ""
            run = paragraph.add_run(watermark)
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
            run.font.size = Pt(9)
            run.bold = True
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def watermarked(data: bytes, watermark: str) -> bytes:
    from docx import Document

    doc = Document(io.BytesIO(data))
    add_watermark(doc, watermark)
    return to_bytes(doc)


def docx_response(data: bytes, filename: str, *, watermark: str) -> HttpResponse:
    """A download with the watermark stamped on every page; the file name may be Chinese
    (RFC 5987)."""
    response = HttpResponse(watermarked(data, watermark), content_type=CONTENT_TYPE)
    ascii_name = filename.encode("ascii", "ignore").decode() or "document.docx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response

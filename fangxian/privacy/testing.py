"""Test helpers: the watermark an exported file carries, and its export record."""

from __future__ import annotations

import io
import zipfile

WATERMARK_TEXT = "内部资料 请勿外传"
# The page's language decides the mark's (Chinese by default; the test client asks for none).
WATERMARK_TEXTS = (WATERMARK_TEXT, "Internal material, do not pass on")


def file_bytes(response) -> bytes:
    return b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content


def watermarks(response) -> list[str]:
    """The watermarks a downloaded xlsx or docx carries: xlsx: the first cell of each sheet
    and the printed headers; docx: the header and footer of each section."""
    data = file_bytes(response)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    if "word/document.xml" in names:
        from docx import Document

        doc = Document(io.BytesIO(data))
        return [p.text for s in doc.sections for part in (s.header, s.footer) for p in part.paragraphs if p.text]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    marks = []
    for ws in book.worksheets:
        marks.append(str(ws.cell(row=1, column=1).value or ""))
        marks.append(ws.oddHeader.center.text or "")
    return marks


def assert_watermarked(response, user) -> None:
    """Every sheet or section of the file names the user and says 内部资料 请勿外传."""
    assert response.status_code == 200, response.status_code
    marks = watermarks(response)
    name = user.get_full_name() or user.get_username()
    assert marks and all(any(t in m for t in WATERMARK_TEXTS) and name in m for m in marks), marks


def last_export_record(user):
    from fangxian.privacy.models import ExportRecord

    return ExportRecord.objects.filter(user=user).order_by("-id").first()


def approved_grant(user, export: str, *, params: dict | None = None, args=()):
    """An unmasked export of `export` approved for `user` now (by a security admin made for it)."""
    from django.utils import timezone

    from fangxian.privacy.models import ExportGrant
    from fangxian.testing import UserFactory

    admin = UserFactory(roles=("security_admin",))
    return ExportGrant.objects.create(
        export=export,
        params=params or {},
        args=[str(a) for a in args],
        reason="verify",
        requested_by=user,
        status=ExportGrant.Status.APPROVED,
        decided_by=admin,
        decided_at=timezone.now(),
    )

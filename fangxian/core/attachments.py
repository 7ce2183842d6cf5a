"""Checking an uploaded attachment (a policy's PDF, a rectification report in docx, a list in
xlsx, a photo) before it is stored: is it what its name says?

A file's name is chosen by whoever uploads it; its content decides what it is. A file named
"通知.pdf" must start like a PDF, a ".docx" must be an Office Open XML package of a Word
document, an ".xlsx" one of a workbook, an image must decode with Pillow. Anything else, an
empty file or one above the size limit is refused with a message naming the file.

    kind = check_attachment(upload.name, upload.read(), kinds=("pdf", "docx"))

Nothing is unpacked or rewritten here: the caller stores the bytes as they came (images that
are personal data go through `fangxian.org.photos.prepare` instead, which re-encodes them).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024
KINDS = ("pdf", "docx", "xlsx", "image")
# The extensions of each kind (lower case, with the dot).
EXTENSIONS = {
    "pdf": (".pdf",),
    "docx": (".docx",),
    "xlsx": (".xlsx",),
    "image": (".jpg", ".jpeg", ".png", ".webp", ".gif"),
}
# Pillow format names an image of each extension may have.
_IMAGE_FORMATS = {
    ".jpg": ("JPEG", "MPO"),
    ".jpeg": ("JPEG", "MPO"),
    ".png": ("PNG",),
    ".webp": ("WEBP",),
    ".gif": ("GIF",),
}
# The package part that makes a zip a Word document or a workbook.
_PACKAGE_MAIN = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_PACKAGE_FOLDER = {"docx": "word/", "xlsx": "xl/"}
_MAX_PIXELS = 80_000_000
_MAX_MEMBERS = 10_000
# A PDF's header must be within the first 1024 bytes (ISO 32000-1, 7.5.2).
_PDF_HEADER_WINDOW = 1024


def kind_of_name(name: str) -> str | None:
    """The kind an attachment's name announces by its extension, or None."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    for kind, extensions in EXTENSIONS.items():
        if suffix in extensions:
            return kind
    return None


def check_attachment(name: str, data: bytes, *, kinds=KINDS, max_bytes: int = MAX_BYTES) -> str:
    """The kind of the attachment ("pdf", "docx", "xlsx" or "image") after checking that its
    content is what its name says; ValidationError (in Chinese, naming the file) otherwise."""
    display = PurePosixPath((name or "").replace("\\", "/")).name or _("(no name)")
    kind = kind_of_name(display)
    if kind is None or kind not in kinds:
        allowed = "、".join(ext for k in kinds for ext in EXTENSIONS.get(k, ()))
        message = _("Attachment “%(name)s”: this type of file is not accepted; accepted are %(allowed)s.")
        raise ValidationError(message % {"name": display, "allowed": allowed}, code="type")
    if not data:
        raise ValidationError(_("Attachment “%(name)s” is empty.") % {"name": display}, code="empty")
    if len(data) > max_bytes:
        raise ValidationError(
            _("Attachment “%(name)s” is larger than %(limit)s MB.") % {"name": display, "limit": _megabytes(max_bytes)},
            code="too_large",
        )
    if kind == "pdf":
        _check_pdf(display, data)
    elif kind in ("docx", "xlsx"):
        _check_package(display, data, kind)
    else:
        _check_image(display, data)
    return kind


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:g}"


def _mismatch(name: str, what: str) -> ValidationError:
    return ValidationError(
        _("Attachment “%(name)s” is not a %(kind)s file (its content does not match its name), or it is damaged.")
        % {"name": name, "kind": what},
        code="mismatch",
    )


def _check_pdf(name: str, data: bytes) -> None:
    if b"%PDF-" not in data[:_PDF_HEADER_WINDOW]:
        raise _mismatch(name, "PDF")


def _check_package(name: str, data: bytes, kind: str) -> None:
    label = "Word (.docx)" if kind == "docx" else "Excel (.xlsx)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _mismatch(name, label)
    if len(names) > _MAX_MEMBERS:
        raise _mismatch(name, label)
    members = set(names)
    if "[Content_Types].xml" not in members or _PACKAGE_MAIN[kind] not in members:
        # A .docx renamed from .xlsx (or any other zip) has the other folder or none.
        raise _mismatch(name, label)
    if not any(member.startswith(_PACKAGE_FOLDER[kind]) for member in names):
        raise _mismatch(name, label)
    if any(PurePosixPath(member).name.lower() == "vbaproject.bin" for member in names):
        raise ValidationError(
            _("Attachment “%(name)s” contains macros; save it as a document without macros (.docx / .xlsx) and upload it again.")
            % {"name": name},
            code="macros",
        )


def _check_image(name: str, data: bytes) -> None:
    suffix = PurePosixPath(name).suffix.lower()
    formats = _IMAGE_FORMATS[suffix]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.format not in formats:
                raise _mismatch(name, _("image"))
            width, height = image.size
            if width * height > _MAX_PIXELS:
                raise _too_many_pixels(name)
            image.verify()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(name)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise _mismatch(name, _("image"))


def _too_many_pixels(name: str) -> ValidationError:
    return ValidationError(_("Attachment “%(name)s” has too many pixels to be read safely.") % {"name": name}, code="too_many_pixels")

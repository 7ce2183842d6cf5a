"""Photos of students and staff: checking and cleaning an upload, naming and serving files.

A photo is personal data. It is stored under MEDIA_ROOT with a random name and served only
by views that first find the person through the viewer's scope (org) or a recent scan at
the viewer's gate (gates); no URL maps MEDIA_ROOT to the web.

Every upload is decoded with Pillow (only JPEG, PNG and WebP), turned upright by its EXIF
orientation, scaled down to at most MAX_SIDE pixels and encoded again as a fresh JPEG:
nothing of the original file survives, neither its metadata (GPS position, camera, date,
comments) nor anything hidden behind the image data.
"""

from __future__ import annotations

import io
import secrets
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 100
MAX_SIDE = 480
EVIDENCE_SIDE = 1600  # photos of places and findings (hazards, incidents, rectifications)
# Anything larger is refused before it is decoded (a "decompression bomb" is a small file
# that unpacks to billions of pixels); 50 million pixels is far beyond any camera's photo.
MAX_PIXELS = 50_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"


def new_name(folder: str = "photos") -> str:
    """A random, unguessable file name under `folder`/ (two-letter folders keep directories small)."""
    token = secrets.token_hex(16)
    return f"{folder}/{token[:2]}/{token}.jpg"


def prepare(data: bytes, *, max_side: int = MAX_SIDE) -> bytes:
    """The cleaned JPEG of an uploaded image, or ValidationError saying what is wrong.
    `max_side`: a person's photo keeps 480 pixels; a photo of a place or a finding (a leak,
    a lab bench) is kept larger (EVIDENCE_SIDE) so that its detail can be read."""
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > MAX_BYTES:
        raise _too_large()
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; make it an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels()
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise ValidationError(
                _("The file is not a JPEG, PNG or WebP image, or it is damaged. Choose a photo in one of these formats."),
                code="not_an_image",
            )
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise _too_many_pixels()
        if min(width, height) < MIN_SIDE:
            raise ValidationError(
                _("The image is too small (%(width)s × %(height)s pixels); it must be at least %(min)s × %(min)s pixels.")
                % {"width": width, "height": height, "min": MIN_SIDE},
                code="too_small",
            )
        try:
            # JPEG can decode at 1/2, 1/4 or 1/8 of the size directly: much faster for camera photos.
            image.draft("RGB", (max_side, max_side))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _flatten(image)
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(_("The image is damaged or incomplete and cannot be read."), code="damaged")
    # A new image carries no metadata of the old one (EXIF, XMP, ICC, comments).
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _too_large() -> ValidationError:
    return ValidationError(
        _("The file is larger than %(limit)s MB; choose a smaller photo.") % {"limit": MAX_BYTES // (1024 * 1024)}, code="too_large"
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has too many pixels to be read safely; a photo from a phone or camera has far fewer."),
        code="too_many_pixels",
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB; transparent parts (PNG, WebP) on white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def photo_response(photo) -> FileResponse:
    """The stored photo (a FieldFile) as a private, uncached image; 404 when there is none.
    Callers must have found the person through the viewer's scope first."""
    if not photo:
        raise Http404
    try:
        handle = photo.storage.open(photo.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404
    response = FileResponse(handle, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Content-Disposition"] = 'inline; filename="photo.jpg"'
    return response


# -- ZIP archives of photos (bulk import) ------------------------------------------------------

ARCHIVE_MAX_BYTES = 100 * 1024 * 1024
ARCHIVE_MAX_PHOTOS = 1000
ARCHIVE_MAX_UNPACKED = 500 * 1024 * 1024
ARCHIVE_MAX_RATIO = 100  # unpacked / packed for one entry: images hardly compress
# What operating systems add to an archive of a folder: skipped, not reported.
_JUNK_NAMES = {"thumbs.db", "desktop.ini"}


@dataclass
class Entry:
    """One photo file of an archive: its name as the user sees it (with folders), the name
    without folders and extension (the person's number), and how to read it."""

    name: str
    number: str
    extension: str
    size: int
    info: zipfile.ZipInfo


def _display_name(info: zipfile.ZipInfo) -> str:
    """Archives made on Chinese Windows store names in GBK without saying so; zipfile then
    reads them as code page 437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def open_archive(upload) -> tuple[zipfile.ZipFile, list[Entry]]:
    """The archive and its photo entries, after checks that need no unpacking (size, number
    of entries, unpacked size, compression ratio). ValidationError for the archive as a whole."""
    size = getattr(upload, "size", None)
    if size is not None and size > ARCHIVE_MAX_BYTES:
        raise ValidationError(
            _("The ZIP file is larger than %(limit)s MB; split the photos into several ZIP files (a class or a grade each).")
            % {"limit": ARCHIVE_MAX_BYTES // (1024 * 1024)}
        )
    try:
        archive = zipfile.ZipFile(getattr(upload, "file", upload))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(_("The file is not a ZIP archive or it is damaged. Put the photos into a .zip file and upload it again."))
    entries: list[Entry] = []
    for info in infos:
        name = _display_name(info)
        path = PurePosixPath(name)
        if info.is_dir() or any(part.startswith((".", "__MACOSX")) for part in path.parts) or path.name.lower() in _JUNK_NAMES:
            continue
        number = unicodedata.normalize("NFKC", path.stem).strip()
        entries.append(Entry(name=name, number=number, extension=path.suffix.lower(), size=info.file_size, info=info))
    if not entries:
        raise ValidationError(_("The ZIP file holds no photos."))
    if len(entries) > ARCHIVE_MAX_PHOTOS:
        raise ValidationError(
            _("The ZIP file holds %(count)s files; at most %(limit)s per import. Split the photos into several ZIP files.")
            % {"count": len(entries), "limit": ARCHIVE_MAX_PHOTOS}
        )
    if sum(entry.size for entry in entries) > ARCHIVE_MAX_UNPACKED or any(
        entry.info.compress_size and entry.size / entry.info.compress_size > ARCHIVE_MAX_RATIO for entry in entries
    ):
        raise ValidationError(_("The ZIP file unpacks to too much data to be read safely; it does not look like a folder of photos."))
    return archive, entries


def read_entry(archive: zipfile.ZipFile, entry: Entry) -> bytes:
    """The cleaned JPEG of one photo of the archive, or ValidationError saying what is wrong."""
    if entry.extension not in EXTENSIONS:
        raise ValidationError(_("Not a photo file: name photos like 2021001.jpg (JPEG, PNG or WebP)."))
    if entry.size > MAX_BYTES:
        raise _too_large()
    try:
        # zipfile stops at the declared size and checks the CRC: a forged header cannot
        # make an entry unpack to more than it says.
        data = archive.read(entry.info)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        # RuntimeError: an encrypted entry; NotImplementedError: an unknown compression.
        raise ValidationError(_("The file is damaged or encrypted inside the ZIP archive and cannot be unpacked."))
    return prepare(data)

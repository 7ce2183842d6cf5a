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
import warnings

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 100
MAX_SIDE = 480
# Anything larger is refused before it is decoded (a "decompression bomb" is a small file
# that unpacks to billions of pixels); 50 million pixels is far beyond any camera's photo.
MAX_PIXELS = 50_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"


def new_name() -> str:
    """A random, unguessable file name under photos/ (two-letter folders keep directories small)."""
    token = secrets.token_hex(16)
    return f"photos/{token[:2]}/{token}.jpg"


def prepare(data: bytes) -> bytes:
    """The cleaned JPEG of an uploaded image, or ValidationError saying what is wrong."""
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)s MB; choose a smaller photo.") % {"limit": MAX_BYTES // (1024 * 1024)}, code="too_large"
        )
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
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _flatten(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(_("The image is damaged or incomplete and cannot be read."), code="damaged")
    # A new image carries no metadata of the old one (EXIF, XMP, ICC, comments).
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


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

"""Rolling releases: hashed static files of another release are still served.

During a release the old and the new app servers answer side by side, and each one's
pages name its own release's hashed files (app.<hash>.js). WhiteNoise serves only the
files it indexed when its process started, so the old node answered 404 for the new
pages' files and the other way round. Here, a request for a hashed name WhiteNoise does
not know is answered from STATIC_ROOT if the file is there: collectstatic of every
release goes into one STATIC_ROOT that is never cleared (docs/RUNBOOK.md, "Release"), so
a node has the files of the releases before it as well as of the one being rolled out.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404

# ManifestStaticFilesStorage names: name.<12 hex>.ext (and .gz/.br beside them).
HASHED = re.compile(r"^[\w@./-]+\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
IMMUTABLE = "public, max-age=315360000, immutable"


def release_static(request, path: str):
    if not HASHED.match(path) or ".." in path.split("/"):
        raise Http404
    root = Path(settings.STATIC_ROOT).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        raise Http404
    content_type, _ = mimetypes.guess_type(target.name)
    response = FileResponse(target.open("rb"), content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    response["Access-Control-Allow-Origin"] = "*"
    return response

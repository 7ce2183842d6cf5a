"""One view function for every import page: upload, "check only", the report, the
template download and the error-file download."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render

from .importing import Importer
from .xlsx import XLSX_CONTENT_TYPE

ERROR_FILES_SESSION_KEY = "fangxian_import_error_files"


def _error_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "import-errors"
    path.mkdir(parents=True, exist_ok=True)
    return path


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename)


def import_page(request, importer: Importer, *, template: str = "core/import.html", context: dict | None = None):
    """GET: the form. GET ?template=1: the empty template. POST: run (or check) the import.

    The error file of a failed run is kept under MEDIA_ROOT with a random name that only
    the uploader's session knows, and is served by `import_errors`."""
    if request.GET.get("template") and importer.has_template:
        return xlsx_response(importer.template(), f"{importer.title}-模板.xlsx")
    report = None
    error_token = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            report_error = str(importer.missing_file)
            return render(request, template, {"importer": importer, "upload_error": report_error, **(context or {})}, status=400)
        report = importer.run(upload, dry_run=bool(request.POST.get("check_only")))
        if report.error_file:
            error_token = uuid.uuid4().hex
            (_error_dir() / f"{error_token}.xlsx").write_bytes(report.error_file)
            tokens = request.session.get(ERROR_FILES_SESSION_KEY, [])[-9:]
            request.session[ERROR_FILES_SESSION_KEY] = [*tokens, error_token]
    status = 400 if report is not None and not report.ok else 200
    return render(request, template, {"importer": importer, "report": report, "error_token": error_token, **(context or {})}, status=status)


@login_required
def import_errors(request, token: str):
    """Download an error file: only from the session that uploaded it."""
    if token not in request.session.get(ERROR_FILES_SESSION_KEY, []) or not token.isalnum():
        raise Http404
    path = _error_dir() / f"{token}.xlsx"
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename="导入错误.xlsx", content_type=XLSX_CONTENT_TYPE)

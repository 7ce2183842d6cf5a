"""One view function for every import page: upload, "check only", the report, the
template download and the error-file download."""

from __future__ import annotations

import fcntl
import uuid
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .importing import Importer, ImportOptions, ImportReport, RowError
from .xlsx import XLSX_CONTENT_TYPE

ERROR_FILES_SESSION_KEY = "fangxian_import_error_files"
PENDING_SESSION_KEY = "fangxian_import_pending"
# Error files and checked files waiting for the user's confirmation copy the upload, ID
# numbers included: they are deleted after a day.
ERROR_FILE_MAX_AGE = 24 * 3600
# Names in default_storage, the storage every app server shares.
ERROR_DIR = "import-errors"
PENDING_DIR = "import-pending"


def _error_name(token: str) -> str:
    return f"{ERROR_DIR}/{token}.xlsx"


def _pending_name(token: str) -> str:
    return f"{PENDING_DIR}/{token}.xlsx"


def _is_stale(name: str, limit) -> bool:
    """Whether the stored file `name` was written before `limit`; FileNotFoundError if it
    is gone (checked first: not every storage raises that for a missing file's time). The
    storage's own time, so every node agrees on a file's age."""
    if not default_storage.exists(name):
        raise FileNotFoundError(name)
    return default_storage.get_modified_time(name) < limit


def _oldest_allowed(max_age: int = ERROR_FILE_MAX_AGE):
    return timezone.now() - timedelta(seconds=max_age)


def _delete(name: str) -> None:
    with suppress(FileNotFoundError):  # deleted meanwhile by another request
        default_storage.delete(name)


def delete_old_error_files(*, max_age: int = ERROR_FILE_MAX_AGE) -> int:
    """Delete error files and unconfirmed checked files older than `max_age` seconds;
    the number deleted. Through default_storage, the one every app server shares, so a
    file written on one node is swept by whichever node runs next."""
    limit = _oldest_allowed(max_age)
    deleted = 0
    for folder in (ERROR_DIR, PENDING_DIR):
        try:
            _dirs, files = default_storage.listdir(folder)
        except FileNotFoundError:  # the filesystem storage before its first file
            continue
        for filename in files:
            if not filename.endswith(".xlsx"):
                continue
            name = f"{folder}/{filename}"
            try:
                if _is_stale(name, limit):
                    default_storage.delete(name)
                    deleted += 1
            except FileNotFoundError:  # deleted meanwhile by another request
                pass
    return deleted


def _take_pending(request, importer: Importer, token: str):
    """The checked file the user confirms (only from the session that checked it, for the
    same import), removed from the waiting list; None when it is gone."""
    pending = request.session.get(PENDING_SESSION_KEY, {})
    entry = pending.pop(token, None) if token.isalnum() else None
    request.session[PENDING_SESSION_KEY] = pending
    if entry is None or entry["importer"] != importer.name:
        return None
    name = _pending_name(token)
    try:
        if _is_stale(name, _oldest_allowed()):
            _delete(name)
            return None
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    _delete(name)
    return SimpleUploadedFile(entry["name"], data, content_type=XLSX_CONTENT_TYPE)


def _keep_pending(request, importer: Importer, upload) -> str:
    """Keep a checked file until the user confirms it (or for a day)."""
    delete_old_error_files()
    token = uuid.uuid4().hex
    upload.seek(0)
    _save(_pending_name(token), upload.read())
    pending = request.session.get(PENDING_SESSION_KEY, {})
    for old in list(pending)[:-4]:  # at most five waiting per session
        pending.pop(old)
        _delete(_pending_name(old))
    pending[token] = {"importer": importer.name, "name": str(getattr(upload, "name", "") or "upload.xlsx")[:200]}
    request.session[PENDING_SESSION_KEY] = pending
    return token


def _save(name: str, data: bytes) -> None:
    saved = default_storage.save(name, ContentFile(data))
    # The token is random: a storage that renamed the file (a name taken) would break the
    # link between the token the session holds and the file.
    if saved != name:
        _delete(saved)
        raise FileExistsError(name)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename)


class ImportBusy(Exception):
    pass


@contextmanager
def import_lock(name: str):
    """One import of a kind at a time on this host: a second upload (the same file posted
    twice, a double click) gets a message instead of racing the first one to the unique
    constraints. An advisory file lock, so it holds across the server's worker processes
    and is released by the kernel if a process dies.

    Per host only, on purpose: the lock file stays on this node's disk (MEDIA_ROOT), not in
    the shared default_storage. Two uploads landing on two app servers can run at once;
    that race is caught by the database (unique constraints, the batch's transaction), the
    loser is rolled back whole and told to upload again (see import_page). The lock only
    spares the common case, a double post to one node, that message."""
    path = Path(settings.MEDIA_ROOT) / "import-locks"
    path.mkdir(parents=True, exist_ok=True)
    with (path / f"{name}.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImportBusy from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def import_page(request, importer: Importer, *, template: str = "core/import.html", context: dict | None = None):
    """GET: the form. GET ?template=1: the empty template. POST: run (or check) the import.

    The error file of a failed run is kept in default_storage (shared by every app server)
    with a random name that only the uploader's session knows, and is served by
    `import_errors` for a day."""
    if request.GET.get("template") and importer.has_template:
        return xlsx_response(importer.template(), f"{importer.title}-模板.xlsx")
    report = None
    error_token = None
    options = ImportOptions.from_post(request.POST) if request.method == "POST" else ImportOptions()
    page = {"importer": importer, "options": options, **(context or {})}
    pending_token = None
    if request.method == "POST":
        confirmed = request.POST.get("pending", "")
        if confirmed:
            # The user confirms the file they checked: it is imported as it was previewed.
            upload = _take_pending(request, importer, confirmed)
            if upload is None:
                message = _("The checked file is no longer available (it is kept for a day, and imported once). Upload it again.")
                return render(request, template, {**page, "upload_error": message}, status=400)
            dry_run = False
        else:
            upload = request.FILES.get("file")
            if upload is None:
                return render(request, template, {**page, "upload_error": str(importer.missing_file)}, status=400)
            dry_run = bool(request.POST.get("check_only"))
        try:
            with import_lock(importer.name):
                report = importer.run(upload, dry_run=dry_run, options=options)
        except ImportBusy:
            message = _(
                "Another import of this kind is running (the same file uploaded twice?). Wait for it to finish, then look at the data."
            )
            return render(request, template, {**page, "upload_error": message}, status=409)
        except DatabaseError:
            # Another writer won a race the lock does not cover (another host, the ledger page):
            # the transaction was rolled back, nothing was changed.
            report = ImportReport(title=str(importer.title), dry_run=dry_run)
            report.errors = [
                RowError(0, "", _("The data changed while the file was imported; nothing was changed. Upload the file again."))
            ]
        if dry_run and report.ok and importer.has_template:
            pending_token = _keep_pending(request, importer, upload)
        if report.error_file:
            delete_old_error_files()
            error_token = uuid.uuid4().hex
            _save(_error_name(error_token), report.error_file)
            tokens = request.session.get(ERROR_FILES_SESSION_KEY, [])[-9:]
            request.session[ERROR_FILES_SESSION_KEY] = [*tokens, error_token]
    status = 400 if report is not None and not report.ok else 200
    return render(request, template, {**page, "report": report, "error_token": error_token, "pending_token": pending_token}, status=status)


@login_required
def import_errors(request, token: str):
    """Download an error file: only from the session that uploaded it, for a day."""
    if token not in request.session.get(ERROR_FILES_SESSION_KEY, []) or not token.isalnum():
        raise Http404
    name = _error_name(token)
    try:
        if _is_stale(name, _oldest_allowed()):
            _delete(name)  # it copies ID numbers: gone once refused
            raise Http404
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename="导入错误.xlsx", content_type=XLSX_CONTENT_TYPE)

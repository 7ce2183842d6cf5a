"""Backup and restore of one installation: the database, the shared files and the key
fingerprint, in one archive with a SHA-256 checksum for every part.

The database is dumped in one read-only snapshot (REPEATABLE READ on PostgreSQL, one read
transaction on SQLite), so rows agree with one another, and files kept in the database
(FANGXIAN_FILE_STORAGE=database) are part of it. Files on the filesystem are copied
right after; files in S3 are the bucket's business (versioning). The dump is Django's own
serialisation (natural keys), so it restores into SQLite or PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from . import sealed

FORMAT = "fangxian-backup-1"
# Derived or transient: made again by migrate, or worthless after a restore.
EXCLUDE = ["contenttypes", "auth.permission", "sessions.session", "core.heartbeat", "core.lease"]


class BackupError(Exception):
    pass


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _models():
    excluded_apps = {e for e in EXCLUDE if "." not in e}
    excluded_models = {e for e in EXCLUDE if "." in e}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in excluded_apps or label in excluded_models or not model._meta.managed or model._meta.proxy:
            continue
        yield label, model


def counts() -> dict[str, int]:
    return {label: model._default_manager.count() for label, model in _models()}


def file_checksums() -> dict[str, str]:
    """Every shared file and its SHA-256, wherever it is kept."""
    from .models import StoredFile

    sums = dict(StoredFile.objects.values_list("name", "sha256"))
    root = Path(settings.MEDIA_ROOT)
    if settings.FILE_STORAGE == "filesystem" and root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                sums[str(path.relative_to(root))] = _sha256(path.read_bytes())
    return sums


def backup(target: Path) -> dict:
    from .keys import fingerprint

    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database.json"
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            call_command("dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUDE, output=str(dump), verbosity=0)
            model_counts = counts()
            files = file_checksums()
        members: dict[str, bytes] = {"database.json": dump.read_bytes()}
        root = Path(settings.MEDIA_ROOT)
        if settings.FILE_STORAGE == "filesystem" and root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    members[f"files/{path.relative_to(root)}"] = path.read_bytes()
        keys = {"secret_key_fingerprint": fingerprint(settings.SECRET_KEY)}
        members["keys.json"] = json.dumps(keys, indent=1).encode()
        manifest = {
            "format": FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "database_vendor": connection.vendor,
            "file_storage": settings.FILE_STORAGE,
            "counts": model_counts,
            "files": files,
            "members": {name: _sha256(data) for name, data in members.items()},
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        # Personal data: readable by the owner only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for name, data in [("manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode()), *members.items()]:
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), 0o600, int(started)
                tar.addfile(info, io.BytesIO(data))
        partial.replace(target)
    return manifest


def read_archive(source: Path) -> tuple[dict, dict[str, bytes]]:
    """The manifest and members, every checksum verified; raises BackupError otherwise."""
    try:
        with tarfile.open(source, mode="r:gz") as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source} is not a readable backup: {exc}") from exc
    manifest = json.loads(members.pop("manifest.json", b"{}") or b"{}")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a Fangxian backup ({FORMAT})")
    expected = manifest["members"]
    if set(expected) != set(members):
        raise BackupError(f"members missing or unexpected: {sorted(set(expected) ^ set(members))}")
    bad = [name for name, data in members.items() if _sha256(data) != expected[name]]
    if bad:
        raise BackupError(f"checksum mismatch: {', '.join(bad)}")
    return manifest, members


def restore(source: Path, *, stdout=None) -> dict:
    """Into a freshly migrated, empty database (never over live data)."""
    from django.contrib.auth import get_user_model

    from .keys import fingerprint, record

    manifest, members = read_archive(source)
    if get_user_model().objects.exists():
        raise BackupError("the database already holds accounts: restore into a new, migrated database (docs/RUNBOOK.md)")
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database.json"
        dump.write_bytes(members["database.json"])
        with transaction.atomic():
            # Rows made by migrate (the key fingerprint) are replaced by the backup's.
            from .models import InstallationKey

            InstallationKey.objects.all().delete()
            # ID numbers and phones are in the dump as sealed (fangxian.core.sealed).
            with sealed.loading_dump():
                call_command("loaddata", str(dump), verbosity=0)
    root = Path(settings.MEDIA_ROOT)
    for name, data in members.items():
        if name.startswith("files/"):
            path = (root / name.removeprefix("files/")).resolve()
            if root.resolve() not in path.parents:
                raise BackupError(f"refusing a file outside MEDIA_ROOT: {name}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    keys = json.loads(members["keys.json"])
    report = {"counts": counts(), "files": file_checksums(), "manifest": manifest}
    differing = {k: (v, report["counts"].get(k)) for k, v in manifest["counts"].items() if report["counts"].get(k) != v}
    if differing:
        raise BackupError(f"restored counts differ from the backup: {differing}")
    if report["files"] != manifest["files"]:
        raise BackupError("restored files differ from the backup (checksums)")
    report["secret_key_matches"] = keys["secret_key_fingerprint"] == fingerprint(settings.SECRET_KEY)
    if not report["secret_key_matches"]:
        record(accept=False)
    return report

"""The restore drill: back up, delete, restore, compare counts and checksums. On SQLite,
and on PostgreSQL too when DATABASE_URL names one."""

import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings

KEY = "backup-drill-key-" + "z" * 40

MAKE_DATA = r"""
import json, django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from fangxian.accounts.models import User
from fangxian.gates import signing
for n in range(5):
    User.objects.create_user(f"drill{n}", password="Correct-horse-42!", full_name=f"演练{n}")
signing.rotate_key()
from fangxian.org.testing import StudentFactory, UnitFactory
institution = UnitFactory(kind="institution", name="演练学院")
klass = UnitFactory(kind="class", name="演练班", parent=UnitFactory(kind="college", name="演练系", parent=institution))
StudentFactory(klass=klass, student_number="D1", id_number="62010219900101003X", phone="13912345678")
default_storage.save("photos/one.jpg", ContentFile(b"\xff\xd8" + b"x" * 5000))
default_storage.save("reports/summaries/2026/a.xlsx", ContentFile(b"PK" + b"y" * 300))
print("ok")
"""

STATE = r"""
import json, django, hashlib
django.setup()
from fangxian.core.backup import counts, file_checksums
from fangxian.accounts.models import User
from fangxian.gates import signing
from fangxian.gates.models import SigningKey
from fangxian.org.models import Student
key = SigningKey.objects.get(retired_at__isnull=True)
signing.forget_keys()
print(json.dumps({
    "counts": counts(),
    "files": file_checksums(),
    "login": User.objects.get(username="drill3").check_password("Correct-horse-42!"),
    "signs": bool(signing._private_key(key)),
    "numbers": list(Student.objects.filter(id_number="62010219900101003X").values_list("id_number", "phone")),
}))
"""


def _env(tmp_path: Path, database_url: str | None) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env = {
        **clean,
        "FANGXIAN_DEBUG": "1",
        "FANGXIAN_SECRET_KEY": KEY,
        "FANGXIAN_VAR_DIR": str(tmp_path / "var"),
        "FANGXIAN_FILE_STORAGE": "database",
        "DJANGO_SETTINGS_MODULE": "fangxian.settings",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _run(env, *args) -> str:
    result = subprocess.run([sys.executable, *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def _postgres(name: str, action: str) -> None:
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else [])


@pytest.mark.parametrize("backend", BACKENDS)
def test_restore_drill(tmp_path, backend):
    url = None
    if backend == "postgresql":
        name = f"fx_backup_drill_{uuid.uuid4().hex[:8]}"
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
        _postgres(name, "create")
    env = _env(tmp_path, url)
    archive = tmp_path / "backups" / "fangxian.tar.gz"
    try:
        _run(env, "manage.py", "migrate", "-v", "0")
        _run(env, "-c", MAKE_DATA)
        before = json.loads(_run(env, "-c", STATE))
        _run(env, "manage.py", "backup", str(archive))
        assert oct(archive.stat().st_mode & 0o777) == "0o600"
        # ID numbers and phones are in the archive as sealed as in the database.
        with tarfile.open(archive, "r:gz") as tar:
            dump = tar.extractfile("database.json").read().decode()
        assert '"phone": "k0:' in dump and "62010219900101003X" not in dump and "13912345678" not in dump
        assert "intact" in _run(env, "manage.py", "restore", "--check", str(archive))

        # Lose everything: the database goes.
        if backend == "postgresql":
            _postgres(name, "create")
        else:
            for path in (tmp_path / "var").glob("fangxian.sqlite3*"):
                path.unlink()
        assert "counts and checksums match" in _run(env, "manage.py", "restore", str(archive))
        after = json.loads(_run(env, "-c", STATE))
        assert after == before
        assert before["counts"]["accounts.user"] == 5 and len(before["files"]) == 2
        assert after["login"] and after["signs"]
        assert after["numbers"] == [["62010219900101003X", "13912345678"]]

        # Restoring over live data is refused, and so is a damaged archive.
        refused = subprocess.run(
            [sys.executable, "manage.py", "restore", str(archive)], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
        )
        assert refused.returncode != 0 and "already holds accounts" in refused.stderr
        damaged = tmp_path / "damaged.tar.gz"
        _damage(archive, damaged)
        checked = subprocess.run(
            [sys.executable, "manage.py", "restore", "--check", str(damaged)],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
        )
        assert checked.returncode != 0 and "checksum mismatch: database.json" in checked.stderr
    finally:
        if backend == "postgresql":
            _postgres(name, "drop")


def _damage(source: Path, target: Path) -> None:
    """The same archive with one byte of the database dump changed."""
    import io

    with tarfile.open(source, "r:gz") as tar, tarfile.open(target, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "database.json":
                data = data.replace(b"drill3", b"drill9", 1)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))

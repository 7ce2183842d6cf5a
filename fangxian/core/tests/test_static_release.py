"""A rolling release: a node serves the hashed static files of another release found in
STATIC_ROOT, even ones written after it started; nothing else."""

import json
import shutil

import pytest
from django.test import Client

from .test_deploy import run_production


def test_a_node_serves_hashed_files_of_a_release_collected_after_it_started(tmp_path):
    code = r"""
import json, shutil, django
from pathlib import Path
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
root = Path(settings.STATIC_ROOT)
manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
ours = manifest["fangxian/app.js"]
client = Client(HTTP_HOST="fangxian.example.edu.cn", HTTP_X_FORWARDED_PROTO="https")
first = client.get("/static/" + ours)  # this node's own file, indexed by WhiteNoise at start
# The next release is collected into the same STATIC_ROOT on this machine while this node
# (started before) still runs; its pages ask this node for the new files.
shutil.copy(root / ours, root / "fangxian/app.0123456789ab.js")
newer = client.get("/static/fangxian/app.0123456789ab.js")
body = b"".join(newer.streaming_content) if newer.status_code == 200 else b""
seen = {
    "own": first.status_code,
    "newer": newer.status_code,
    "newer_type": newer.get("Content-Type"),
    "newer_cache": newer.get("Cache-Control"),
    "same": body == (root / ours).read_bytes(),
    "unhashed": client.get("/static/fangxian/not-there.js").status_code,
    "missing": client.get("/static/fangxian/app.ffffffffffff.js").status_code,
    "escape": client.get("/static/../secret.0123456789ab.key").status_code,
}
print(json.dumps(seen))
"""
    result = run_production(code, tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["own"] == 200
    assert (seen["newer"], seen["same"]) == (200, True)
    assert "javascript" in seen["newer_type"] and "immutable" in seen["newer_cache"]
    assert seen["unhashed"] == seen["missing"] == seen["escape"] == 404


@pytest.mark.django_db
def test_no_file_outside_static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    (tmp_path / "static").mkdir()
    (tmp_path / "secret.0123456789ab.txt").write_text("no")
    shutil.copy(tmp_path / "secret.0123456789ab.txt", tmp_path / "static" / "ok.0123456789ab.txt")
    client = Client()
    assert client.get("/static/ok.0123456789ab.txt").status_code == 200
    assert client.get("/static/%2E%2E/secret.0123456789ab.txt").status_code == 404

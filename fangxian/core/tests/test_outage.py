"""While the database is down: 503 with a Chinese maintenance page for people, JSON for
the API and the gate devices (which then queue offline)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.urls import path

from fangxian.core.outage import is_database_outage

from .test_deploy import PRODUCTION_ENV

OUTAGE = """
import json, django
django.setup()
from django.test import Client
from django.urls import path
c = Client(HTTP_HOST="fangxian.example.edu.cn", raise_request_exception=False)
seen = {}
page = c.get("/accounts/login/")
seen["page"] = [page.status_code, page["Content-Type"], page.get("Retry-After"), page.content.decode()]
api = c.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer fx_0123456789abcdef0123456789abcdef")
seen["api"] = [api.status_code, api["Content-Type"], api.content.decode()]
scan = c.post("/api/v1/gates/scan/", data="{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer fxg_0123456789abcdef0123456789abcdef")
seen["device"] = [scan.status_code, scan["Content-Type"], scan.content.decode()]
print(json.dumps(seen))
"""


def test_database_outage_answers_503_page_and_json(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env = {
        **clean,
        **PRODUCTION_ENV,
        "FANGXIAN_HTTPS": "0",
        "FANGXIAN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "fangxian.settings",
        # A real outage: nothing listens on port 1.
        "DATABASE_URL": "postgres://fangxian@127.0.0.1:1/fangxian",
    }
    result = subprocess.run([sys.executable, "-c", OUTAGE], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    status, content_type, retry_after, html = seen["page"]
    assert (status, retry_after) == (503, "30")
    assert content_type.startswith("text/html")
    assert "系统维护中" in html and "数据库暂时不可用" in html
    for name in ("api", "device"):
        status, content_type, body = seen[name]
        assert status == 503 and content_type == "application/json", (name, seen[name])
        assert json.loads(body)["code"] == "database_unavailable"
        assert "数据库暂时不可用" in json.loads(body)["detail"]


def boom(request, kind):
    if kind == "db":
        raise OperationalError("connection to server at 127.0.0.1 failed")
    raise ValueError("a bug, not an outage")


urlpatterns = [path("boom/<str:kind>/", boom), path("api/boom/<str:kind>/", boom)]
handler500 = "fangxian.core.outage.server_error"


@pytest.mark.urls("fangxian.core.tests.test_outage")
def test_only_database_errors_become_the_maintenance_answer(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    page = client.get("/boom/db/")
    assert page.status_code == 503 and "系统维护中" in page.content.decode()
    assert client.get("/api/boom/db/").json()["code"] == "database_unavailable"
    bug = client.get("/boom/bug/")
    assert bug.status_code == 500 and "服务器错误" in bug.content.decode()
    assert client.get("/api/boom/bug/").status_code == 500
    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as wrapped:
        assert is_database_outage(wrapped)

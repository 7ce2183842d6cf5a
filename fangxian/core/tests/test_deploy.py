"""Security headers, and the production settings that the README documents."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from fangxian.testing import PASSWORD

# The production environment of README.md ("Deploying"), with a throw-away key.
PRODUCTION_ENV = {
    "FANGXIAN_SECRET_KEY": "k3J9-vQ2_mZ8xL5pR7tW1yN4bC6dF0gH2jK8sA3eU5iO7qP9rT1wX4zV6nM8bB0c",
    "FANGXIAN_ALLOWED_HOSTS": "fangxian.example.edu.cn",
    "FANGXIAN_CSRF_TRUSTED_ORIGINS": "https://fangxian.example.edu.cn",
    "FANGXIAN_PROXY_COUNT": "1",
    "FANGXIAN_INSTITUTION_NAME": "示例大学",
}


def run_production(code: str, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env = {**clean, **PRODUCTION_ENV, "FANGXIAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "fangxian.settings"}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path):
    result = run_production(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_production_settings_send_hsts_and_redirect_to_https(tmp_path):
    code = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from django.test import Client
client = Client(HTTP_HOST="fangxian.example.edu.cn")
plain = client.get("/accounts/login/")
secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
health = client.get("/healthz")
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location"),
    "secure_status": secure.status_code, "hsts": secure.get("Strict-Transport-Security"),
    "cookies": {name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"])} for name, m in secure.cookies.items()},
    "health_status": health.status_code,
}))
"""
    result = run_production(code, tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain_status"] == 301
    assert seen["plain_location"].startswith("https://fangxian.example.edu.cn/")
    assert seen["secure_status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["cookies"]["__Host-csrftoken"]["secure"]
    assert seen["health_status"] != 301  # the proxy's health check may use plain HTTP


@pytest.mark.django_db
def test_every_page_sends_csp_nosniff_and_frame_denial(client):
    for url in ("/accounts/login/", "/healthz", "/", "/no-such-page/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_of_a_signed_in_user_are_not_stored(client, plain_user):
    client.post("/accounts/login/", {"username": "plain1", "password": PASSWORD})
    for url in ("/", "/accounts/security/", "/api/v1/me/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_redirects_to_the_second_factor_also_carry_the_headers(client, office):
    client.post("/accounts/login/", {"username": "office1", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
def test_request_id_is_echoed_and_a_malformed_one_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="abcdef0123456789")
    assert kept["X-Request-ID"] == "abcdef0123456789"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert replaced["X-Request-ID"] != "<script>"
    assert len(replaced["X-Request-ID"]) == 32


def test_readme_documents_every_environment_variable_the_settings_read():
    import re
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    source = (root / "fangxian" / "settings.py").read_text()
    names = set(re.findall(r'(?:envbool|envint|envlist|os\.environ\.get)\(\s*"([A-Z_]+)"', source))
    assert {"FANGXIAN_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= names
    readme = (root / "README.md").read_text()
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert undocumented == []

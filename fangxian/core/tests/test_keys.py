"""A node whose SECRET_KEY differs from the installation's refuses to start, fails /readyz
and never rotates the gate signing keys."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from fangxian.core import keys
from fangxian.core.models import InstallationKey
from fangxian.gates import signing
from fangxian.gates.models import SigningKey

pytestmark = pytest.mark.django_db

OTHER_KEY = "a-different-node-key-" + "x" * 40


def test_setting_up_the_database_records_the_key_fingerprint(settings):
    row = InstallationKey.objects.get()
    assert row.fingerprint == keys.fingerprint(settings.SECRET_KEY)
    assert settings.SECRET_KEY not in row.fingerprint
    assert keys.key_state() == keys.MATCH
    assert keys.check_secret_key() == []


def test_a_node_with_another_key_is_refused(settings):
    settings.SECRET_KEY = OTHER_KEY
    assert keys.key_state() == keys.MISMATCH
    assert [e.id for e in keys.check_secret_key()] == ["core.E001"]
    with pytest.raises(ImproperlyConfigured, match="differs"):
        keys.verify_at_startup()
    ready = Client().get("/readyz")
    assert ready.status_code == 503 and ready.json()["secret_key"] == "mismatch"


def test_a_node_with_another_key_never_rotates_the_gate_signing_key(settings):
    key = signing.rotate_key()
    signing.forget_keys()
    settings.SECRET_KEY = OTHER_KEY
    for _ in range(6):
        with pytest.raises(signing.KeyUnavailable):
            signing.sign({"s": "S1"})
    assert list(SigningKey.objects.values_list("kid", "retired_at")) == [(key.kid, None)]


def test_a_planned_change_with_the_old_key_as_fallback_is_recorded(settings):
    old = settings.SECRET_KEY
    settings.SECRET_KEY = OTHER_KEY
    settings.SECRET_KEY_FALLBACKS = [old]
    assert keys.key_state() == keys.FALLBACK
    assert keys.check_secret_key() == []
    assert keys.record() == keys.MATCH
    assert InstallationKey.objects.get().fingerprint == keys.fingerprint(OTHER_KEY)


def test_gunicorn_and_manage_py_refuse_a_foreign_key(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    base = {**clean, "FANGXIAN_DEBUG": "1", "FANGXIAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "fangxian.settings"}

    def run(key, *args):
        env = {**base, "FANGXIAN_SECRET_KEY": key}
        return subprocess.run([sys.executable, *args], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True, timeout=120)

    first = "the-installation-key-" + "y" * 40
    assert run(first, "manage.py", "migrate", "-v", "0").returncode == 0
    assert run(first, "-c", "import fangxian.wsgi").returncode == 0
    refused = run(OTHER_KEY, "-c", "import fangxian.wsgi")
    assert refused.returncode != 0 and "differs from the key this database was set up with" in refused.stderr
    check = run(OTHER_KEY, "manage.py", "check")
    assert check.returncode != 0 and "core.E001" in check.stderr
    accepted = run(OTHER_KEY, "manage.py", "secret_key", "--accept")
    assert accepted.returncode == 0, accepted.stderr
    assert run(OTHER_KEY, "manage.py", "check").returncode == 0

"""Health: the load balancer's checks answer for this node only, whatever the Host;
monitoring sees consumers, the queue, Redis and the clock."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from fangxian.core import health
from fangxian.core.models import Heartbeat
from fangxian.core.tasks import CONSUMER_HEARTBEAT, consumer_beat_once, consumer_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_like(settings):
    settings.ALLOWED_HOSTS = ["fangxian.example.edu.cn"]
    settings.SECURE_SSL_REDIRECT = True
    return settings


@pytest.fixture
def queued_mode():
    """The queue as in production (jobs go to a consumer), not run in-process."""
    HUEY.immediate = False
    try:
        yield HUEY
    finally:
        HUEY.immediate = True


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/healthz"])
def test_checks_answer_a_probe_by_ip_address_over_plain_http(production_like, path):
    response = Client(HTTP_HOST="10.20.30.40").get(path)
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True
    # The same host on any other page is refused, as before.
    assert Client(HTTP_HOST="10.20.30.40").get("/accounts/login/").status_code == 400


def test_checks_refuse_other_methods():
    assert Client().post("/readyz").status_code == 405


def test_dead_consumers_fail_monitoring_but_not_the_load_balancer(queued_mode):
    old = timezone.now() - timezone.timedelta(minutes=10)
    Heartbeat.objects.create(name=CONSUMER_HEARTBEAT, beat_at=old)
    Heartbeat.objects.create(name=consumer_name(), beat_at=old)
    client = Client()
    monitoring = client.get("/healthz")
    assert monitoring.status_code == 503
    body = monitoring.json()
    assert body["queue"]["consumer_alive"] is False
    assert body["queue"]["heartbeat_age_seconds"] >= 600
    assert body["consumers"]["alive"] == 0
    assert client.get("/readyz").status_code == 200
    assert client.get("/livez").status_code == 200

    # A consumer's own beat and the periodic beat make monitoring green again.
    consumer_beat_once()
    Heartbeat.objects.filter(name=CONSUMER_HEARTBEAT).update(beat_at=timezone.now())
    body = client.get("/healthz").json()
    assert body["consumers"]["alive"] == 1
    assert body["ok"] is True, body


def test_redis_down_fails_monitoring_only(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    client = Client()
    body = client.get("/healthz").json()
    assert body["redis"] == {"ok": False, "configured": True, "error": "ConnectionError"}
    assert body["ok"] is False
    assert client.get("/readyz").status_code == 200


def test_clock_skew_against_the_database_is_reported(monkeypatch):
    state = health.clock_state()
    assert state["ok"] is True and abs(state["skew_seconds"]) < 5
    real = health.wall_clock
    monkeypatch.setattr(health, "wall_clock", lambda: real() + 95)
    state = health.clock_state()
    assert state["ok"] is False
    assert 90 < state["skew_seconds"] < 100
    assert Client().get("/healthz").status_code == 503


def test_readiness_fails_when_the_database_is_unreachable(tmp_path):
    """A real outage: a PostgreSQL address where nothing listens."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env = {
        **clean,
        "FANGXIAN_DEBUG": "1",
        "FANGXIAN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "fangxian.settings",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    }
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='192.0.2.7')\n"
        "print(json.dumps([c.get(p).status_code for p in ('/livez', '/readyz', '/healthz')]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [200, 503, 503]


def test_outbox_jobs_waiting_too_long_fail_monitoring_only():
    from fangxian.core.models import OutboxJob

    job = OutboxJob.objects.create(task="fangxian.core.tasks.probe", args=["late"])
    assert Client().get("/healthz").json()["outbox"]["ok"] is True  # just recorded
    OutboxJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=6))
    body = Client().get("/healthz").json()
    assert body["outbox"]["ok"] is False and body["outbox"]["pending"] == 1
    assert body["outbox"]["oldest_not_handed_seconds"] >= 360
    assert Client().get("/readyz").status_code == 200

"""Jobs on huey: a real SQLite queue, Redis when one answers, and /healthz."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from huey import PriorityRedisHuey, SqliteHuey

from fangxian.core.tasks import CONSUMER_HEARTBEAT, record_heartbeat
from fangxian.testing import copy_migrated

REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(REDIS) == 0


def run_with_consumer(huey, enqueue, timeout: float = 20, workers: int = 2):
    """Start a real consumer (worker threads and scheduler) in this process, run
    `enqueue()`, and return what it returns once the consumer has emptied the queue."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False, check_worker_health=False)
    consumer.start()
    try:
        handles = enqueue()
        deadline = time.monotonic() + timeout
        while huey.pending_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        return [handle.get(blocking=True, timeout=timeout) for handle in handles]
    finally:
        consumer.stop(graceful=True)


def test_sqlite_huey_round_trip(tmp_path):
    huey = SqliteHuey(name="roundtrip", filename=str(tmp_path / "queue.sqlite3"))

    @huey.task()
    def area(width, height):
        return width * height

    results = run_with_consumer(huey, lambda: [area(3, 4), area(5, 6)])
    assert results == [12, 30]
    assert huey.pending_count() == 0


def test_priority_redis_huey_round_trip_or_reported_down():
    """With Redis on 127.0.0.1:6379: high priority jobs run first, results come back.
    Without it: the queue says it is down instead of pretending."""
    name = f"fangxian-test-{uuid.uuid4().hex[:10]}"
    huey = PriorityRedisHuey(name=name, host=REDIS[0], port=REDIS[1])
    if not redis_answers():
        from redis.exceptions import ConnectionError as RedisConnectionError

        with pytest.raises(RedisConnectionError):
            huey.pending_count()
        return
    order = []

    @huey.task()
    def job(label):
        order.append(label)
        return label.upper()

    try:
        # Enqueue while no consumer runs, so that priority decides the order.
        low = [job(f"low{n}") for n in range(3)]
        high = job("urgent", priority=10)
        assert huey.pending_count() == 4
        # One worker: with two, the second job can finish before the first (a race, not priority).
        results = run_with_consumer(huey, lambda: [*low, high], workers=1)
        assert results == ["LOW0", "LOW1", "LOW2", "URGENT"]
        assert order[0] == "urgent"
    finally:
        huey.storage.flush_all()
        huey.storage.conn.close()


# ---------------------------------------------------------------------------
# The project's own queue, end to end, in subprocesses with their own files.


def project_env(tmp_path, **extra) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return {**clean, "FANGXIAN_DEBUG": "1", "FANGXIAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "fangxian.settings", **extra}


def django_script(code: str, env: dict) -> str:
    prelude = "import django, json; django.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


HEALTH = """
from django.test import Client
response = Client(HTTP_HOST="localhost").get("/healthz")
print(json.dumps({"status": response.status_code, **response.json()}))
"""


def test_project_queue_runs_jobs_in_the_consumer_and_healthz_sees_it(tmp_path, migrated_sqlite):
    env = project_env(tmp_path)
    copy_migrated(migrated_sqlite, tmp_path)  # what `migrate` would leave there, made once

    before = json.loads(django_script(HEALTH, env))
    assert before["status"] == 503
    assert before["database"]["ok"] is True
    assert before["queue"]["backend"] == "SqliteHuey"
    assert before["queue"]["consumer_alive"] is False

    # Enqueue from one process (as a web request would) ...
    django_script("from fangxian.core.tasks import heartbeat, ping; heartbeat(); ping('roundtrip'); print('queued')", env)
    # ... and let the project's consumer run them.
    consumer = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--no-periodic", "--quiet"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        after = before
        while time.monotonic() < deadline:
            after = json.loads(django_script(HEALTH, env))
            if after["queue"]["consumer_alive"] and after["queue"]["pending"] == 0:
                break
            time.sleep(0.3)
    finally:
        consumer.terminate()
        consumer.wait(timeout=15)
    assert after["status"] == 200, after
    assert after["ok"] is True
    assert after["queue"]["last_heartbeat"]
    ran = django_script("from fangxian.core.models import Heartbeat; print(Heartbeat.objects.filter(name='roundtrip').exists())", env)
    assert ran == "True"


def test_redis_url_selects_the_priority_redis_queue(tmp_path):
    env = project_env(tmp_path, REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/15")
    line = django_script(
        "from huey.contrib.djhuey import HUEY; from django.conf import settings; print(type(HUEY).__name__, settings.CACHES['default']['BACKEND'])",
        env,
    )
    assert line == "PriorityRedisHuey django.core.cache.backends.redis.RedisCache"


def test_healthz_reports_an_unreachable_queue(tmp_path, migrated_sqlite):
    env = project_env(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    copy_migrated(migrated_sqlite, tmp_path)  # what `migrate` would leave there, made once
    seen = json.loads(django_script(HEALTH, env))
    assert seen["status"] == 503
    assert seen["database"]["ok"] is True
    assert seen["queue"] == {"backend": "PriorityRedisHuey", "ok": False, "error": "ConnectionError"}


@pytest.mark.django_db
def test_healthz_consumer_alive_follows_the_heartbeat(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from fangxian.core.models import Heartbeat

    record_heartbeat()
    body = client.get("/healthz").json()
    assert body["queue"]["consumer_alive"] is True
    Heartbeat.objects.filter(name=CONSUMER_HEARTBEAT).update(beat_at=timezone.now() - timedelta(minutes=4))
    body = client.get("/healthz").json()
    assert body["queue"]["consumer_alive"] is False
    assert "no-store" in client.get("/healthz")["Cache-Control"]

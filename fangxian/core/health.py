"""Health of a node, in two checks with two audiences.

- **Load balancer** (`/livez`, `/readyz`): only what decides whether *this* node can answer
  requests: the process is up (`livez`), and it reaches its database (`readyz`). Nothing
  shared with the other nodes (consumers, Redis, the queue) may fail it: when a consumer
  dies every node would fail together and the balancer would take the whole site down
  although the pages work.
- **Monitoring** (`/healthz`): everything a person must hear about — consumers alive,
  the periodic heartbeat, the queue's backlog, Redis, the outbox, and the clock's skew
  against the database (passes allow 30 s).

Both are answered by HealthCheckMiddleware before host validation, so that a probe by IP
address works.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from .models import Heartbeat
from .tasks import CONSUMER_HEARTBEAT, CONSUMER_PREFIX

# The periodic heartbeat task runs every minute; three missed beats means no consumer runs
# periodic work. Consumers beat on their own every CONSUMER_BEAT_SECONDS.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)
CONSUMER_STALE_AFTER = timedelta(seconds=90)
# Signed passes tolerate 30 s between the clocks of the devices and the server; a node
# whose clock is further off the database's clock than that rejects good passes.
MAX_CLOCK_SKEW_SECONDS = 30


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def readiness() -> dict:
    """For the load balancer: this process and its database, nothing else; and that this
    node runs with the installation's secret key (a node with another one signs users out)."""
    from .keys import MISMATCH, key_state

    db = database_state()
    if not db["ok"]:
        return {"ok": False, "database": db}
    key = key_state()
    return {"ok": key != MISMATCH, "database": db, "secret_key": key}


def database_now() -> datetime:
    """The database server's clock (UTC)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT clock_timestamp()")
            value = cursor.fetchone()[0]
        else:  # SQLite and others without a server: the clock of the machine holding the file
            cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
            value = datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# This node's clock; a name of its own so that a test can set it off.
wall_clock = time.time


def clock_state() -> dict:
    try:
        before = wall_clock()
        db_now = database_now()
        after = wall_clock()
    except DatabaseError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    # Compare with the middle of the round trip, so that a slow query is not counted as skew.
    skew = (datetime.fromtimestamp((before + after) / 2, UTC) - db_now).total_seconds()
    return {"ok": abs(skew) <= MAX_CLOCK_SKEW_SECONDS, "skew_seconds": round(skew, 3), "limit_seconds": MAX_CLOCK_SKEW_SECONDS}


def redis_state() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    try:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        info = client.info()
    except Exception as exc:
        return {"ok": False, "configured": True, "error": exc.__class__.__name__}
    policy = info.get("maxmemory_policy", "")
    return {
        "ok": True,
        "configured": True,
        "maxmemory_policy": policy,
        # A queue in a Redis that evicts keys loses jobs silently (see docs/RUNBOOK.md).
        "evicts_keys": policy not in ("", "noeviction"),
        "aof_enabled": bool(info.get("aof_enabled")),
    }


def queue_state() -> dict:
    state: dict = {"backend": HUEY.__class__.__name__}
    try:
        state["pending"] = HUEY.pending_count()
    except Exception as exc:
        state.update(ok=False, error=exc.__class__.__name__)
        return state
    try:
        beat = Heartbeat.objects.filter(name=CONSUMER_HEARTBEAT).values_list("beat_at", flat=True).first()
    except DatabaseError as exc:  # e.g. not migrated yet: say so instead of answering 500
        state.update(ok=False, error=exc.__class__.__name__)
        return state
    now = timezone.now()
    state["last_heartbeat"] = beat.isoformat() if beat else None
    state["heartbeat_age_seconds"] = round((now - beat).total_seconds(), 1) if beat else None
    state["consumer_alive"] = bool(beat and now - beat < HEARTBEAT_STALE_AFTER)
    backlog_alert = settings.FANGXIAN_QUEUE_BACKLOG_ALERT
    state["backlog_ok"] = state["pending"] < backlog_alert
    state["ok"] = (state["consumer_alive"] and state["backlog_ok"]) or HUEY.immediate
    return state


def consumers_state() -> dict:
    """Each consumer process beats on its own (see core.tasks.consumer_beat)."""
    try:
        beats = list(Heartbeat.objects.filter(name__startswith=CONSUMER_PREFIX).values_list("name", "beat_at"))
    except DatabaseError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    now = timezone.now()
    consumers = [
        {"name": name.removeprefix(CONSUMER_PREFIX), "age_seconds": round((now - at).total_seconds(), 1)}
        for name, at in sorted(beats, key=lambda item: item[1], reverse=True)
        if now - at < timedelta(hours=1)
    ]
    alive = sum(1 for c in consumers if c["age_seconds"] < CONSUMER_STALE_AFTER.total_seconds())
    return {"ok": alive > 0 or HUEY.immediate, "alive": alive, "seen": consumers}


def outbox_state() -> dict:
    from .outbox import outbox_state as state

    return state()


def health() -> dict:
    """For monitoring: everything, shared parts included."""
    db = database_state()
    if not db["ok"]:
        down = {"ok": False, "error": "database down"}
        return {"ok": False, "database": db, "queue": down, "consumers": down, "clock": down, "redis": redis_state()}
    from .keys import MISMATCH, key_state

    key = key_state()
    state = {
        "database": db,
        "secret_key": {"ok": key != MISMATCH, "state": key},
        "clock": clock_state(),
        "redis": redis_state(),
        "queue": queue_state(),
        "consumers": consumers_state(),
        "outbox": outbox_state(),
    }
    state["ok"] = all(part.get("ok", False) for part in state.values())
    return {"ok": state.pop("ok"), **state}

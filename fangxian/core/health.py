"""State of the database and of the job queue, for /healthz."""

from __future__ import annotations

from datetime import timedelta

from django.db import DatabaseError, connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from .models import Heartbeat
from .tasks import CONSUMER_HEARTBEAT

# The heartbeat task runs every minute; three missed beats means no consumer is running.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


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
    state["last_heartbeat"] = beat.isoformat() if beat else None
    state["consumer_alive"] = bool(beat and timezone.now() - beat < HEARTBEAT_STALE_AFTER)
    state["ok"] = state["consumer_alive"] or HUEY.immediate
    return state


def health() -> dict:
    db = database_state()
    queue = queue_state() if db["ok"] else {"ok": False, "error": "database down"}
    return {"ok": db["ok"] and queue["ok"], "database": db, "queue": queue}

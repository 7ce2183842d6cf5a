"""Housekeeping jobs, and the beat every consumer process sends on its own."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task, on_startup

from .jobs import forget_periodic_runs, periodic_task
from .models import Heartbeat
from .outbox import outbox_task

log = logging.getLogger(__name__)

# Written by the periodic `heartbeat` task: proves that periodic work is scheduled, queued
# and run end to end.
CONSUMER_HEARTBEAT = "consumer"
# One row per consumer process, written by a thread of its own (see consumer_beat).
CONSUMER_PREFIX = "consumer:"
# Also how often the outbox relay looks for jobs to hand over.
CONSUMER_BEAT_SECONDS = 5


def record_heartbeat(name: str = CONSUMER_HEARTBEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


@periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Proves that periodic work runs (see /healthz); also the daily tidying of the job
    tables."""
    record_heartbeat()
    forget_periodic_runs()


@db_task()
def ping(name: str) -> str:
    """A job that only records that it ran; used to check the queue end to end."""
    record_heartbeat(name)
    return name


def consumer_name() -> str:
    return f"{CONSUMER_PREFIX}{socket.gethostname()}:{os.getpid()}"


# Background work of a consumer process that must not depend on the queue: its own beat
# (so that monitoring counts consumers even when Redis is down) and the outbox relay.
_beat_started = threading.Lock()
_beat_thread: threading.Thread | None = None
_beat_stop = threading.Event()


def consumer_beat_once() -> None:
    from . import outbox

    record_heartbeat(consumer_name())
    # Forget consumers that stopped long ago.
    Heartbeat.objects.filter(name__startswith=CONSUMER_PREFIX, beat_at__lt=timezone.now() - timedelta(days=1)).delete()
    outbox.relay()
    outbox.forget_done()


def _beat_loop(interval: float) -> None:
    while not _beat_stop.is_set():
        close_old_connections()
        try:
            consumer_beat_once()
        except Exception:  # the database may be down: try again at the next beat
            log.warning("consumer background step failed", exc_info=True)
        finally:
            close_old_connections()
        _beat_stop.wait(interval)


@on_startup()
def start_consumer_beat() -> None:
    """Called by each worker of a consumer at start; the first one starts the thread."""
    global _beat_thread
    with _beat_started:
        if _beat_thread is not None and _beat_thread.is_alive():
            return
        _beat_stop.clear()
        _beat_thread = threading.Thread(target=_beat_loop, args=(CONSUMER_BEAT_SECONDS,), name="fangxian-beat", daemon=True)
        _beat_thread.start()


@outbox_task()
def probe(name: str) -> str:
    """Records that it ran, and fails if it ran before (the name is unique): the drill and
    the tests count these to prove that no job is lost or run twice."""
    Heartbeat.objects.create(name=name, beat_at=timezone.now())
    return name

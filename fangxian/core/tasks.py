"""Periodic housekeeping jobs."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import Heartbeat

CONSUMER_HEARTBEAT = "consumer"


def record_heartbeat(name: str = CONSUMER_HEARTBEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Proves that a consumer with periodic tasks is alive (see /healthz)."""
    record_heartbeat()


@db_task()
def ping(name: str) -> str:
    """A job that only records that it ran; used to check the queue end to end."""
    record_heartbeat(name)
    return name

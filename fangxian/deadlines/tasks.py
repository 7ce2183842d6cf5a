"""The periodic tick of the deadline engine. Every consumer schedules it and one runs each
scheduled minute (core.jobs); the tick itself is also safe on several consumers at once
(each step is claimed, see services)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from fangxian.core.jobs import periodic_task

from .services import tick


@periodic_task(crontab(minute="*"))
def deadlines_tick() -> dict:
    return tick(now=timezone.now(), isolate=True)

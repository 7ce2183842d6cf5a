"""Periodic work: the next round of every repeating schedule (idempotent: one per schedule
and day, however many consumers run it)."""

from __future__ import annotations

from huey import crontab

from fangxian.core.jobs import periodic_task

from . import services


@periodic_task(crontab(minute="5"))
def spawn_rounds() -> int:
    return services.spawn_due_rounds()

"""Periodic gate jobs."""

from __future__ import annotations

from huey import crontab

from fangxian.core.jobs import periodic_task

from . import services


@periodic_task(crontab(minute="*/5"))
def alert_overdue_leaves() -> int:
    """Students not back by the end of their leave: alert their responsible staff."""
    return services.alert_overdue_leaves()

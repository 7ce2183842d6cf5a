"""Every minute, the consumer with periodic tasks refreshes the days marked dirty."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .rollup import refresh_dirty


@db_periodic_task(crontab(minute="*"))
@lock_task("dashboard-refresh-dirty")
def refresh_dirty_days() -> int:
    return len(refresh_dirty())

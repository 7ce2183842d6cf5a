"""Every minute, the consumer with periodic tasks refreshes today and the days marked dirty.

Today is always refreshed: gate scans are stored by a raw INSERT on the gates' hot path
(no post_save signal), and they arrive all day. Scans of earlier days arriving late (an
offline station syncing the next day) are picked up by `dashboard_rebuild` or when
something else marks their day."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .rollup import mark_dirty, refresh_dirty


@db_periodic_task(crontab(minute="*"))
@lock_task("dashboard-refresh-dirty")
def refresh_dirty_days() -> int:
    mark_dirty(timezone.localdate())
    return len(refresh_dirty())

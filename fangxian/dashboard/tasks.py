"""Every minute, one consumer refreshes today and the days marked dirty.

Today is always refreshed: gate scans are stored by a raw INSERT on the gates' hot path
(no post_save signal), and they arrive all day. Scans of earlier days arriving late (an
offline station syncing the next day) are picked up by `dashboard_rebuild` or when
something else marks their day."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab

from fangxian.core.jobs import lease, periodic_task

from .rollup import mark_dirty, refresh_dirty


# The lease keeps a slow run from overlapping the next minute's; a consumer killed while
# holding it delays refreshing by ten minutes at most (huey's lock stayed until flushed).
@periodic_task(crontab(minute="*"))
@lease("dashboard-refresh-dirty", ttl=timedelta(minutes=10))
def refresh_dirty_days() -> int:
    mark_dirty(timezone.localdate())
    return len(refresh_dirty())

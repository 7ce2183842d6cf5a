"""The nightly retention job: at 02:30 (Beijing) one consumer runs the day's purge (fangxian.core.jobs:
once per slot however many consumers schedule it; the run's key makes it once per day)."""

from __future__ import annotations

from huey import crontab

from fangxian.core.jobs import periodic_task

from .purge import PurgeBusy, run_purge


# huey reads crontabs in UTC: 18:30 UTC is 02:30 in Beijing, the quietest hour.
@periodic_task(crontab(hour="18", minute="30"))
def nightly_purge() -> str | None:
    try:
        return run_purge().key
    except PurgeBusy:
        return None

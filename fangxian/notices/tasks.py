"""Jobs of policy publicity: publish the scheduled notices whose time has come (every
minute, once across consumers: `periodic_task` claims the minute, and each notice is turned
published by one conditional update)."""

from __future__ import annotations

from huey import crontab

from fangxian.core.jobs import periodic_task


@periodic_task(crontab(minute="*"))
def publish_scheduled_notices() -> int:
    from .services import publish_due

    return publish_due()

"""Periodic account jobs."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="1", minute="10"))
def accounts_leavers_daily() -> int:
    """Safety net for leavers written by paths without a hook (see leavers.py)."""
    from .leavers import sync_leavers

    return sync_leavers()


@db_periodic_task(crontab(minute="20"))
def accounts_wipe_expired_slips() -> int:
    """First-login slips are kept (encrypted) for SLIPS_KEEP_HOURS, then destroyed."""
    from .provision_models import wipe_expired_slips

    return wipe_expired_slips()

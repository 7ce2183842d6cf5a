"""Jobs of hazard inspections: recurring campaigns repeat (weekly pipe-network patrol)."""

from __future__ import annotations

from huey import crontab

from fangxian.core.jobs import periodic_task


@periodic_task(crontab(minute="5", hour="0"))
def repeat_campaigns() -> int:
    """Start the next occurrence of the recurring campaigns whose window has passed (once,
    also with two consumers: the occurrence number is unique per series)."""
    from .services import repeat_due_campaigns

    return repeat_due_campaigns()

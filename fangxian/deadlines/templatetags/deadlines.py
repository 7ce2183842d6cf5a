"""`{% load deadlines %}{% deadline_clock obj %}`: the clock of an object's deadlines (due,
time left or overdue by, the next step and the steps sent)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from .. import registry
from ..selectors import clock, deadlines_of
from ..services import recheck

register = template.Library()


@register.inclusion_tag("deadlines/_clock.html")
def deadline_clock(obj, kind: str | None = None, key: str | None = None, done: bool = True):
    """The deadlines of `obj` (only `kind`'s, only `key`'s when given). Closed ones are
    shown as done unless `done=False`; cancelled ones never."""
    now = timezone.now()
    registered = [spec.key for spec in registry.kinds()]
    rows = (
        deadlines_of(obj, kind)
        .filter(cancelled_at__isnull=True, kind__in=registered)
        .prefetch_related("sent_steps")
        .order_by("due_at", "pk")
    )
    if key is not None:
        rows = rows.filter(key=key)
    # The owning app has the last word on "done" (the tick may not have run since).
    recheck(rows.filter(done_at__isnull=True)[:10], now)
    if not done:
        rows = rows.filter(done_at__isnull=True)
    return {"clocks": [clock(row, now) for row in rows[:10]]}

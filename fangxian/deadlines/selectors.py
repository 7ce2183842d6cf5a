"""Reads for deadlines: the clock of an object, and the overdue list a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import registry
from .access import OVERDUE_ROLES
from .models import Deadline


def deadlines_of(obj, kind: str | None = None):
    rows = Deadline.objects.of(obj)
    return rows.filter(kind=kind) if kind else rows


def duration_text(delta: timedelta) -> str:
    """A duration as a person says it: "2天3小时", "45分钟" (rounded down to the minute)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)sd %(hours)sh") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)sh %(minutes)smin") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)smin") % {"minutes": minutes}


@dataclass
class Clock:
    deadline: Deadline
    label: str
    due_at: datetime
    state: str  # "open", "overdue", "done", "cancelled"
    remaining: str  # time left, or overdue by
    next_step: str
    next_step_at: datetime | None
    url: str
    description: str
    sent: list


def clock(deadline: Deadline, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    spec = registry.get(deadline.kind)
    if deadline.cancelled_at:
        state = "cancelled"
    elif deadline.done_at:
        state = "done"
    elif deadline.due_at < now:
        state = "overdue"
    else:
        state = "open"
    next_step, next_at = "", None
    if state in ("open", "overdue") and deadline.steps_sent < len(spec.steps):
        next_step = str(spec.steps[deadline.steps_sent].label)
        next_at = spec.step_time(deadline.due_at, deadline.steps_sent)
    labels = {step.key: str(step.label) for step in spec.steps}
    sent = [(labels.get(row.step, row.step), row.sent_at, row.recipients) for row in deadline.sent_steps.all()]
    target = deadline.target
    return Clock(
        deadline=deadline,
        label=str(spec.label),
        due_at=deadline.due_at,
        state=state,
        remaining=duration_text(abs(deadline.due_at - now)),
        next_step=next_step,
        next_step_at=next_at,
        url=spec.url(deadline) if target is not None else "",
        description=(spec.describe(deadline) if spec.describe else str(target)) if target is not None else "",
        sent=sent,
    )


def visible_deadlines(user, kinds=None):
    """Deadlines on objects the user may see: each kind answers through its `visible`
    (only the kinds in `kinds` when given: each kind's scope costs queries)."""
    condition = Q(pk__in=[])
    for spec in registry.kinds():
        if kinds is not None and spec.key not in kinds:
            continue
        objects = spec.visible(user)
        condition |= Q(
            kind=spec.key,
            content_type=ContentType.objects.get_for_model(spec.model),
            object_id__in=objects.values("pk"),
        )
    return Deadline.objects.filter(condition)


def overdue_for(user, now: datetime | None = None, kind: str | None = None):
    """Open deadlines past their due time on objects the user may see, most overdue first."""
    # Only the kinds that have an overdue deadline at all are asked for their scope: with a
    # dozen kinds registered, a home page with nothing overdue costs one query here.
    overdue = Deadline.objects.overdue(now)
    if kind:
        overdue = overdue.filter(kind=kind)
    kinds = set(overdue.values_list("kind", flat=True).distinct())
    rows = visible_deadlines(user, kinds).overdue(now)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.prefetch_related("sent_steps", "target").order_by("due_at", "pk")


def overdue_tiles(user) -> list:
    """Home tile: how many overdue items the user may see (none: no tile)."""
    from django.urls import reverse

    from fangxian.accounts.roles import roles_of
    from fangxian.core.tiles import Tile

    if not roles_of(user) & set(OVERDUE_ROLES):
        return []
    count = overdue_for(user).count()
    if not count:
        return []
    return [Tile(title=_("Overdue items"), value=count, url=reverse("deadlines:overdue"), tone="danger", key="overdue")]

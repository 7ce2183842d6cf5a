"""Writes for deadlines: set, close and cancel them, and the tick that sends their steps.

The tick is run every few minutes by a periodic job (deadlines.tasks); every consumer may
run it at the same time. Each step is claimed by a conditional UPDATE on the deadline
(`steps_sent` below the step's number, still open, same due time) that only one consumer
can win; the step's notifications and its SentStep row are written in the same
transaction as the claim. Just before the claim the owning app is asked whether the object
is done: a done object gets no further step.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from fangxian.notify.services import notify_users

from . import registry
from .models import Deadline, SentStep
from .registry import DeadlineKind, Step

log = logging.getLogger(__name__)

# Deadlines handled per kind and tick; the rest wait for the next tick.
TICK_BATCH = 2000
# An open deadline whose steps are all sent is asked again this often whether its object
# is done, so that it leaves the overdue list (and its counts) without anyone looking.
RECHECK = timedelta(minutes=10)


def _next_step_at(kind: DeadlineKind, due_at: datetime, steps_sent: int, now: datetime | None = None) -> datetime:
    """When the tick next looks at the deadline: its next step's time, or (all sent) a
    while from now to ask again whether the object is done."""
    if steps_sent < len(kind.steps):
        return kind.step_time(due_at, steps_sent)
    return (now or timezone.now()) + RECHECK


@transaction.atomic
def set_deadline(obj, kind: str, due_at: datetime, *, key: str = "", data: dict | None = None) -> Deadline:
    """Give `obj` a deadline of `kind` due at `due_at` (or move its deadline there). A
    deadline moved to another time starts its steps again for the new time; one that was
    closed or cancelled is opened again."""
    spec = registry.get(kind)
    content_type = ContentType.objects.get_for_model(obj)
    deadline, created = Deadline.objects.get_or_create(
        content_type=content_type,
        object_id=obj.pk,
        kind=kind,
        key=key,
        defaults={"due_at": due_at, "data": data or {}, "next_step_at": _next_step_at(spec, due_at, 0)},
    )
    if created:
        return deadline
    if deadline.due_at != due_at:
        deadline.due_at = due_at
        # Steps already sent for this very due time (it was moved away and back) stay sent.
        last = SentStep.objects.filter(deadline=deadline, due_at=due_at).order_by("-index").values_list("index", flat=True).first()
        deadline.steps_sent = 0 if last is None else last + 1
    deadline.done_at = deadline.cancelled_at = None
    deadline.next_step_at = _next_step_at(spec, deadline.due_at, deadline.steps_sent)
    if data is not None:
        deadline.data = data
    deadline.save(update_fields=["due_at", "steps_sent", "done_at", "cancelled_at", "next_step_at", "data"])
    return deadline


def ensure_deadlines(kind: str, model, rows: Iterable[tuple[int, str, datetime, dict]]) -> int:
    """Create the deadlines of `kind` on objects of `model` that do not exist yet, from
    (object id, key, due time, data) rows; existing ones are left as they are (a planner
    calls this at every tick, so nothing is written when nothing is new). Returns how many
    were created (or raced for with another consumer)."""
    spec = registry.get(kind)
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    rows = list(rows)
    if not rows:
        return 0
    existing = set(
        Deadline.objects.filter(
            content_type=content_type, kind=kind, object_id__in={row[0] for row in rows}, key__in={row[1] for row in rows}
        ).values_list("object_id", "key")
    )
    rows = [row for row in rows if (row[0], row[1]) not in existing]
    objs = [
        Deadline(
            content_type=content_type,
            object_id=object_id,
            kind=kind,
            key=key,
            data=data,
            due_at=due_at,
            created_at=now,
            next_step_at=_next_step_at(spec, due_at, 0),
        )
        for object_id, key, due_at, data in rows
    ]
    if objs:
        Deadline.objects.bulk_create(objs, ignore_conflicts=True)
    return len(objs)


def _of(obj, kind: str, key: str | None):
    rows = Deadline.objects.of(obj).filter(kind=kind).open()
    return rows if key is None else rows.filter(key=key)


def close(obj, kind: str, *, key: str | None = None, at: datetime | None = None) -> int:
    """The object is done: its open deadlines of `kind` (only `key`'s when given) stop."""
    return _of(obj, kind, key).update(done_at=at or timezone.now(), next_step_at=None)


def cancel(obj, kind: str, *, key: str | None = None, at: datetime | None = None) -> int:
    """The deadline no longer applies (withdrawn, rejected): it stops and leaves the lists."""
    return _of(obj, kind, key).update(cancelled_at=at or timezone.now(), next_step_at=None)


def recheck(deadlines: Iterable[Deadline], now: datetime | None = None) -> list[Deadline]:
    """Ask the owning apps whether these open deadlines' objects are done; close those
    that are and return the others (the overdue list calls this on the rows it shows)."""
    now = now or timezone.now()
    still_open = []
    for deadline in deadlines:
        spec = registry.get(deadline.kind)
        if _is_done(spec, deadline):
            Deadline.objects.filter(pk=deadline.pk, done_at__isnull=True).update(done_at=now, next_step_at=None)
            continue
        still_open.append(deadline)
    return still_open


def _is_done(spec: DeadlineKind, deadline: Deadline) -> bool:
    if deadline.target is None:  # the object is gone
        return True
    return bool(spec.is_done(deadline))


def _deliver(spec: DeadlineKind, step: Step, deadline: Deadline, now: datetime) -> int:
    if step.deliver is not None:
        return int(step.deliver(deadline, now) or 0)
    users = list(step.to(deadline))
    title, body = spec.message(deadline, step)
    rows = notify_users(users=users, kind=step.notify_kind or f"{spec.key}.{step.key}", title=title, body=body, url=spec.url(deadline))
    return len(rows)


def _claim(spec: DeadlineKind, deadline: Deadline, index: int, now: datetime) -> bool:
    next_at = _next_step_at(spec, deadline.due_at, index + 1, now)
    won = (
        Deadline.objects.open()
        .filter(pk=deadline.pk, due_at=deadline.due_at, steps_sent__lte=index)
        .update(steps_sent=index + 1, next_step_at=next_at)
    )
    if won:
        deadline.steps_sent, deadline.next_step_at = index + 1, next_at
    return bool(won)


def run_kind(spec: DeadlineKind, now: datetime) -> dict[str, int]:
    """One tick of one kind: plan, then send each deadline's latest due step (a step whose
    time passed while an earlier one was due is sent instead of it, never both late)."""
    if spec.plan is not None:
        spec.plan(now)
    counts = {step.key: 0 for step in spec.steps}
    sent: dict[str, list[Deadline]] = defaultdict(list)
    due = Deadline.objects.open().filter(kind=spec.key, next_step_at__lte=now).order_by("next_step_at", "pk")[:TICK_BATCH]
    for deadline in due:
        index = spec.latest_due_step(deadline.due_at, now)
        if index is None or index < deadline.steps_sent:
            # Nothing to send (every step is out): is it done by now? If not, look again later.
            if _is_done(spec, deadline):
                Deadline.objects.filter(pk=deadline.pk, done_at__isnull=True).update(done_at=now, next_step_at=None)
            else:
                Deadline.objects.open().filter(pk=deadline.pk, next_step_at=deadline.next_step_at).update(
                    next_step_at=_next_step_at(spec, deadline.due_at, deadline.steps_sent, now)
                )
            continue
        deadline.tick_at = now  # what recipients and messages read as "now"
        step = spec.steps[index]
        with transaction.atomic():
            if _is_done(spec, deadline):
                Deadline.objects.filter(pk=deadline.pk, done_at__isnull=True).update(done_at=now, next_step_at=None)
                continue
            if not _claim(spec, deadline, index, now):
                continue  # another consumer sent it
            recipients = _deliver(spec, step, deadline, now)
            SentStep.objects.create(
                deadline=deadline, index=index, step=step.key, due_at=deadline.due_at, sent_at=now, recipients=recipients
            )
        counts[step.key] += 1
        sent[step.key].append(deadline)
    if spec.on_sent is not None:
        for step in spec.steps:
            if sent[step.key]:
                with transaction.atomic():
                    spec.on_sent(step, sent[step.key], now)
    return counts


def tick(*, now: datetime | None = None, kinds: Iterable[str] | None = None, isolate: bool = False) -> dict[str, dict[str, int]]:
    """Send the steps due at `now` for every registered kind (or those named); returns
    {kind: {step: deadlines sent}}. Safe to run on several consumers at once. With
    `isolate` (the periodic job) a kind that fails is logged and the others still run."""
    now = now or timezone.now()
    selected = [registry.get(key) for key in kinds] if kinds is not None else registry.kinds()
    results: dict[str, dict[str, int]] = {}
    for spec in selected:
        if not isolate:
            results[spec.key] = run_kind(spec, now)
            continue
        try:
            results[spec.key] = run_kind(spec, now)
        except Exception:
            log.exception("deadline kind %s failed in this tick; the others ran", spec.key)
            results[spec.key] = {}
    return results

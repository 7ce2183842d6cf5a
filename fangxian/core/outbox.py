"""The outbox: jobs that must run after a commit are written to the database in the same
transaction as the change, then handed to the queue.

- `@outbox_task()` makes a job; `job.after_commit(*args)` records it (inside the caller's
  transaction) and, once that commits, hands it to the queue. A failed handover (Redis
  down) is logged and left to the relay: it never turns a saved change into a 500.
- The relay runs in every consumer (core.tasks' background thread, independent of Redis):
  it hands over jobs not yet handed over, and again those handed over long ago and still
  not done (Redis lost them, or the consumer running them was killed).
- A run marks its row done in the same transaction as the job's own writes, and a copy
  that finds its row done returns at once: a job handed over twice still takes effect
  once. Jobs run inside one transaction, so keep each one to work that fits in one.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from .models import OutboxJob

log = logging.getLogger(__name__)

# A job recorded this long ago and not handed over: its own after-commit handover failed.
HANDOVER_GRACE = timedelta(seconds=10)
# Handed over this many times without being done: given up, reported by /healthz.
MAX_HANDOVERS = 20
RELAY_BATCH = 500

_registry: dict[str, OutboxTask] = {}


def redeliver_after() -> timedelta:
    return timedelta(seconds=settings.FANGXIAN_OUTBOX_REDELIVER_SECONDS)


class OutboxTask:
    def __init__(self, fn, name: str, **options):
        self.fn = fn
        self.name = name
        self.queued = db_task(name=name, **options)(self._run)
        _registry[name] = self

    def _run(self, job_id: int):
        try:
            with transaction.atomic():
                job = OutboxJob.objects.select_for_update().filter(pk=job_id, done_at__isnull=True).first()
                if job is None:
                    return None  # done by an earlier copy (or purged)
                result = self.fn(*job.args)
                OutboxJob.objects.filter(pk=job_id).update(done_at=timezone.now(), last_error="")
        except Exception as exc:
            # The job's writes are rolled back; the row stays to be retried (huey's retries,
            # then the relay).
            OutboxJob.objects.filter(pk=job_id).update(last_error=repr(exc)[:500])
            raise
        return result

    def after_commit(self, *args) -> OutboxJob:
        job = OutboxJob.objects.create(task=self.name, args=list(args))
        transaction.on_commit(lambda: hand_over([job.pk]))
        return job

    def call_local(self, *args):
        """Run the body here and now, without the outbox (tests, a shell)."""
        return self.fn(*args)

    def __call__(self, *args):
        return self.after_commit(*args)


def outbox_task(*, name: str | None = None, **options):
    """Declare a job that goes through the outbox (options as huey's db_task)."""

    def decorator(fn) -> OutboxTask:
        return OutboxTask(fn, name or f"{fn.__module__}.{fn.__name__}", **options)

    return decorator


def _enqueue(job: OutboxJob) -> None:
    task = _registry.get(job.task)
    if task is None:
        raise LookupError(f"no outbox task called {job.task}")
    task.queued(job.pk)


def hand_over(ids: list[int]) -> int:
    """Hand these jobs to the queue now; failures are left for the relay. Never raises."""
    handed = 0
    try:
        for job in OutboxJob.objects.filter(pk__in=ids, done_at__isnull=True):
            try:
                _enqueue(job)
            except Exception as exc:
                log.warning("outbox job %s not handed to the queue (the relay retries): %r", job.pk, exc)
                OutboxJob.objects.filter(pk=job.pk).update(last_error=repr(exc)[:500])
                continue
            OutboxJob.objects.filter(pk=job.pk).update(handed_at=timezone.now(), handovers=F("handovers") + 1)
            handed += 1
    except DatabaseError:
        log.warning("outbox: database unavailable while handing over %s (the relay retries)", ids, exc_info=True)
    return handed


def due_jobs(now=None):
    now = now or timezone.now()
    return (
        OutboxJob.objects.filter(done_at__isnull=True, handovers__lt=MAX_HANDOVERS)
        .filter(Q(handed_at__isnull=True, created_at__lt=now - HANDOVER_GRACE) | Q(handed_at__lt=now - redeliver_after()))
        .order_by("pk")
    )


def relay(limit: int = RELAY_BATCH) -> int:
    """Hand over what is due. Rows are locked while handed over (PostgreSQL skips those
    another consumer is handing over; SQLite serialises writers), so that two relays
    rarely hand over one job twice — and if they do, it still runs once."""
    with transaction.atomic():
        jobs = list(due_jobs().select_for_update(skip_locked=True)[:limit])
        sent = []
        for job in jobs:
            try:
                _enqueue(job)
            except Exception as exc:
                log.warning("outbox relay: queue unavailable (%r); %s jobs wait", exc, len(jobs) - len(sent))
                OutboxJob.objects.filter(pk=job.pk).update(last_error=repr(exc)[:500])
                break
            job.handed_at = timezone.now()
            job.handovers += 1
            sent.append(job)
        OutboxJob.objects.bulk_update(sent, ["handed_at", "handovers"])
    return len(sent)


def forget_done(older_than: timedelta = timedelta(days=7)) -> int:
    return OutboxJob.objects.filter(done_at__lt=timezone.now() - older_than).delete()[0]


def outbox_state() -> dict:
    now = timezone.now()
    try:
        pending = OutboxJob.objects.filter(done_at__isnull=True)
        waiting = pending.filter(handed_at__isnull=True).order_by("created_at").values_list("created_at", flat=True).first()
        state = {
            "pending": pending.count(),
            "given_up": pending.filter(handovers__gte=MAX_HANDOVERS).count(),
            "oldest_not_handed_seconds": round((now - waiting).total_seconds(), 1) if waiting else None,
        }
    except DatabaseError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    # Not handed over for five minutes: the queue has been unreachable that long.
    state["ok"] = state["given_up"] == 0 and (waiting is None or now - waiting < timedelta(minutes=5))
    return state

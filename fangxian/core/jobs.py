"""Periodic work that survives the loss of any one consumer, and locks that expire.

Every consumer runs the scheduler (`manage.py run_huey`, periodic tasks on), so each
periodic task is queued once per consumer and minute. `periodic_task` makes the copies
agree through the database: the first to insert (task, scheduled minute) runs it, the
others return at once. When a consumer dies the others keep scheduling; nothing waits for
a person to notice.

`lease` replaces huey's lock_task, whose lock stays in Redis forever when the consumer
holding it is killed (it needed `run_huey --flush-locks`): a lease expires by itself.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from .models import Lease, PeriodicRun

log = logging.getLogger(__name__)

# How far back to look for the minute a crontab last matched (a day covers any schedule
# Fangxian uses: minutes, hours, a time of day).
_SLOT_SEARCH_MINUTES = 24 * 60


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def last_slot(validate, now: datetime) -> datetime:
    """The latest minute at or before `now` at which the crontab `validate` matches.

    Every copy of one scheduled run computes the same slot even if it runs a little late;
    huey's crontab reads naive UTC times, as here."""
    minute = timezone.make_naive(now, UTC).replace(second=0, microsecond=0)
    for step in range(_SLOT_SEARCH_MINUTES):
        candidate = minute - timedelta(minutes=step)
        if validate(candidate):
            return timezone.make_aware(candidate, UTC)
    return timezone.make_aware(minute, UTC)


def claim(name: str, slot: datetime) -> bool:
    """True for the one caller that inserts (name, slot) first."""
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=name, slot=slot, claimed_by=holder_name())
    except IntegrityError:
        return False
    return True


def periodic_task(validate, *, name: str | None = None, **options):
    """huey's db_periodic_task, run once per scheduled minute however many consumers
    schedule it. `task.call_local()` runs the body without the claim (tests, a shell)."""

    def decorator(fn):
        key = name or f"{fn.__module__}.{fn.__name__}"

        @functools.wraps(fn)
        def claimed(*args, **kwargs):
            if not claim(key, last_slot(validate, timezone.now())):
                return None  # another consumer runs this one
            return fn(*args, **kwargs)

        task = db_periodic_task(validate, name=key, **options)(claimed)
        task.call_local = fn
        return task

    return decorator


def forget_periodic_runs(older_than: timedelta = timedelta(days=2)) -> int:
    return PeriodicRun.objects.filter(slot__lt=timezone.now() - older_than).delete()[0]


class LeaseHeld(Exception):
    """Another holder has the lease."""


def acquire(name: str, ttl: timedelta, holder: str) -> bool:
    now = timezone.now()
    with transaction.atomic():
        taken = Lease.objects.filter(name=name, expires_at__lte=now).update(holder=holder, expires_at=now + ttl)
        if taken:
            return True
        try:
            with transaction.atomic():
                Lease.objects.create(name=name, holder=holder, expires_at=now + ttl)
        except IntegrityError:
            return False
    return True


def release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).delete()


def lease(name: str, ttl: timedelta):
    """Run the decorated function only while holding the lease `name`; when another holder
    has it the call returns None. A holder killed in the middle blocks the work until
    `ttl` has passed, no longer: choose it well above the longest run."""

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            holder = f"{holder_name()}:{uuid.uuid4().hex[:8]}"
            if not acquire(name, ttl, holder):
                log.info("lease %s held elsewhere: skipped", name)
                return None
            try:
                return fn(*args, **kwargs)
            finally:
                release(name, holder)

        return wrapper

    return decorator

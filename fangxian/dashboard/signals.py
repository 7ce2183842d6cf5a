"""Cheap signals that mark the days a change touches as dirty. They only write a row of
`DirtyDay` (an upsert); the roll-ups are recomputed by the periodic task. Bulk and raw
inserts (imports, the gates' scan path, the benchmark's generator) send no post_save: the
periodic task refreshes today regardless, the gates announce scans of earlier days
(`fangxian.core.signals.past_days_stored`: an offline station syncing the next morning),
and `dashboard_rebuild` covers bulk loads."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.db.models.signals import post_save
from django.utils import timezone

from fangxian.core.signals import past_days_stored

from .rollup import LOOKBACK_DAYS, mark_dirty


def _scan_saved(sender, instance, created, **kwargs):
    if created:
        day = timezone.localdate(instance.scanned_at)
        mark_dirty(day, day + timedelta(days=LOOKBACK_DAYS))


def _late_scans(sender, days, **kwargs):
    for day in sorted(days):
        mark_dirty(day, day + timedelta(days=LOOKBACK_DAYS))


def _spell_saved(sender, instance, **kwargs):
    mark_dirty(instance.valid_from, instance.valid_to - timedelta(days=1))


def _dated_saved(sender, instance, **kwargs):
    mark_dirty(instance.day)


def _today(sender, instance, **kwargs):
    mark_dirty(timezone.localdate())


def _leave_saved(sender, instance, **kwargs):
    mark_dirty(timezone.localdate(instance.ends_at), timezone.localdate())


HOOKS = [
    ("gates.Scan", _scan_saved),
    ("gates.LeaveApplication", _leave_saved),
    ("ledger.StatusSpell", _spell_saved),
    ("ledger.StudentTag", _spell_saved),
    ("reports.Submission", _dated_saved),
    ("org.Assignment", _today),
]


def connect() -> None:
    past_days_stored.connect(_late_scans, dispatch_uid="dashboard-dirty-late-scans")
    for label, receiver in HOOKS:
        post_save.connect(receiver, sender=apps.get_model(label), dispatch_uid=f"dashboard-dirty-{label}")

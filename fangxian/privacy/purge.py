"""The retention job: every registered model's rows past their retention are deleted, or
de-identified where the statistics must stay (fangxian.core.personal: `dated_by`, each
field's `retention`, the model's `purge`).

- Once: a run has a key ("daily:2026-12-05"); starting it again returns the finished run,
  and two consumers starting it at the same time meet the unique key and a lease.
- Restartable: the run keeps, per table, the last primary key done and the counts so far,
  written in the transaction of each batch; a run interrupted halfway resumes from there
  with the same `as_of`, so nothing is counted twice and nothing else is touched.
- A table nothing points at whose every row is due is emptied in one statement (the end
  of an emergency: `_emptied_whole`). Otherwise batches of BATCH rows, each its own
  transaction. A row still referenced by a row that is kept (a protected foreign key) is
  kept and counted as such; generic references (the deadlines pointing at a deleted row)
  go with it.
- Records counts per table, never the data; the change log is not asked to copy the rows
  being removed (auditlog is disabled inside the batches: a deletion log of a purged name
  would keep the name). The audit log itself is never touched here (purge="none": its own
  `audit_purge`, at least six months, enforced by the database's triggers).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.context import disable_auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone

from fangxian.core.jobs import acquire, holder_name, release
from fangxian.core.personal import PersonalField, PersonalModel, Retention, personal_models

from .inventory import model_of, purge_mode, resolve_field
from .models import AFTER_EMERGENCY_DAYS, EmergencyEnd, PurgeRun

log = logging.getLogger(__name__)

BATCH = 5000
LEASE = "privacy-purge"
LEASE_TTL = timedelta(hours=2)

RETENTION_DAYS = {
    Retention.MONTHS_6: 183,
    Retention.YEAR_1: 365,
    Retention.YEARS_3: 3 * 365 + 1,
    Retention.AUDIT: 3 * 365 + 1,
}


class PurgeBusy(Exception):
    """Another consumer is running the retention job."""


@dataclass
class Step:
    """One table's work in a run: the rows dated before `cutoff` (None: every row) lose
    `fields` (de-identify) or are deleted."""

    key: str  # progress key: "gates.scan" or "ledger.stayapplication:year_1"
    entry: PersonalModel
    model: type[models.Model]
    mode: str
    fields: tuple[PersonalField, ...]
    cutoff: datetime | None


def approved_end() -> EmergencyEnd | None:
    return EmergencyEnd.objects.filter(status=EmergencyEnd.Status.APPROVED).first()


def retention_cutoff(retention: str, as_of: datetime, end: EmergencyEnd | None) -> datetime | None | bool:
    """The moment before which a row is past `retention` at `as_of`; False: nothing is due
    (kept while enrolled, or the emergency has not ended 30 days ago)."""
    if retention in RETENTION_DAYS:
        return as_of - timedelta(days=RETENTION_DAYS[retention])
    if retention == Retention.AFTER_EMERGENCY:
        if end is None or timezone.localdate(as_of) < end.purge_on:
            return False
        # Epidemic data of the emergency is due on purge_on; data collected later (a gate
        # still scanning) keeps the same 30 days from its own date.
        return as_of - timedelta(days=AFTER_EMERGENCY_DAYS)
    return False  # WHILE_ENROLLED: lives with the person's record


def plan(as_of: datetime, end: EmergencyEnd | None) -> list[Step]:
    steps: list[Step] = []
    for entry in personal_models():
        model = model_of(entry)
        mode = purge_mode(entry)
        if model is None or mode == "none" or not entry.dated_by or not entry.fields:
            continue
        fields = entry.fields
        cutoffs = {f.retention: retention_cutoff(f.retention, as_of, end) for f in fields}
        if mode == "delete" or entry.extra.get("deidentify"):
            # A row goes (or is de-identified its own way) when its longest-kept field is due.
            if any(c is False for c in cutoffs.values()):
                continue
            steps.append(Step(entry.label, entry, model, mode, fields, min(cutoffs.values())))
        else:
            for retention, cutoff in sorted(cutoffs.items()):
                if cutoff is not False:
                    group = tuple(f for f in fields if f.retention == retention)
                    steps.append(Step(f"{entry.label}:{retention}", entry, model, mode, group, cutoff))
    # Rows that point at others go first (an alert before its leave application).
    return sorted(steps, key=lambda s: (-_depth(s.model, {st.model for st in steps}), s.key))


def _depth(model, purged: set, seen: frozenset = frozenset()) -> int:
    """How many purged models this one points at, transitively (so dependants run first)."""
    depth = 0
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if target in purged and target is not model and target not in seen:
            depth = max(depth, 1 + _depth(target, purged, seen | {model}))
    return depth


def date_bound(model, name: str, cutoff: datetime):
    """`cutoff` as the field `name` compares: a moment, or the local day of it."""
    field = resolve_field(model, name)
    if isinstance(field, models.DateTimeField):
        return cutoff
    if isinstance(field, models.DateField):
        return timezone.localdate(cutoff)
    return cutoff


def _blank(field: models.Field):
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return field.get_default() if field.has_default() else {}
    return ""


def run_purge(*, key: str | None = None, as_of: datetime | None = None, by=None) -> PurgeRun:
    """Run (or resume, or find finished) the retention job `key` (default: today's)."""
    now = timezone.now()
    key = key or f"daily:{timezone.localdate(now).isoformat()}"
    holder = f"{holder_name()}:{key}"
    if not acquire(LEASE, LEASE_TTL, holder):
        raise PurgeBusy(key)
    try:
        try:
            with transaction.atomic():
                run, _created = PurgeRun.objects.get_or_create(
                    key=key, defaults={"as_of": as_of or now, "started_by": by, "emergency": approved_end()}
                )
        except IntegrityError:  # created meanwhile by another consumer (without the lease: an old node)
            run = PurgeRun.objects.get(key=key)
        if run.state == PurgeRun.State.DONE:
            return run
        end = run.emergency or approved_end()
        previous = _previous_marks(run)
        for step in plan(run.as_of, end):
            _run_step(run, step, previous.get(step.key))
        with transaction.atomic():
            run.state = PurgeRun.State.DONE
            run.finished_at = timezone.now()
            run.save(update_fields=["state", "finished_at"])
        _certify(run, end)
        return run
    finally:
        release(LEASE, holder)


def _previous_marks(run: PurgeRun) -> dict[str, str]:
    """Per step, the cutoff the last finished run applied: de-identified rows stay in the
    table, so a later run starts where the earlier one stopped."""
    last = PurgeRun.objects.filter(state=PurgeRun.State.DONE).exclude(pk=run.pk).order_by("-as_of", "-id").first()
    if last is None:
        return {}
    return {k: v["until"] for k, v in last.progress.items() if isinstance(v, dict) and v.get("until")}


def _run_step(run: PurgeRun, step: Step, since: str | None) -> None:
    state = run.progress.get(step.key) or {}
    if state.get("done"):
        return
    after = state.get("after", 0)
    dated_by = step.entry.dated_by
    base = step.model._base_manager.filter(**{f"{dated_by}__lt": date_bound(step.model, dated_by, step.cutoff)})
    if step.mode == "deidentify" and since:
        base = base.filter(**{f"{dated_by}__gte": date_bound(step.model, dated_by, datetime.fromisoformat(since))})
    counts = run.counts.setdefault(step.entry.label, {"deleted": 0, "deidentified": 0, "kept": 0})
    with_deadlines = _has_deadlines(step.model)
    if step.mode == "delete" and _emptied_whole(run, step, counts, with_deadlines):
        return
    while True:
        pks = list(base.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:BATCH])
        with transaction.atomic(), disable_auditlog():
            if pks:
                if step.mode == "delete":
                    # The batch as a range of keys: exactly `pks` (the first BATCH rows after
                    # `after`), without binding thousands of parameters per statement.
                    _delete(run, step, base.filter(pk__gt=after, pk__lte=pks[-1]), pks, counts, with_deadlines)
                else:
                    counts["deidentified"] += _deidentify(step, pks)
                after = pks[-1]
            done = len(pks) < BATCH
            run.progress[step.key] = {"after": after, "done": done, "until": step.cutoff.isoformat()}
            run.save(update_fields=["counts", "progress"])
        if done:
            return


def _stands_alone(model: type[models.Model]) -> bool:
    """Whether the table's rows can go without Django: nothing points at them, no parent
    table, no delete signals, no generic relations (Django's own fast-delete test)."""
    opts = model._meta
    return not opts.proxy and not opts.related_objects and Collector(using=router.db_for_write(model)).can_fast_delete(model)


def _emptied_whole(run: PurgeRun, step: Step, counts: dict, with_deadlines: bool) -> bool:
    """The end of an emergency: when every row of a table that stands alone is past its
    retention, the table is emptied in one statement (TRUNCATE on PostgreSQL; on SQLite a
    DELETE without WHERE, which frees the pages instead of visiting every row and index
    entry, once foreign-key checks are off: deleting rows that point elsewhere cannot break
    a reference). Ten million gate scans go in seconds instead of minutes of batches. The
    write lock is taken before the check, so no row can arrive between the check and the
    delete; otherwise (a row is kept) the batches run. Returns whether the table was emptied."""
    model = step.model
    if not _stands_alone(model):
        return False
    dated_by = step.entry.dated_by
    kept = Q(**{f"{dated_by}__gte": date_bound(model, dated_by, step.cutoff)})
    if resolve_field(model, dated_by).null:
        kept |= Q(**{f"{dated_by}__isnull": True})
    rows = model._base_manager
    if not rows.exists() or rows.filter(kept).exists():  # the usual night: no lock taken
        return False
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    postgres = connection.vendor == "postgresql"
    # Foreign-key checks off: a no-op outside SQLite and inside an enclosing transaction (the
    # tests); then SQLite deletes the rows one by one, with the same result.
    with connection.constraint_checks_disabled(), transaction.atomic(using=connection.alias), disable_auditlog():
        with connection.cursor() as cursor:
            if postgres:
                # Checks still deferred in an enclosing transaction run now (TRUNCATE refuses a
                # table with pending trigger events); deferred again before leaving.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            else:
                run.save(update_fields=["progress"])  # SQLite: the write lock, and a snapshot from now
            try:
                if rows.filter(kept).exists():  # a row arrived before the lock
                    return False
                n = rows.count()
                # The table's own name from its model, quoted: no input reaches this statement.
                cursor.execute(f"TRUNCATE {table}" if postgres else f"DELETE FROM {table}")  # noqa: S608
            finally:
                if postgres:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if with_deadlines:
            from fangxian.deadlines.models import Deadline

            Deadline.objects.filter(content_type=ContentType.objects.get_for_model(model)).delete()
        counts["deleted"] += n
        run.progress[step.key] = {"after": run.progress.get(step.key, {}).get("after", 0), "done": True, "until": step.cutoff.isoformat()}
        run.save(update_fields=["counts", "progress"])
    return True


def _has_deadlines(model: type[models.Model]) -> bool:
    """Whether any deadline points at a row of `model` (most tables never have one: then a
    batch needs no second statement)."""
    from fangxian.deadlines.models import Deadline

    return Deadline.objects.filter(content_type=ContentType.objects.get_for_model(model)).exists()


def _delete(run: PurgeRun, step: Step, batch: models.QuerySet, pks: list, counts: dict, with_deadlines: bool) -> None:
    content_type = ContentType.objects.get_for_model(step.model)
    try:
        with transaction.atomic():
            _total, per_model = batch.delete()
            deleted = pks
    except (ProtectedError, RestrictedError):
        # Some rows are still referenced by rows that are kept: delete the others one by one.
        deleted, per_model = [], {}
        for pk in pks:
            try:
                with transaction.atomic():
                    _n, one = step.model._base_manager.filter(pk=pk).delete()
            except (ProtectedError, RestrictedError):
                counts["kept"] += 1
                continue
            deleted.append(pk)
            for label, n in one.items():
                per_model[label] = per_model.get(label, 0) + n
    for label, n in per_model.items():
        label = label.lower()
        if label == step.entry.label:
            counts["deleted"] += n
        elif n:
            # Rows removed with them (cascades): counted under their own table.
            other = run.counts.setdefault(label, {"deleted": 0, "deidentified": 0, "kept": 0})
            other["deleted"] += n
    if deleted and with_deadlines:
        from fangxian.deadlines.models import Deadline

        Deadline.objects.filter(content_type=content_type, object_id__in=deleted).delete()


def _deidentify(step: Step, pks: list) -> int:
    rows = step.model._base_manager.filter(pk__in=pks)
    custom = step.entry.extra.get("deidentify")
    if custom:
        return custom(rows)
    values = {}
    for f in step.fields:
        field = step.model._meta.get_field(f.name)
        values[f.name] = _blank(field)
    # A plain UPDATE: no signals, no change-log copy of the values being removed.
    return rows.update(**values)


def _certify(run: PurgeRun, end: EmergencyEnd | None) -> None:
    """The first finished run on or after the purge day of an approved end of the
    emergency writes its signed certificate."""
    if end is None or end.purged_at is not None or timezone.localdate(run.as_of) < end.purge_on:
        return
    from .certificate import issue  # (certificate imports this module)

    issue(end, run)

"""Undoing an import batch (core.models.ImportBatch).

An import that records what it did (the rows it created, the fields it changed with their
old and new values) can be undone while nothing later depends on it: created rows are
deleted and changed fields restored, all or nothing, in one transaction. Anything that
blocks the undo is named: a later import of the same rows, a field changed since, a row
that other records now point to.

A created row is recorded as [label, pk] or [label, pk, {field: value}]: the values it must
still have for the undo (a stay's `version`, a node's name), so that a created row edited
since blocks the undo as a changed field does. Rows created by the same import may point
to each other (a stay's ledger entry, a new class under a new major): they are deleted
together, the pointing ones first, and do not block.
"""

from __future__ import annotations

from collections import defaultdict

from auditlog.context import disable_auditlog
from django.apps import apps
from django.db import models, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _

from . import sealed
from .importing import _json
from .models import ImportBatch
from .signals import import_recorded

# Fields with unique constraints that a batch may have moved between rows (two students
# swapping beds): cleared on every restored row before the old values are written back.
_CLEAR_FIRST = {"bed_id": None, "id_number": ""}


def _label(model, row: dict | None, pk: int) -> str:
    name = (row or {}).get("name") if row else None
    return f"{model._meta.verbose_name}“{name}”" if name else f"{model._meta.verbose_name} #{pk}"


def _opened(batch: ImportBatch) -> ImportBatch:
    """The batch with the sealed values of its undo record opened (in memory only)."""
    batch.created_objects = sealed.map_refs(batch.created_objects, sealed.open_ref_value)
    batch.changed_fields = sealed.map_refs(batch.changed_fields, sealed.open_ref_value)
    return batch


def undo_blockers(batch: ImportBatch) -> list[str]:
    """Why the batch cannot be undone now (empty: it can)."""
    batch = _opened(batch)
    if batch.state != ImportBatch.State.APPLIED:
        return [_("This import has been undone already.")]
    if batch.created_objects is None:
        return [_("This import does not record what it changed, so it cannot be undone here; correct the records on their pages.")]
    blockers: list[str] = []
    touched = _created_keys(batch) | {(label, pk) for label, pk, _f in batch.changed_fields or []}
    for later in ImportBatch.objects.filter(pk__gt=batch.pk, state=ImportBatch.State.APPLIED, created_objects__isnull=False):
        theirs = _created_keys(later) | {(label, pk) for label, pk, _f in later.changed_fields or []}
        if touched & theirs:
            blockers.append(
                _("The later import #%(id)s (%(when)s) changed the same rows: undo it first.")
                % {"id": later.pk, "when": timezone.localtime(later.created_at).strftime("%Y-%m-%d %H:%M")}
            )
    changed: dict[str, list] = defaultdict(list)
    for label, pk, fields in batch.changed_fields or []:
        changed[label].append((pk, fields))
    for label, items in changed.items():
        model = apps.get_model(label)
        names = sorted({name for _pk, fields in items for name in fields})
        shown = sorted({*names, *(["name"] if any(f.name == "name" for f in model._meta.concrete_fields) else [])})
        current = {row["pk"]: row for row in model.objects.filter(pk__in=[pk for pk, _f in items]).values("pk", *shown)}
        for pk, fields in items:
            row = current.get(pk)
            if row is None:
                blockers.append(_("%(object)s no longer exists.") % {"object": _label(model, None, pk)})
                continue
            later_changed = [name for name, (_old, new) in fields.items() if _json(row[name]) != new]
            if later_changed:
                blockers.append(
                    _("%(object)s was changed after the import (%(fields)s).")
                    % {
                        "object": _label(model, row, pk),
                        "fields": "、".join(str(model._meta.get_field(n).verbose_name) for n in later_changed),
                    }
                )
    ours = _created_keys(batch)
    for label, refs in _created_by_label(batch).items():
        model = apps.get_model(label)
        pks = [ref[1] for ref in refs]
        objects = list(model.objects.filter(pk__in=pks))
        if len(objects) != len(pks):
            blockers.append(_("%(count)s of the created rows no longer exist.") % {"count": len(pks) - len(objects)})
        blockers += _changed_since_created(model, refs, objects)
        collector = Collector(using=router.db_for_write(model))
        found = []
        try:
            collector.collect(objects)
        except (ProtectedError, RestrictedError) as exc:
            # Raised once every relation was looked at: what was collected is still there.
            protected = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            found = [obj for obj in protected if (obj._meta.label_lower, obj.pk) not in ours]
        found += [obj for instances in collector.data.values() for obj in instances if (obj._meta.label_lower, obj.pk) not in ours]
        for queryset in collector.fast_deletes:
            found.extend(obj for obj in queryset[:200] if (obj._meta.label_lower, obj.pk) not in ours)
        if found:
            blockers.append(_dependents(model, found))
    return blockers[:50]


def _created_keys(batch: ImportBatch) -> set[tuple[str, int]]:
    return {(ref[0], ref[1]) for ref in batch.created_objects or []}


def _created_by_label(batch: ImportBatch) -> dict[str, list[list]]:
    """The created rows by model, the models in the order the import created them."""
    created: dict[str, list[list]] = {}
    for ref in batch.created_objects or []:
        created.setdefault(ref[0], []).append(ref)
    return created


def _blank_none(value):
    return None if value == "" else value


def _changed_since_created(model, refs: list[list], objects: list) -> list[str]:
    """Created rows whose recorded values no longer hold (edited since the import)."""
    by_pk = {obj.pk: obj for obj in objects}
    blockers = []
    for ref in refs:
        expected = ref[2] if len(ref) > 2 else None
        obj = by_pk.get(ref[1])
        if not expected or obj is None:
            continue
        differing = [
            name
            for name, value in expected.items()
            if _blank_none(_json(getattr(obj, model._meta.get_field(name).attname))) != _blank_none(value)
        ]
        if not differing:
            continue
        label = _label(model, {"name": getattr(obj, "name", None) or str(obj)}, obj.pk)
        # Bookkeeping fields (a version counter) have no name worth showing.
        named = [str(model._meta.get_field(n).verbose_name) for n in differing if model._meta.get_field(n).verbose_name != n]
        if named:
            blockers.append(_("%(object)s was changed after the import (%(fields)s).") % {"object": label, "fields": "、".join(named)})
        else:
            blockers.append(_("%(object)s was changed after the import.") % {"object": label})
    return blockers


def _dependents(model, found: list) -> str:
    kinds: dict[str, int] = defaultdict(int)
    for obj in found:
        kinds[str(obj._meta.verbose_name)] += 1
    # Sorted by kind: the order rows come back in differs between databases.
    listed = "、".join(f"{name} {count}" for name, count in sorted(kinds.items()))
    return _("Records made since point to the created %(model)s (%(dependents)s): remove them first.") % {
        "model": model._meta.verbose_name_plural,
        "dependents": listed,
    }


@transaction.atomic
def undo_batch(batch: ImportBatch, *, by) -> list[str]:
    """Undo the batch if nothing blocks it; returns the blockers (empty when undone)."""
    batch = _opened(ImportBatch.objects.select_for_update().get(pk=batch.pk))
    blockers = undo_blockers(batch)
    if blockers:
        return blockers
    cid = f"undo-{batch.cid}"[:64]
    changed: dict[str, list] = defaultdict(list)
    for label, pk, fields in batch.changed_fields:
        changed[label].append((pk, fields))
    for label, items in changed.items():
        model = apps.get_model(label)
        names = sorted({name for _pk, fields in items for name in fields})
        clear = {name: value for name, value in _CLEAR_FIRST.items() if name in names}
        if clear:
            model.objects.filter(pk__in=[pk for pk, _f in items]).update(**clear)
        objects = {obj.pk: obj for obj in model.objects.filter(pk__in=[pk for pk, _f in items])}
        for pk, fields in items:
            for name, (old, _new) in fields.items():
                field = model._meta.get_field(name)
                setattr(objects[pk], field.attname, field.to_python(old) if old is not None else None)
        model.objects.bulk_update(list(objects.values()), [model._meta.get_field(n).name for n in names], batch_size=1000)
        _log(model, [(pk, objects[pk], {n: (new, old) for n, (old, new) in fields.items()}) for pk, fields in items], by, cid, batch)
    # The models in the reverse order of their creation, the newest rows first: rows that
    # point to other created rows (an entry to its stay, a class to its new major) go first.
    for label, refs in reversed(_created_by_label(batch).items()):
        model = apps.get_model(label)
        pks = sorted((ref[1] for ref in refs), reverse=True)
        relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            objects = list(model.objects.filter(pk__in=chunk).select_related(*relations).order_by("-pk"))
            # The change log of the deletions written in bulk: auditlog's own receiver would
            # write them one by one, reading each row's related names (minutes for a large list).
            _log(model, [(obj.pk, obj, _deleted_values(obj)) for obj in objects], by, cid, batch, action="delete")
            with disable_auditlog():
                if not _overrides_delete(model):
                    try:
                        with transaction.atomic():
                            model.objects.filter(pk__in=chunk).delete()
                        continue
                    except (ProtectedError, RestrictedError):
                        pass  # rows protecting each other (a new node and its new children): one by one
                for obj in objects:
                    obj.delete()  # the newest first
    batch.state = ImportBatch.State.UNDONE
    batch.undone_at = timezone.now()
    batch.undone_by = by
    batch.save(update_fields=["state", "undone_at", "undone_by"])
    import_recorded.send(sender=ImportBatch, user=by, importer=batch.importer, undo=batch.pk, batch=batch.cid)
    return []


def _overrides_delete(model) -> bool:
    return model.delete is not models.Model.delete


def _deleted_values(obj) -> dict[str, tuple[object, None]]:
    return {
        field.attname: (getattr(obj, field.attname), None)
        for field in obj._meta.concrete_fields
        if not field.primary_key and getattr(obj, field.attname) not in ("", None)
    }


def _log(model, entries, by, cid: str, batch: ImportBatch, *, action: str = "update") -> None:
    from auditlog.diff import mask_str
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog
    from django.contrib.contenttypes.models import ContentType

    masked = set(auditlog.get_model_fields(model).get("mask_fields") or ())
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()

    def shown(name, value):
        text = "None" if value in (None, "") else str(value)
        return mask_str(text) if name in masked and value not in (None, "") else text

    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(pk),
                object_id=pk,
                object_repr=str(obj)[:200],
                action=LogEntry.Action.DELETE if action == "delete" else LogEntry.Action.UPDATE,
                changes={name.removesuffix("_id"): [shown(name, a), shown(name, b)] for name, (a, b) in changes.items()},
                changes_text="",
                actor=by if getattr(by, "pk", None) else None,
                cid=cid,
                timestamp=now,
                additional_data={"import": batch.importer, "undo_of": batch.cid},
            )
            for pk, obj, changes in entries
        ],
        batch_size=1000,
    )

"""Re-seal every sealed column (ID numbers, phones) under the current key.

    manage.py seal_rotate            # re-seal, reporting the values found per key id
    manage.py seal_rotate --check    # count the values per key id; exit 1 if any is not under the current key
    manage.py seal_rotate --new-key k2   # print a new key for FANGXIAN_SEAL_KEYS

The procedure (docs/RUNBOOK.md): put the new key first in FANGXIAN_SEAL_KEYS and keep the
old one behind it, on every node; run this; when it reports every value under the new key,
remove the old key. It works in batches, each committed on its own: interrupted, run it
again and it carries on. It writes with plain SQL (no change-log entries: the values do not
change, only their sealing).
"""

from __future__ import annotations

import base64
import os

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q

from fangxian.core import sealed
from fangxian.core.models import ImportBatch


class Command(BaseCommand):
    help = "Re-seal every sealed column (ID numbers, phones) under the current key of FANGXIAN_SEAL_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only count the values per key id; exit 1 if any is not current.")
        parser.add_argument("--batch", type=int, default=sealed.BATCH, help="Rows per transaction.")
        parser.add_argument("--new-key", metavar="ID", help="Print a new random key as ID:base64 for FANGXIAN_SEAL_KEYS and stop.")

    def handle(self, *args, check=False, batch=sealed.BATCH, new_key=None, **options):
        if new_key:
            if not sealed._KEY_ID.match(new_key) or new_key == sealed.DERIVED:
                raise CommandError(f"A key id is 1 to 8 letters or digits and not {sealed.DERIVED!r}.")
            self.stdout.write(f"{new_key}:{base64.b64encode(os.urandom(64)).decode('ascii')}")
            return
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        current = sealed.keyring().current.kid
        self.stdout.write(f"current key: {current}")
        stale = 0
        for model in apps.get_models():
            fields = sealed.sealed_fields(model)
            if not fields or model._meta.proxy or not model._meta.managed:
                continue
            columns = [f.column for f in fields]
            stale_here = []

            def probe(stored: str, stale_here=stale_here) -> str:
                if sealed.needs_reseal(stored):  # opens it: a value no key opens stops here
                    stale_here.append(1)
                return stored

            try:
                found, rewritten = sealed.rewrite_columns(
                    connection,
                    model._meta.db_table,
                    model._meta.pk.column,
                    columns,
                    probe if check else _reseal,
                    batch=batch,
                    atomic=not check,
                )
            except sealed.SealError as exc:
                raise CommandError(f"{model._meta.label}: {exc}") from None
            stale += len(stale_here)
            counts = ", ".join(f"{kid} {count}" for kid, count in sorted(found.items())) or "no values"
            names = ", ".join(f.name for f in fields)
            line = f"{model._meta.label} ({names}): {counts}"
            self.stdout.write(line if check else f"{line}; re-sealed under {current}: {rewritten}")
        stale += self._import_records(check, current, batch)
        if check and stale:
            self.stdout.write(f"{stale} values are not under the current key {current}: run manage.py seal_rotate.")
            raise SystemExit(1)
        self.stdout.write("done" if not check else "every value is under the current key")

    def _import_records(self, check: bool, current: str, batch: int) -> int:
        """The undo records of imports keep ID numbers and phones sealed too (core.ImportBatch)."""
        found, stale, last = 0, 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    ImportBatch.objects.filter(pk__gt=last)
                    .filter(Q(created_objects__isnull=False) | Q(changed_fields__isnull=False))
                    .order_by("pk")
                    .values_list("pk", "created_objects", "changed_fields")[:batch]
                )
                if not rows:
                    break
                for pk, created, changed in rows:
                    try:
                        new_created = sealed.map_refs(created, _reseal_ref)
                        new_changed = sealed.map_refs(changed, _reseal_ref)
                    except sealed.SealError as exc:
                        raise CommandError(f"core.ImportBatch #{pk}: {exc}") from None
                    found += 1
                    if (new_created, new_changed) != (created, changed):
                        stale += 1
                        if not check:
                            ImportBatch.objects.filter(pk=pk).update(created_objects=new_created, changed_fields=new_changed)
                last = rows[-1][0]
        verb = "not under the current key" if check else f"re-sealed under {current}"
        self.stdout.write(f"core.ImportBatch (undo records): {found}; {verb}: {stale}")
        return stale


def _reseal_ref(value):
    return sealed.reseal_ref_value(value)


def _reseal(stored: str) -> str:
    return sealed.seal(sealed.unseal(stored))

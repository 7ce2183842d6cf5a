"""The one sanctioned way to remove audit rows: those older than the retention (183 days at
least, as the database's triggers insist), in one transaction, itself recorded."""

from __future__ import annotations

from datetime import timedelta

from auditlog.models import LogEntry
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from fangxian.audit.appendonly import unlocked
from fangxian.audit.models import RETENTION_DAYS, SecurityEvent
from fangxian.audit.services import record_event


class Command(BaseCommand):
    help = f"Delete security events and change-log rows older than --days (at least {RETENTION_DAYS})."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=RETENTION_DAYS, help=f"keep this many days (at least {RETENTION_DAYS})")
        parser.add_argument("--dry-run", action="store_true", help="count only")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < RETENTION_DAYS:
            raise CommandError(f"Audit rows are kept at least {RETENTION_DAYS} days (six months); --days {days} is refused.")
        cutoff = timezone.now() - timedelta(days=days)
        events = SecurityEvent.objects.filter(at__lt=cutoff)
        changes = LogEntry.objects.filter(timestamp__lt=cutoff)
        counts = {"events": events.count(), "changes": changes.count()}
        if not dry_run:
            with transaction.atomic(), unlocked(connection):
                # Raw deletes: SecurityEvent's manager refuses bulk deletes, by design.
                with connection.cursor() as cursor:
                    for model, column in ((SecurityEvent, "at"), (LogEntry, "timestamp")):
                        table = connection.ops.quote_name(model._meta.db_table)
                        field = model._meta.get_field(column)
                        cursor.execute(
                            f"DELETE FROM {table} WHERE {connection.ops.quote_name(field.column)} < %s",  # noqa: S608  (identifiers only)
                            [field.get_db_prep_value(cutoff, connection)],
                        )
                record_event(SecurityEvent.Kind.AUDIT_PURGED, username="manage.py", before=cutoff.isoformat(), **counts)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"audit_purge: {verb} {counts['events']} security events and {counts['changes']} change-log rows before {cutoff:%Y-%m-%d}"
        )

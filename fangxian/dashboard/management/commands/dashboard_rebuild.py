"""Rebuild the dashboard's roll-ups for a range of days (after an import, a bulk load of
scans, or a change of the rules)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fangxian.dashboard.rollup import rebuild


class Command(BaseCommand):
    help = "Rebuild the command dashboard's daily roll-ups."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=60, help="Days back from --to (default 60).")
        parser.add_argument("--from", dest="start", help="First day (YYYY-MM-DD); overrides --days.")
        parser.add_argument("--to", dest="end", help="Last day (YYYY-MM-DD); default today.")

    def handle(self, *args, days: int, start: str | None, end: str | None, **options):
        try:
            last = date.fromisoformat(end) if end else timezone.localdate()
            first = date.fromisoformat(start) if start else last - timedelta(days=days - 1)
        except ValueError as error:
            raise CommandError(f"Dates are written YYYY-MM-DD: {error}") from error
        if first > last:
            raise CommandError("--from is after --to.")
        count = rebuild(first, last)
        self.stdout.write(f"Rebuilt {count} days, {first} to {last}.")

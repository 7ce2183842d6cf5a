"""Django's flush, able to empty the append-only audit tables on SQLite (where flush deletes
row by row and the triggers would refuse). Emptying the whole database is a deliberate
act of whoever runs manage.py on the host; on PostgreSQL flush uses TRUNCATE, which the
row triggers do not see either. (The test suite flushes between transactional tests.)"""

from __future__ import annotations

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from fangxian.audit.appendonly import unlocked


class Command(FlushCommand):
    def handle(self, **options):
        with unlocked(connections[options["database"]], everything=True):
            return super().handle(**options)

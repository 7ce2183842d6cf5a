"""manage.py restore ARCHIVE: into a new, migrated database; verifies every checksum first."""

from __future__ import annotations

from pathlib import Path

from auditlog.context import disable_auditlog
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from fangxian.core.backup import BackupError, read_archive, restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into a new database (migrated here first); --check only verifies it."
    # The key check would refuse a node set up with another key: comparing is part of restoring.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--check", action="store_true", help="verify the archive's checksums and change nothing")

    def handle(self, *args, archive: str, check: bool, **options):
        try:
            if check:
                manifest, _members = read_archive(Path(archive))
                self.stdout.write(
                    self.style.SUCCESS(f"archive intact: {sum(manifest['counts'].values())} rows, {len(manifest['files'])} files")
                )
                return
            # Nothing may add audit rows of its own: the restored ones must match the backup's.
            with disable_auditlog():
                call_command("migrate", verbosity=0)
                report = restore(Path(archive))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {sum(report['counts'].values())} rows and {len(report['files'])} files; counts and checksums match"
            )
        )
        if not report["secret_key_matches"]:
            self.stderr.write(
                "FANGXIAN_SECRET_KEY differs from the backed-up installation's: set the original key "
                "(gate signing keys and sessions need it), or run `manage.py secret_key --accept`."
            )

"""manage.py backup ARCHIVE: database, shared files and key fingerprint, with checksums."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from fangxian.core.backup import backup


class Command(BaseCommand):
    help = "Write a consistent backup (database, shared files, key fingerprint, SHA-256 checksums) to ARCHIVE (.tar.gz)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="file to write, e.g. /var/backups/fangxian/2026-07-14.tar.gz")

    def handle(self, *args, archive: str, **options):
        manifest = backup(Path(archive))
        rows = sum(manifest["counts"].values())
        self.stdout.write(self.style.SUCCESS(f"backup written: {archive} ({rows} rows, {len(manifest['files'])} files)"))

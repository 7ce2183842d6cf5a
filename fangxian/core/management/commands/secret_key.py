"""Show whether this node's SECRET_KEY is the installation's, or accept it as the new one."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fangxian.core import keys


class Command(BaseCommand):
    help = "Compare FANGXIAN_SECRET_KEY with the one the database was set up with; --accept records it."
    # The check refuses exactly the state this command exists to resolve.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--accept", action="store_true", help="record this node's key as the installation's (after changing it on purpose)"
        )

    def handle(self, *args, accept: bool, **options):
        state = keys.record(accept=accept)
        if state == keys.UNREACHABLE:
            raise CommandError("The database cannot be reached (or is not migrated): nothing compared.")
        if state == keys.MISMATCH:
            raise CommandError(f"{keys.MISMATCH_MESSAGE} {keys.MISMATCH_HINT}")
        self.stdout.write(f"secret key: {state} (fingerprint {keys.fingerprint(keys.settings.SECRET_KEY)[:12]}…)")

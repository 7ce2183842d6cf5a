"""Show whether this node's SECRET_KEY is the installation's, or accept it as the new one."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fangxian.core import keys, sealed


class Command(BaseCommand):
    help = "Compare FANGXIAN_SECRET_KEY with the one the database was set up with; --accept records it."
    # The check refuses exactly the state this command exists to resolve.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--accept", action="store_true", help="record this node's key as the installation's (after changing it on purpose)"
        )
        parser.add_argument(
            "--force", action="store_true", help="accept even though ID numbers and phones sealed under the old key become unreadable"
        )

    def handle(self, *args, accept: bool, force: bool = False, **options):
        if accept and keys.key_state() not in (keys.MATCH, keys.UNREACHABLE) and not force:
            # Without FANGXIAN_SEAL_KEYS, ID numbers and phones are sealed under a key derived
            # from the secret key (fangxian.core.sealed, "k0"): re-seal them before the old key goes.
            stale = sealed.stale_derived_values()
            if stale:
                raise CommandError(
                    f"{stale} ID numbers and phones are sealed under a key derived from the previous secret key. "
                    "With the old key in SECRET_KEY_FALLBACKS, run manage.py seal_rotate first, then --accept. "
                    "Without it they can no longer be read; --force accepts the new key anyway (docs/RUNBOOK.md)."
                )
        state = keys.record(accept=accept)
        if state == keys.UNREACHABLE:
            raise CommandError("The database cannot be reached (or is not migrated): nothing compared.")
        if state == keys.MISMATCH:
            raise CommandError(f"{keys.MISMATCH_MESSAGE} {keys.MISMATCH_HINT}")
        self.stdout.write(f"secret key: {state} (fingerprint {keys.fingerprint(keys.settings.SECRET_KEY)[:12]}…)")

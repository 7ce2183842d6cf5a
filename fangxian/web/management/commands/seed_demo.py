"""Load the demo university and print the demo logins."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fangxian.core.demo import DEMO_PASSWORD, demo_logins, loaders

MAX_STUDENTS = 30_000


class Command(BaseCommand):
    help = "Load the demo university (synthetic people) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already has accounts")
        parser.add_argument("--size", type=int, default=8000, help=f"number of students to generate (up to {MAX_STUDENTS:,})")
        parser.add_argument("--seed", type=int, default=20220714, help="random seed, for repeatable data")

    def handle(self, *args, if_empty: bool, size: int, seed: int, **options):
        # The demo university comes with a published password for every login: in a real
        # database that is a set of open accounts. Only demo mode (which production refuses)
        # may load it.
        if not settings.DEMO:
            raise CommandError(
                "seed_demo loads accounts with a published password and runs only in demo mode "
                "(FANGXIAN_DEMO=1 with FANGXIAN_DEBUG=1, as `make run` sets). Nothing was loaded."
            )
        if not 1 <= size <= MAX_STUDENTS:
            raise CommandError(f"--size must be between 1 and {MAX_STUDENTS}")
        if if_empty and get_user_model().objects.exists():
            self.stdout.write("Demo data already loaded; keeping it.")
        else:
            with transaction.atomic():
                for loader in loaders():
                    self.stdout.write(f"  loading {loader.name} …")
                    loader.load(size=size, seed=seed)
        existing = set(get_user_model().objects.filter(is_active=True).values_list("username", flat=True))
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for username, description in demo_logins():
            if username in existing:
                self.stdout.write(f"  {username:<12} {description}")

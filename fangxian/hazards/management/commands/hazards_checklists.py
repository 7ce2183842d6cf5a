"""Add the default hazard checklists (lab, dormitory building, pipe network, kitchen,
general places) that are not there yet. The demo runs it; the office has the same as a
button on the checklists page."""

from django.core.management.base import BaseCommand

from fangxian.hazards.services import load_default_checklists


class Command(BaseCommand):
    help = "Add the default hazard inspection checklists (idempotent)."

    def handle(self, *args, **options):
        added = load_default_checklists(user=None)
        self.stdout.write(f"hazards: {added} default checklists added")

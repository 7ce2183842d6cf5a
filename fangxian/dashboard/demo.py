"""The dashboard's part of the demo: its roll-ups of the last two weeks, made from the
demo's ledger, reports and scans (loaded before), so that the 14-day line and the
reconciliation page show the demo's figures from the first page view."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from . import rollup

DAYS = 14


def load(*, size: int = 0, seed: int = 0, **_options) -> None:
    today = timezone.localdate()
    rollup.rebuild(today - timedelta(days=DAYS - 1), today)

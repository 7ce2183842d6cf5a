"""Signals the gates send for other apps. Scans are stored by raw INSERTs on the hot path
(no post_save), so apps that keep derived figures listen here instead."""

from django.dispatch import Signal

# Scans dated before today were stored (an offline station syncing late, a device sending
# `scanned_at`). Keyword argument: days, a set of local dates. Today's scans send nothing:
# whoever keeps figures of today refreshes it anyway.
late_scans_stored = Signal()

"""Signals the gates send for other apps. Scans are stored by raw INSERTs on the hot path
(no post_save), so apps that keep derived figures listen to core's signal instead of
importing the gates (features and the dashboard never import gates internals)."""

from fangxian.core.signals import past_days_stored

# Scans dated before today were stored (an offline station syncing late, a device sending
# `scanned_at`): sent as core's `past_days_stored` with sender=Scan and days, a set of
# local dates. Today's scans send nothing: whoever keeps figures of today refreshes it anyway.
late_scans_stored = past_days_stored

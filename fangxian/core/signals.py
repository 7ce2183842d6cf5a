"""Signals that `fangxian.core` sends for the apps above it. Core imports no other
Fangxian app (the import contracts in .importlinter check it): where something must
happen elsewhere, core announces it here and the app that cares listens from its
AppConfig.ready()."""

from django.dispatch import Signal

# An import wrote rows, or a batch was undone. Keyword arguments: user (who ran it, may be
# None) and the facts to keep (importer, batch, rows, created, updated, unchanged; undo:
# the batch id for an undo). Sent inside the import's transaction; audit records a
# security event (SecurityEvent.Kind.IMPORT) for it.
import_recorded = Signal()

# Rows dated on past days were stored without post_save (raw or bulk inserts: gate scans
# of an offline station syncing the next morning). Keyword argument: days, a set of local
# dates; sender: the model. Whoever keeps figures per day (the dashboard) marks them dirty.
past_days_stored = Signal()

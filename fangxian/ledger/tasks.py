"""Jobs of the ledger. They take ids and fetch the rows again."""

from __future__ import annotations

import time

from fangxian.core.outbox import outbox_task

# The follow-up of a 30,000-row stay import: each batch is one transaction. On SQLite a
# transaction holds the whole database's write lock, so batches are small and a short
# pause between them lets sign-ins and other writes in (500 a batch held the lock for
# seconds at a time and sign-ins failed with "database is locked" for minutes).
FILL_BATCH = 50
FILL_PAUSE_SECONDS = 0.01


# Through the outbox: the import that calls for it records it in its own transaction, so
# that neither Redis being down nor a killed consumer can lose it.
@outbox_task(retries=2, retry_delay=30)
def one_to_one_fill_task(entry_ids: list[int], user_id: int | None) -> int:
    """Give the students of these entries their suggested one-to-one staff member."""
    from fangxian.accounts.models import User

    from .models import LedgerEntry
    from .services import one_to_one_fill

    user = User.objects.filter(pk=user_id).first() if user_id else None
    filled = 0
    for start in range(0, len(entry_ids), FILL_BATCH):
        if start:
            time.sleep(FILL_PAUSE_SECONDS)
        filled += one_to_one_fill(entries=LedgerEntry.objects.filter(pk__in=entry_ids[start : start + FILL_BATCH]), by=user)
    return filled

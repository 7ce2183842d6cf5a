"""Reading ids from query strings and forms."""

from __future__ import annotations

# The largest id a database integer column holds (SQLite and PostgreSQL bigint).
MAX_ID = 2**63 - 1


def id_param(value) -> int | None:
    """A positive id from a query or form value; None for anything else, including numbers
    too large for the database (which would otherwise fail inside the query)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None

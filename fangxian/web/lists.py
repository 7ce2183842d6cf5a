"""Long lists that show their first rows say so: `first_n(queryset, 200)` is a list of at
most 200 rows that knows whether more exist and how many (counted only then); templates
include `_first_n.html` with `rows=` to print "first N of M" under it."""

from __future__ import annotations


class FirstN(list):
    def __init__(self, rows, limit: int):
        items = list(rows[: limit + 1])
        super().__init__(items[:limit])
        self.limit = limit
        self.truncated = len(items) > limit
        self.total = rows.count() if self.truncated else len(self)


def first_n(rows, limit: int) -> FirstN:
    return FirstN(rows, limit)

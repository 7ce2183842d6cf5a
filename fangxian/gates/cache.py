"""Per-process caches for the scan path.

A scan must be judged in a few milliseconds, so what rarely changes is kept in each
process for a few seconds: devices by token hash (with their gate), active revocations,
and (in selectors) the policy in force. The process that makes a change forgets at once
(and again when its transaction commits); other processes see it within the TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db import transaction

T = TypeVar("T")
_MISSING = object()
_all: list[TTLCache] = []


class TTLCache(Generic[T]):
    def __init__(self, seconds: float, max_entries: int = 10_000):
        self.seconds = seconds
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._data: dict[Hashable, tuple[float, T]] = {}
        _all.append(self)

    def get(self, key: Hashable, load: Callable[[], T | None]) -> T | None:
        """The cached value, or `load()`'s (None is not cached: an unknown token stays unknown
        and costs a query, but never fills the cache)."""
        now = time.monotonic()
        with self._lock:
            entry = self._data.get(key, _MISSING)
        if entry is not _MISSING and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None:
            with self._lock:
                if len(self._data) >= self.max_entries:
                    self._data.clear()
                self._data[key] = (now + self.seconds, value)
        return value

    def forget(self) -> None:
        with self._lock:
            self._data.clear()

    def forget_now_and_on_commit(self) -> None:
        self.forget()
        transaction.on_commit(self.forget)


def forget_all() -> None:
    """Empty every cache of this module's kind (tests, and after bulk changes)."""
    for cache in _all:
        cache.forget()

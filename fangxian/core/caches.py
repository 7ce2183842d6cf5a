"""Process-local caches that must be emptied between tests.

A few hot paths (gate scans) keep small lookups in memory for seconds. Tests run many
worlds in one process and reuse row ids, so every such cache registers its clear
function here and the test suite empties them all before each test.
"""

from __future__ import annotations

from collections.abc import Callable

_clearers: list[Callable[[], None]] = []


def register_cache(clear: Callable[[], None]) -> None:
    if clear not in _clearers:
        _clearers.append(clear)


def clear_all() -> None:
    for clear in _clearers:
        clear()

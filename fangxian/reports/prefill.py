"""Pre-filled figures. A field of a form may name a source ("ledger.headcount.total",
"ledger.headcount.<category>"); the app that owns the figure registers a function that
gives it for a unit and a day. Reports never import the ledger: the ledger (or the project
wiring) calls `register_prefill` in its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

PrefillFn = Callable[[object, date], "int | None"]
_sources: dict[str, PrefillFn] = {}


def register_prefill(source: str, fn: PrefillFn) -> None:
    _sources[source] = fn


def unregister_prefill(source: str) -> None:
    _sources.pop(source, None)


def registered(source: str) -> bool:
    return source in _sources


def registered_sources() -> list[str]:
    return sorted(_sources)


def prefill_value(source: str, unit, day: date) -> int | None:
    fn = _sources.get(source)
    return None if fn is None else fn(unit, day)


def prefill_values(schema: dict, unit, day: date) -> dict[str, dict[str, int]]:
    """{section: {field: value}} for every field of the schema with a known source. Each
    source is asked once even when several fields name it."""
    asked: dict[str, int | None] = {}
    values: dict[str, dict[str, int]] = {}
    for section in schema.get("sections", []):
        for field in section.get("fields", []):
            source = field.get("prefill")
            if not source or source not in _sources:
                continue
            if source not in asked:
                asked[source] = prefill_value(source, unit, day)
            if asked[source] is not None:
                values.setdefault(section["key"], {})[field["key"]] = asked[source]
    return values

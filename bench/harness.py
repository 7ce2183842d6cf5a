"""Shared benchmark helpers: a fresh database per benchmark and timing."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(name: str) -> None:
    """Point Django at a fresh SQLite file var/bench/NAME.sqlite3 (unless DATABASE_URL is
    set), migrate it, and set Django up. Call before importing models."""
    if not os.environ.get("DATABASE_URL"):
        path = ROOT / "var" / "bench" / f"{name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["FANGXIAN_SQLITE_PATH"] = str(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangxian.settings")
    os.environ.setdefault("FANGXIAN_DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def report(name: str, value: float, unit: str = "") -> None:
    print(f"bench: {name} = {value:.3f}{(' ' + unit) if unit else ''}".rstrip(), flush=True)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_ms(fn: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    return statistics.median(timed(fn) for _ in range(repeat)) * 1000


def p95_ms(fn: Callable[[], object], repeat: int = 40, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples = sorted(timed(fn) * 1000 for _ in range(repeat))
    return samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


@contextmanager
def secondary_indexes_dropped(table: str):
    """Load `table` without its secondary indexes and build them once at the end: a sort per
    index instead of a random B-tree insert per row and index. The indexes that back a
    constraint (primary key, UNIQUE) stay; what comes back is exactly the schema as migrated."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Indexes written in CREATE TABLE (UNIQUE) have no SQL of their own and cannot be dropped.
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table])
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, sql in indexes:
                cursor.execute(sql)


def bulk_insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows the fastest way each database offers: COPY on PostgreSQL, INSERTs of
    many rows each on SQLite (one statement per row costs more than the row itself)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # the driver's own cursor: no per-row work in Django's wrapper
        names = ", ".join(columns)
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # SQLite binds at most 32,766 parameters per statement.
        per = max(1, 32_000 // len(columns))
        one = "(" + ", ".join("?" * len(columns)) + ")"
        full = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * per)
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            sql = full if len(chunk) == per else f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(chunk))
            raw.execute(sql, [value for row in chunk for value in row])

"""Shared benchmark helpers: a fresh database per benchmark and timing."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
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

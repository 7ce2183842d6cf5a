"""Run the benchmarks: `python -m bench [NAME ...]` (names are module suffixes, e.g. org)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

import bench


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangxian.settings")
    os.environ.setdefault("FANGXIAN_DEBUG", "1")
    # Benchmarks use their own database files under var/bench/ (or DATABASE_URL).
    wanted = set(argv)
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(bench.__file__).parent)]) if m.name.startswith("bench_"))
    failed = 0
    for name in names:
        if wanted and name.removeprefix("bench_") not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        print(f"# {name}", flush=True)
        try:
            module.run()
        except Exception as exc:  # report and go on with the other benchmarks
            failed += 1
            print(f"# {name} failed: {exc!r}", file=sys.stderr, flush=True)
        print(f"# {name} took {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

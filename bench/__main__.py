"""Run the benchmarks: `python -m bench [NAME ...]` (names are module suffixes, e.g. org)."""

from __future__ import annotations

import os
import pkgutil
import subprocess
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
        started = time.perf_counter()
        print(f"# {name}", flush=True)
        # Each benchmark in its own process: Django reads its settings (and so the database
        # file that setup_django chooses) once per process.
        code = f"import bench.{name} as module; module.run()"
        result = subprocess.run([sys.executable, "-c", code], check=False)
        if result.returncode:
            failed += 1
            print(f"# {name} failed (exit {result.returncode})", flush=True)
        print(f"# {name} took {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

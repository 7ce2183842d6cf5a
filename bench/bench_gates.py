"""Gate scans under load: gunicorn (4 workers) on loopback, wrk with 50 connections
posting freshly signed passes to the device scan endpoint, next to a reference view that
authenticates the device the same way and does one INSERT, in alternating rounds so that
the ratio holds on a shared machine. On SQLite and, when it answers on 127.0.0.1:5432, on
PostgreSQL with persistent connections.

bench: gate_scan_rps, gate_scan_p99_ms, gate_scan_ratio, gate_sync_500_s, the reference's rps
and p99, and the floor's (a view with no authentication and no database) (+ _pg)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import ROOT, report

DURATION = os.environ.get("GATE_BENCH_SECONDS", "10")
CONNECTIONS = 50
THREADS = 4
WORKERS = 4
ROUNDS = 3  # alternating scan / reference rounds of DURATION / ROUNDS seconds each
PG_URL = "postgres://postgres@127.0.0.1:5432/fangxian_h6_bench"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _reset_pg() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS fangxian_h6_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE fangxian_h6_bench")


def _wrk(url: str, env: dict, seconds: str) -> tuple[float, float, int]:
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench" / "gates_scan.lua"), url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=int(seconds) + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99_value, p99_unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(p99_value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p99, int(errors.group(1)) if errors else 0


def _sync_500(base: str, token: str, passes: list[str]) -> float:
    now = datetime.now(UTC).isoformat()
    items = [{"scan_id": str(uuid.uuid4()), "direction": "in", "text": p, "scanned_at": now, "station_verdict": "allowed"} for p in passes]
    body = json.dumps({"scans": items}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/gates/sync/",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        results = json.loads(response.read())["results"]
    elapsed = time.perf_counter() - started
    stored = sum(1 for r in results if r["status"] == "stored")
    if stored != len(passes):
        raise RuntimeError(f"sync stored {stored} of {len(passes)}")
    return elapsed


def _run_backend(suffix: str, extra_env: dict) -> None:
    work = ROOT / "var" / "bench" / f"gates{suffix}"
    shutil.rmtree(work, ignore_errors=True)
    env = {
        **os.environ,
        **extra_env,
        "DJANGO_SETTINGS_MODULE": "bench.gates_settings",
        "FANGXIAN_DEBUG": "0",
        "FANGXIAN_HTTPS": "0",
        "FANGXIAN_SECRET_KEY": "bench-only-" + "x" * 40,
        "FANGXIAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FANGXIAN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if "DATABASE_URL" not in extra_env:
        env.pop("DATABASE_URL", None)
        env["FANGXIAN_SQLITE_PATH"] = str(ROOT / "var" / "bench" / "gates.sqlite3")
    passes_needed = 3000 * int(DURATION)
    # Passes live 90 s: prepare them right before the runs.
    subprocess.run([sys.executable, "-m", "bench.gates_prepare", str(work), str(passes_needed)], env=env, check=True, cwd=ROOT)
    if "DATABASE_URL" not in extra_env:
        env["FANGXIAN_SQLITE_PATH"] = str(ROOT / "var" / "bench" / "gates.sqlite3")
    token = (work / "device_token").read_text().strip()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "fangxian.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            if _answers("127.0.0.1", port):
                break
            time.sleep(0.1)
        wrk_env = {**env, "GATE_TOKEN": token, "GATE_PASSES": str(work / "passes.txt"), "GATE_THREADS": str(THREADS)}
        slice_size = passes_needed // (ROUNDS + 1)

        def scan_run(n: int, seconds: str):
            return _wrk(f"{base}/api/v1/gates/scan/", {**wrk_env, "GATE_OFFSET": str(n * slice_size)}, seconds)

        # Warm every worker on both paths (the last slice of passes), then alternate short
        # rounds of scan and reference, so that the load of a shared machine drifting
        # during the run weighs on both alike.
        _wrk(f"{base}/bench/reference/", wrk_env, "2")
        scan_run(ROUNDS, "2")
        round_seconds = str(max(1, int(DURATION) // ROUNDS))
        scans, refs = [], []
        for n in range(ROUNDS):
            scans.append(scan_run(n, round_seconds))
            refs.append(_wrk(f"{base}/bench/reference/", wrk_env, round_seconds))
        floor_rps, floor_p99, _errors = _wrk(f"{base}/bench/floor/", wrk_env, round_seconds)
        scan_rps, ref_rps = sum(r[0] for r in scans) / ROUNDS, sum(r[0] for r in refs) / ROUNDS
        # p99: the worst round's (a conservative reading of the tail).
        scan_p99, ref_p99 = max(r[1] for r in scans), max(r[1] for r in refs)
        scan_errors, ref_errors = sum(r[2] for r in scans), sum(r[2] for r in refs)
        if scan_errors or ref_errors:
            print(f"# gates{suffix}: non-2xx responses: scan {scan_errors}, reference {ref_errors}", flush=True)
        sync_s = _sync_500(base, token, (work / "sync_passes.txt").read_text().split())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report(f"gate_scan_rps{suffix}", scan_rps, "req/s")
    report(f"gate_scan_p99_ms{suffix}", scan_p99, "ms")
    report(f"gate_reference_rps{suffix}", ref_rps, "req/s")
    # For reading the p99 aim: with 50 connections on few cores the queue sets the tail.
    report(f"gate_reference_p99_ms{suffix}", ref_p99, "ms")
    # The floor: a view with no authentication and no database, through the same server.
    report(f"gate_floor_rps{suffix}", floor_rps, "req/s")
    report(f"gate_floor_p99_ms{suffix}", floor_p99, "ms")
    report(f"gate_scan_ratio{suffix}", scan_rps / ref_rps)
    report(f"gate_sync_500_s{suffix}", sync_s, "s")


def run() -> None:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    _run_backend("", {})
    if _answers("127.0.0.1", 5432):
        _reset_pg()
        _run_backend("_pg", {"DATABASE_URL": PG_URL, "FANGXIAN_CONN_MAX_AGE": "600"})
    else:
        print("# gates: PostgreSQL does not answer on 127.0.0.1:5432; skipped the _pg figures", flush=True)

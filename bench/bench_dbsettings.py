"""Production database settings, measured: a typical scoped list page (a counselor's
students, /org/students/) served by gunicorn (4 workers) on PostgreSQL with the production
settings (persistent connections: CONN_MAX_AGE as settings.py sets it for DATABASE_URL), and
the same with CONN_MAX_AGE=0 (a new connection per request). Both servers run side by side;
wrk alternates short rounds between them so that a shared machine's drift weighs on both.

    bench: db_settings_rps            requests/s with the production settings
    bench: db_settings_rps_no_reuse   requests/s with CONN_MAX_AGE=0
    bench: db_settings_ratio          the first ÷ the second

Only when PostgreSQL answers on 127.0.0.1:5432 (SQLite has no connection to set up)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.bench_gates import _answers, _free_port
from bench.harness import ROOT, report

PG_URL = "postgres://postgres@127.0.0.1:5432/fangxian_dbsettings_bench"
PAGE = "/org/students/"
ROUNDS = 3
SECONDS = int(os.environ.get("DBSETTINGS_BENCH_SECONDS", "5"))
CONNECTIONS = 8
WORKERS = 4
SIZE = 3000


def _reset_pg() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS fangxian_dbsettings_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE fangxian_dbsettings_bench")


PREPARE = f"""
from bench.harness import setup_django
setup_django("dbsettings")
from django.conf import settings
from django.test import Client
from fangxian.accounts.models import User
from fangxian.core.demo import loaders
for loader in loaders():
    if loader.name in ("accounts", "org"):
        loader.load(size={SIZE}, seed=20220714)
client = Client()
client.force_login(User.objects.get(username="counselor"))
print(settings.SESSION_COOKIE_NAME + "=" + client.cookies[settings.SESSION_COOKIE_NAME].value)
"""


def _wrk(url: str, cookie: str) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 60,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} answers were not 200 (is the session valid?)")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def run() -> None:
    if not _answers("127.0.0.1", 5432):
        print("# dbsettings: PostgreSQL does not answer on 127.0.0.1:5432; skipped", flush=True)
        return
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    _reset_pg()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("FANGXIAN_CONN_MAX_AGE", "FANGXIAN_DEBUG")},
        "DATABASE_URL": PG_URL,
        "DJANGO_SETTINGS_MODULE": "bench.dbsettings_settings",
        "FANGXIAN_DEBUG": "0",
        "FANGXIAN_HTTPS": "0",
        "FANGXIAN_SECRET_KEY": "bench-only-" + "y" * 40,
        "FANGXIAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FANGXIAN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    cookie = subprocess.run([sys.executable, "-c", PREPARE], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    cookie = cookie.stdout.strip().splitlines()[-1]
    servers = {}
    try:
        for label, extra in (("production", {}), ("no_reuse", {"FANGXIAN_CONN_MAX_AGE": "0"})):
            port = _free_port()
            servers[label] = (
                port,
                subprocess.Popen(
                    [str(Path(sys.executable).parent / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
                    + ["fangxian.wsgi:application"],
                    env={**env, **extra},
                    cwd=ROOT,
                    start_new_session=True,
                ),
            )
        for port, _process in servers.values():
            for _ in range(100):
                if _answers("127.0.0.1", port):
                    break
                time.sleep(0.1)
        rps = {label: [] for label in servers}
        for port, _process in servers.values():  # warm every worker
            _wrk(f"http://127.0.0.1:{port}{PAGE}", cookie)
        for _ in range(ROUNDS):
            for label, (port, _process) in servers.items():
                rps[label].append(_wrk(f"http://127.0.0.1:{port}{PAGE}", cookie))
    finally:
        for _port, process in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    production, no_reuse = (sum(rps[label]) / ROUNDS for label in ("production", "no_reuse"))
    report("db_settings_rps", production, "req/s")
    report("db_settings_rps_no_reuse", no_reuse, "req/s")
    report("db_settings_ratio", production / no_reuse)

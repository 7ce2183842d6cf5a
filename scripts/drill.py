#!/usr/bin/env python3
"""The operations drill: faults on a small cluster on this machine, and what they cost.

On this machine's PostgreSQL (127.0.0.1:5432, a database of its own, dropped at the end)
and a Redis started here on a free port: two gunicorn app servers and two job consumers
(both scheduling periodic work), all on 127.0.0.1. Then:

1. kill an app server under load (a load balancer that drops a node failing /readyz and
   retries once on the other), while /readyz is polled on the survivor;
2. kill one consumer: periodic work must go on (the heartbeat's next minute is claimed);
3. stop Redis for 30 s while 70 outbox jobs are recorded, /readyz polled: the jobs run
   once Redis is back;
4. record 3,000 jobs, kill both consumers while they work, start them again: every job
   runs exactly once.

Under load in step 1, every other request is a gate scan sent with a device token (the
station's scan_id, resent to the other node on failure): every acknowledged scan must be
stored, none twice. Daily reports are not part of the load yet.

Prints `bench: drill_… = VALUE UNIT` lines and exits 1 if anything was lost or doubled.
Bounded: every wait has a deadline; only 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG = ("127.0.0.1", 5432)
failures: list[str] = []
checks: list[str] = []


def bench(name: str, value, unit: str) -> None:
    print(f"bench: drill_{name} = {value} {unit}", flush=True)


def check(ok: bool, what: str) -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
    checks.append(what)
    if not ok:
        failures.append(what)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def get(port: int, path: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return 0


def wait_for(predicate, seconds: float, step: float = 0.25) -> float | None:
    """Seconds until predicate() held, None if it did not within `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


class Cluster:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.db = f"fx_drill_{os.getpid()}"
        self.redis_port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))},
            "DJANGO_SETTINGS_MODULE": "fangxian.settings",
            "FANGXIAN_DEBUG": "1",
            "FANGXIAN_SECRET_KEY": "drill-secret-key-" + "d" * 40,
            "FANGXIAN_VAR_DIR": str(tmp / "var"),
            "FANGXIAN_FILE_STORAGE": "database",
            "FANGXIAN_OUTBOX_REDELIVER_SECONDS": "20",
            "FANGXIAN_LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
        }
        self.redis: subprocess.Popen | None = None
        self.web: dict[int, subprocess.Popen] = {}
        self.consumers: list[subprocess.Popen] = []

    # -- database ---------------------------------------------------------------------------
    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def django(self, code: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [PY, "-c", "import django, json; django.setup()\n" + code],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-3000:])
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""

    def query(self, sql: str, params: tuple = ()):
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.db}", autocommit=True) as conn:
            return conn.execute(sql, params).fetchone()[0]

    # -- processes --------------------------------------------------------------------------
    def start_redis(self) -> None:
        (self.tmp / "redis").mkdir(exist_ok=True)
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.redis_port),
                "--bind", "127.0.0.1",
                "--dir", str(self.tmp / "redis"),
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--save", "",
                "--maxmemory-policy", "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if wait_for(lambda: answers("127.0.0.1", self.redis_port), 15) is None:
            raise RuntimeError("redis did not start")

    def stop_redis(self) -> None:
        if self.redis and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(timeout=15)

    def start_web(self) -> int:
        port = free_port()
        self.web[port] = subprocess.Popen(
            [GUNICORN, "fangxian.wsgi", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}", "--timeout", "30"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp / f"web-{port}.log", "w"),  # noqa: SIM115
            start_new_session=True,  # its own process group: killing the node kills its workers
        )
        return port

    def kill_web(self, port: int) -> None:
        """The machine dies: master and workers at once."""
        os.killpg(self.web[port].pid, signal.SIGKILL)
        self.web[port].wait(timeout=10)

    def start_consumer(self) -> subprocess.Popen:
        n = len(self.consumers)
        proc = subprocess.Popen(
            [PY, "manage.py", "run_huey", "--quiet"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp / f"consumer-{n}.log", "w"),  # noqa: SIM115
        )
        self.consumers.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in [*self.web.values(), *self.consumers]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.web.values(), *self.consumers]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.stop_redis()


GATE_SETUP = """
from fangxian.gates import services
from fangxian.gates.tests.conftest import GateWorld
from fangxian.org.testing import MiniUniversity
world = GateWorld(MiniUniversity())
device, raw = services.device_issue(gate=world.gate, name="drill")
print(json.dumps(raw))
"""

PASSES = """
from fangxian.gates import services
from fangxian.org.models import Student
print(json.dumps([services.issue_personal_pass(s)[0] for s in Student.objects.order_by("pk")[:20]]))
"""

RECORD_JOBS = """
from django.db import transaction
from fangxian.core.tasks import probe
with transaction.atomic():
    for n in range({count}):
        probe.after_commit("{prefix}-%d" % n)
print("ok")
"""


def jobs_state(cluster: Cluster, prefix: str) -> tuple[int, int, int]:
    """(jobs recorded, jobs done, probe rows written) for a prefix."""
    pattern = (f"{prefix}-%",)
    recorded = cluster.query("SELECT count(*) FROM core_outboxjob WHERE args->>0 LIKE %s", pattern)
    done = cluster.query("SELECT count(*) FROM core_outboxjob WHERE args->>0 LIKE %s AND done_at IS NOT NULL", pattern)
    ran = cluster.query("SELECT count(*) FROM core_heartbeat WHERE name LIKE %s", pattern)
    return recorded, done, ran


def post_scan(port: int, token: str, body: dict) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/gates/scan/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310  (http://127.0.0.1 only)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return 0


class Load:
    """Requests through a load balancer in front of the app servers: it drops a node whose
    /readyz fails and retries a failed request once on another node. Every other request
    is a gate scan (the device resends the same scan_id, as stations do)."""

    def __init__(self, ports: list[int], token: str, passes: list[str]):
        self.ports = list(ports)
        self.healthy = list(ports)
        self.token, self.passes = token, passes
        self.sent = self.failed_first_try = self.failed = 0
        self.scans_acknowledged: list[str] = []
        self.scans_sent: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def _one(self, port: int, i: int, scan: dict | None) -> bool:
        if scan is None:
            return get(port, "/accounts/login/") == 200
        return post_scan(port, self.token, scan) == 200

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            with self.lock:
                nodes = list(self.healthy) or list(self.ports)
            i += 1
            scan = None
            if i % 2 == 0 and self.passes:
                scan = {"scan_id": str(uuid.uuid4()), "text": self.passes[i % len(self.passes)], "direction": "in"}
                self.scans_sent.append(scan["scan_id"])
            first = nodes[i % len(nodes)]
            ok = self._one(first, i, scan)
            self.sent += 1
            if not ok:
                self.failed_first_try += 1
                others = [p for p in nodes if p != first] or [first]
                ok = self._one(others[0], i, scan)
                if not ok:
                    self.failed += 1
            if ok and scan is not None:
                self.scans_acknowledged.append(scan["scan_id"])

    def probe_nodes(self) -> None:
        while not self.stop.is_set():
            for port in self.ports:
                ok = get(port, "/readyz", timeout=1) == 200
                with self.lock:
                    if ok and port not in self.healthy:
                        self.healthy.append(port)
                    elif not ok and port in self.healthy:
                        self.healthy.remove(port)
            self.stop.wait(1)


def poll_readyz(port: int, stop: threading.Event, seen: list[int]) -> None:
    while not stop.is_set():
        seen.append(get(port, "/readyz", timeout=2))
        stop.wait(0.5)


def main() -> int:
    if not answers(*PG):
        print("drill: no PostgreSQL on 127.0.0.1:5432; nothing to do")
        return 0
    if not shutil.which("redis-server"):
        print("drill: redis-server is missing (apt-get install redis-server)")
        return 1
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="fangxian-drill-"))
    cluster = Cluster(tmp)
    cluster.admin(f'DROP DATABASE IF EXISTS "{cluster.db}" WITH (FORCE)')
    cluster.admin(f'CREATE DATABASE "{cluster.db}"')
    try:
        return run(cluster, started)
    finally:
        cluster.stop_all()
        cluster.admin(f'DROP DATABASE IF EXISTS "{cluster.db}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def run(cluster: Cluster, started: float) -> int:
    print("== setting up: PostgreSQL database, Redis, two app servers, two consumers", flush=True)
    subprocess.run([PY, "manage.py", "migrate", "-v", "0"], env=cluster.env, cwd=ROOT, check=True, timeout=300)
    cluster.start_redis()
    ports = [cluster.start_web(), cluster.start_web()]
    cluster.start_consumer()
    cluster.start_consumer()
    for port in ports:
        if wait_for(lambda port=port: get(port, "/readyz") == 200, 60) is None:
            raise RuntimeError(f"app server on {port} did not become ready")

    token = json.loads(cluster.django(GATE_SETUP))
    passes = json.loads(cluster.django(PASSES))  # valid for 90 s: made just before the load

    # 1. An app server killed under load.
    print("== 1. kill an app server under load (pages and gate scans)", flush=True)
    load = Load(ports, token, passes)
    survivor_seen: list[int] = []
    stop_poll = threading.Event()
    threads = [
        threading.Thread(target=load.run, daemon=True),
        threading.Thread(target=load.probe_nodes, daemon=True),
        threading.Thread(target=poll_readyz, args=(ports[1], stop_poll, survivor_seen), daemon=True),
    ]
    for t in threads:
        t.start()
    time.sleep(3)
    cluster.kill_web(ports[0])
    dropped = wait_for(lambda: ports[0] not in load.healthy, 15)
    time.sleep(4)
    load.stop.set()
    stop_poll.set()
    for t in threads:
        t.join(timeout=10)
    bench("app_kill_requests", load.sent, "requests")
    bench("app_kill_failed_first_try", load.failed_first_try, "requests")
    bench("app_kill_failed_after_retry", load.failed, "requests")
    bench("app_kill_seconds_to_drop_node", round(dropped if dropped is not None else -1, 1), "s")
    check(load.failed == 0, "no request failed once the balancer retried on the surviving node")
    check(all(s == 200 for s in survivor_seen), f"/readyz stayed 200 on the survivor ({len(survivor_seen)} polls)")
    acknowledged = set(load.scans_acknowledged)
    stored = cluster.query("SELECT count(*) FROM gates_scan WHERE scan_id::text = ANY(%s)", (list(acknowledged),))
    all_stored = cluster.query("SELECT count(*) FROM gates_scan")
    distinct = cluster.query("SELECT count(DISTINCT scan_id) FROM gates_scan")
    bench("app_kill_scans_acknowledged", len(acknowledged), "scans")
    bench("app_kill_scans_lost", len(acknowledged) - stored, "scans")
    bench("app_kill_scans_stored_twice", all_stored - distinct, "scans")
    check(len(acknowledged) > 0 and stored == len(acknowledged), f"every acknowledged scan stored ({stored}/{len(acknowledged)})")
    check(all_stored == distinct and all_stored <= len(set(load.scans_sent)), "no scan stored twice")
    ports[0] = cluster.start_web()  # back to two for what follows
    wait_for(lambda: get(ports[0], "/readyz") == 200, 60)

    # 2. The consumer that ran periodic work killed: the other one goes on.
    print("== 2. kill a consumer: periodic work goes on", flush=True)
    beat_sql = "SELECT coalesce(max(slot), '2000-01-01') FROM core_periodicrun WHERE name = 'fangxian.core.tasks.heartbeat'"
    wait_for(lambda: cluster.query("SELECT count(*) FROM core_periodicrun") > 0, 75, step=1)
    last = cluster.query(beat_sql)
    victim = cluster.consumers[0]
    victim.send_signal(signal.SIGKILL)
    went_on = wait_for(lambda: cluster.query(beat_sql) > last, 75, step=1)
    bench("consumer_kill_seconds_to_next_periodic_run", round(went_on if went_on is not None else -1, 1), "s")
    check(went_on is not None, "the next minute's periodic run was claimed by the surviving consumer")
    duplicates = cluster.query("SELECT count(*) - count(DISTINCT (name, slot)) FROM core_periodicrun")
    check(duplicates == 0, "no periodic run claimed twice")
    cluster.consumers.remove(victim)
    cluster.start_consumer()

    # 3. Redis down for 30 s while work is recorded.
    print("== 3. stop Redis for 30 s", flush=True)
    survivor_seen = []
    stop_poll = threading.Event()
    poller = threading.Thread(target=poll_readyz, args=(ports[1], stop_poll, survivor_seen), daemon=True)
    poller.start()
    cluster.stop_redis()
    outage_start = time.monotonic()
    cluster.django(RECORD_JOBS.format(count=70, prefix="redis-outage"))
    time.sleep(max(0.0, 30 - (time.monotonic() - outage_start)))
    cluster.start_redis()
    back = time.monotonic()
    recovered = wait_for(lambda: jobs_state(cluster, "redis-outage")[1] == 70, 90, step=1)
    stop_poll.set()
    poller.join(timeout=5)
    recorded, done, ran = jobs_state(cluster, "redis-outage")
    bench("redis_outage_jobs_lost", recorded - done + (70 - recorded), "jobs")
    bench("redis_outage_jobs_run_twice", max(0, ran - done), "jobs")
    bench("redis_outage_seconds_to_recover", round(recovered if recovered is not None else time.monotonic() - back, 1), "s")
    bench("redis_outage_readyz_failures", sum(1 for s in survivor_seen if s != 200), "polls")
    check((recorded, done, ran) == (70, 70, 70), f"70 jobs recorded during the outage all ran once ({recorded}, {done}, {ran})")
    check(all(s == 200 for s in survivor_seen), "/readyz stayed 200 while Redis was down")

    # 4. Consumers killed with 3,000 jobs queued.
    print("== 4. kill the consumers with 3,000 jobs queued", flush=True)
    count = 3000
    # Paused while the jobs are recorded, so that all 3,000 wait in Redis; then let them
    # work for a moment and kill them in the middle of it.
    for proc in cluster.consumers:
        proc.send_signal(signal.SIGSTOP)
    cluster.django(RECORD_JOBS.format(count=count, prefix="mass"))
    for proc in cluster.consumers:
        proc.send_signal(signal.SIGCONT)
    time.sleep(0.5)
    for proc in cluster.consumers:
        proc.send_signal(signal.SIGKILL)
    in_redis = cluster.query("SELECT count(*) FROM core_outboxjob WHERE args->>0 LIKE %s AND done_at IS NULL", ("mass-%",))
    for proc in cluster.consumers:
        proc.wait(timeout=10)
    cluster.consumers.clear()
    bench("mass_jobs_pending_at_kill", in_redis, "jobs")
    restarted = time.monotonic()
    cluster.start_consumer()
    cluster.start_consumer()
    finished = wait_for(lambda: jobs_state(cluster, "mass")[1] == count, 150, step=1)
    recorded, done, ran = jobs_state(cluster, "mass")
    bench("mass_jobs_lost", count - done, "jobs")
    bench("mass_jobs_run_twice", max(0, ran - done), "jobs")
    bench("mass_seconds_to_finish_after_restart", round(finished if finished is not None else time.monotonic() - restarted, 1), "s")
    check((recorded, done, ran) == (count, count, count), f"{count} jobs all ran exactly once ({recorded}, {done}, {ran})")

    periodic = cluster.query("SELECT count(DISTINCT slot) FROM core_periodicrun WHERE name = 'fangxian.core.tasks.heartbeat'")
    minutes = (time.monotonic() - started) / 60
    bench("periodic_heartbeat_runs", periodic, "runs")
    # Minutes with Redis down or no consumer alive are skipped, not made up afterwards.
    check(periodic >= max(2, int(minutes) - 3), f"periodic heartbeat ran {periodic} times in {minutes:.1f} minutes")
    bench("total_seconds", round(time.monotonic() - started, 1), "s")
    if failures:
        print("drill: FAILED: " + "; ".join(failures))
        for log in sorted(cluster.tmp.glob("*.log")):
            tail = log.read_text()[-1500:]
            if tail.strip():
                print(f"--- {log.name}\n{tail}")
    # The closing line in the form CI reads, for the drill's own checks.
    print(f"drill: {len(checks) - len(failures)} passed, {len(failures)} failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Dashboard at the scale of a year of a 30,000-student university.

Builds the demo university (30,000 students), puts every boarder on campus in the ledger
(raw inserts of status spells), and generates gate scans in bulk (COPY on PostgreSQL,
INSERTs of many rows on SQLite, with the secondary indexes built after the load) over DAYS
days: first a tenth of SCANS, then the rest. After each load the
roll-ups are rebuilt for every day, and the dashboard page is timed as a leader sees it.

    bench: dashboard_p95_ms            p95 of GET /dashboard/ at SCANS scan rows (median of 5 rounds)
    bench: dashboard_scaling_ratio     p95 at SCANS / p95 at SCANS/10 (aim ≤ 1.5)
    bench: rollup_refresh_day_ratio    refreshing one day / rebuilding all roll-ups (aim ≤ 0.02)
    bench: dashboard_refresh_day_ms    refreshing today's roll-ups at SCANS scan rows (best of 3)
    bench: dashboard_rebuild_day_ms    rebuilding all DAYS days at SCANS scan rows, per day

The roll-ups are rebuilt after each load: the dashboard reads only them, so the p95 at
SCANS/10 needs the roll-ups of that load, and the p95 at SCANS those of all the scans.

BENCH_DASHBOARD_SCANS (default 10,000,000) and BENCH_DASHBOARD_DAYS (default 365) scale it.
The ledger rows are inserted with foreign-key checks off (their entries and applications
are not generated): the dashboard reads only the spells.
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bench.harness import bulk_insert, p95_ms, report, secondary_indexes_dropped, setup_django, timed

SCANS = int(os.environ.get("BENCH_DASHBOARD_SCANS", "10000000"))
DAYS = int(os.environ.get("BENCH_DASHBOARD_DAYS", "365"))
SIZE = 30_000
BATCH = 50_000


def run() -> None:
    setup_django("dashboard")
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    HUEY.storage = MemoryStorage("bench")
    HUEY.immediate = False

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.accounts.roles import Role
    from fangxian.dashboard import rollup
    from fangxian.ledger import services as ledger_services
    from fangxian.ledger.models import FOREVER, StayPeriod
    from fangxian.org import demo as org_demo
    from fangxian.org.models import Place, Student, Unit

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    org_demo.load(size=SIZE, seed=20220714)
    print(f"# demo university of {Student.objects.count()} students in {time.perf_counter() - started:.1f} s", flush=True)
    today = timezone.localdate()
    first = today - timedelta(days=DAYS - 1)
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION).first()
    period = ledger_services.period_create(
        institution=institution, name="基准留校期", start_date=first, end_date=today + timedelta(days=30), reasons=["考研"]
    )
    assert isinstance(period, StayPeriod)

    # The ledger: every boarder on campus for the whole span (one spell each).
    colleges = set(Unit.objects.filter(kind=Unit.Kind.COLLEGE).values_list("pk", flat=True))
    boarders = []
    for pk, klass_id, klass_path, bed_id, bed_path in Student.objects.filter(bed__isnull=False).values_list(
        "pk", "klass_id", "klass__path", "bed_id", "bed__path"
    ):
        ids = [int(p) for p in klass_path.strip("/").split("/")]
        college = next((i for i in ids if i in colleges), ids[0])
        places = [int(p) for p in bed_path.strip("/").split("/")]
        boarders.append((pk, college, klass_id, places[0], places[1], bed_id))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF") if connection.vendor == "sqlite" else None
        cursor.executemany(
            "INSERT INTO ledger_statusspell (entry_id, student_id, period_id, status, valid_from, valid_to, college_id, klass_id,"
            " campus_id, building_id, bed_id, note, changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(s, s, period.pk, "on_campus", first, FOREVER, c, k, cp, b, bed, "", now) for s, c, k, cp, b, bed in boarders],
        )
    print(f"# {len(boarders)} boarders on campus in the ledger", flush=True)

    gates_by_campus: dict[int, list[int]] = {}
    for pk, path in Place.objects.filter(kind=Place.Kind.GATE).values_list("pk", "path"):
        gates_by_campus.setdefault(int(path.strip("/").split("/")[0]), []).append(pk)
    if not gates_by_campus:
        raise RuntimeError("the demo university has no gates")
    rng = random.Random(7)
    tz = timezone.get_current_timezone()

    columns = [
        "scan_id", "campus_id", "gate_id", "direction", "method", "subject", "category", "display_name", "plate",
        "verdict", "reason", "nonce", "offline", "station_verdict", "scanned_at", "received_at",
    ]  # fmt: skip
    # Scan ids count up from a random start: as unique as uuid4's, but each lands at the end
    # of the UNIQUE index instead of at a random page of it (which, at millions of rows,
    # is a read from disk per row).
    next_id = [rng.getrandbits(64) << 64]
    as_uuid = connection.vendor == "postgresql"
    utc = ZoneInfo("UTC")

    def generate(count: int) -> None:
        """`count` scans spread evenly over the days, loaded without the secondary indexes
        (built once at the end) by bulk_insert (COPY, or INSERTs of many rows)."""
        per_day = max(1, count // DAYS)
        done = 0
        campuses = [b[3] for b in boarders]
        subjects = [f"S{b[0]}" for b in boarders]
        gates = {campus: gates_by_campus.get(campus) or next(iter(gates_by_campus.values())) for campus in set(campuses)}
        randrange, random_, choice = rng.randrange, rng.random, rng.choice
        with secondary_indexes_dropped("gates_scan"):
            rows = []
            for n in range(DAYS):
                day = first + timedelta(days=n)
                # Stored as Django stores an aware datetime: UTC, as text on SQLite.
                base = datetime(day.year, day.month, day.day, 6, tzinfo=tz).astimezone(utc).replace(tzinfo=None)
                for _ in range(per_day if n < DAYS - 1 else count - done):
                    who = randrange(len(boarders))
                    campus = campuses[who]
                    refused = random_() < 0.01
                    at = str(base + timedelta(seconds=randrange(17 * 3600)))
                    next_id[0] += 1
                    scan_id = uuid.UUID(int=next_id[0]) if as_uuid else f"{next_id[0]:032x}"
                    rows.append(
                        (
                            scan_id,
                            campus,
                            choice(gates[campus]),
                            "out" if random_() < 0.5 else "in",
                            "pass",
                            subjects[who],
                            "student",
                            "",
                            "",
                            "refused" if refused else "allowed",
                            "window" if refused else "ok",
                            "",
                            False,
                            "",
                            at,
                            at,
                        )
                    )
                    done += 1
                    if len(rows) >= BATCH:
                        bulk_insert("gates_scan", columns, rows)
                        rows = []
            if rows:
                bulk_insert("gates_scan", columns, rows)

    leader = User.objects.create(username="bench-leader", full_name="校领导 基准")
    RoleGrant.objects.create(user=leader, role=Role.LEADER)
    client = Client()
    client.force_login(leader)
    # Leaders sign in with a second factor; mark this session as verified.
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=leader, name="bench", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    def page() -> None:
        response = client.get("/dashboard/")
        assert response.status_code == 200, response.status_code

    figures = {}
    for label, count in (("small", SCANS // 10), ("large", SCANS - SCANS // 10)):
        started = time.perf_counter()
        generate(count)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE") if connection.vendor == "sqlite" else cursor.execute("ANALYZE gates_scan")
        print(f"# +{count} scans in {time.perf_counter() - started:.1f} s", flush=True)
        rebuild_s = timed(lambda: rollup.rebuild(first, today))
        print(f"# rebuilt {DAYS} days of roll-ups in {rebuild_s:.1f} s", flush=True)
        # The median of five p95s: one p95 of 40 requests swings by half on a shared machine.
        figures[label] = {"p95": statistics.median(p95_ms(page, repeat=40) for _ in range(5)), "rebuild": rebuild_s}
        print(f"# dashboard p95 at {label}: {figures[label]['p95']:.1f} ms", flush=True)
    refresh_s = min(timed(lambda: rollup.refresh_day(today)) for _ in range(3))
    report("dashboard_p95_ms", figures["large"]["p95"], "ms")
    report("dashboard_scaling_ratio", figures["large"]["p95"] / figures["small"]["p95"])
    report("rollup_refresh_day_ratio", refresh_s / figures["large"]["rebuild"])
    report("dashboard_refresh_day_ms", refresh_s * 1000, "ms")
    report("dashboard_rebuild_day_ms", figures["large"]["rebuild"] / DAYS * 1000, "ms")

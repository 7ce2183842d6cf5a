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
    bench: purge_30k_s                 then the end of the emergency: purging this year's epidemic data

The roll-ups are rebuilt after each load: the dashboard reads only them, so the p95 at
SCANS/10 needs the roll-ups of that load, and the p95 at SCANS those of all the scans.

BENCH_DASHBOARD_SCANS (default 10,000,000) and BENCH_DASHBOARD_DAYS (default 365) scale it.
The ledger rows are inserted with foreign-key checks off (their entries and applications
are not generated): the dashboard reads only the spells.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

from bench.harness import p95_ms, report, setup_django, timed
from bench.scans import ScanLoader, boarders_on_campus

SCANS = int(os.environ.get("BENCH_DASHBOARD_SCANS", "10000000"))
DAYS = int(os.environ.get("BENCH_DASHBOARD_DAYS", "365"))
SIZE = 30_000


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
    from fangxian.org import demo as org_demo
    from fangxian.org.models import Student

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    org_demo.load(size=SIZE, seed=20220714)
    print(f"# demo university of {Student.objects.count()} students in {time.perf_counter() - started:.1f} s", flush=True)
    today = timezone.localdate()
    first = today - timedelta(days=DAYS - 1)
    boarders = boarders_on_campus(first, today + timedelta(days=30))
    print(f"# {len(boarders)} boarders on campus in the ledger", flush=True)
    scans = ScanLoader(boarders, first, DAYS)

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
        scans.load(count)
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
    purge_the_year(today)


def purge_the_year(today) -> None:
    """The end of the emergency on this year of data (issue: PIPL lifecycle): asked by the
    office, approved by the security admin, the clock moved past the 30 days of retention,
    then the retention job. Reports `purge_30k_s`; the dashboard's past daily figures must be
    the same afterwards and no gate scan left."""
    from django.db.models import Sum
    from django.utils import timezone

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.accounts.roles import Role
    from fangxian.dashboard.models import ClassDay
    from fangxian.gates.models import Scan
    from fangxian.privacy import purge, services

    office = User.objects.create(username="bench-office", full_name="防控办 基准")
    RoleGrant.objects.create(user=office, role=Role.PREVENTION_OFFICE)
    secadmin = User.objects.create(username="bench-secadmin", full_name="安全管理员 基准")
    RoleGrant.objects.create(user=secadmin, role=Role.SECURITY_ADMIN)
    end = services.emergency_end_request(ends_on=today, note="疫情防控转入常态化", by=office)
    services.emergency_end_decide(end=end, approve=True, by=secadmin)

    def daily() -> list:
        sums = ClassDay.objects.values("day").annotate(Sum("ledger"), Sum("present"), Sum("out_not_back"), Sum("in_unexpected"))
        return list(sums.order_by("day").values_list("day", "ledger__sum", "present__sum", "out_not_back__sum", "in_unexpected__sum"))

    before, scans = daily(), Scan.objects.count()
    started = time.perf_counter()
    run = purge.run_purge(key="bench", as_of=timezone.now() + timedelta(days=31))
    seconds = time.perf_counter() - started
    assert not Scan.objects.exists(), "scans left after the purge"
    assert daily() == before, "the purge changed the dashboard's past daily figures"
    deleted = sum(c["deleted"] for c in run.counts.values())
    print(f"# purge: {scans} scans, {deleted} rows deleted in all, {len(run.counts)} tables", flush=True)
    report("purge_30k_s", seconds, "s")

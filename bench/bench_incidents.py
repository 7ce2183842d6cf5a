"""Incident reports (突发事件信息报告).

- incidents_list_ms: the office's list of open incidents (first page, 50 rows, each with its
  nearest clock) over a year of incidents: 5,000 incidents of 60 units, 500 of them open,
  each with its deadlines.
- incidents_report_ms: one report through the service (validation, people, clocks, the
  office's notification), as a person on duty sends it from a phone.
- incidents_dashboard_ms: the dashboard tiles (open incidents by level with their clocks).
"""

from __future__ import annotations

import random
from datetime import timedelta

from bench.harness import median_ms, report, setup_django

UNITS = 60
INCIDENTS = 5000
OPEN = 500


def run() -> None:
    setup_django("incidents")
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone
    from django_otp.plugins.otp_static.models import StaticDevice

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.core.tiles import TileContext
    from fangxian.deadlines.services import ensure_deadlines
    from fangxian.incidents import home, services
    from fangxian.incidents.deadlines import FIRST_REPORT, FOLLOWUP, WRITTEN
    from fangxian.incidents.models import Incident, Kind, Level
    from fangxian.org.models import Assignment, Staff, Unit

    settings.DEBUG = False
    rng = random.Random(7)
    root = Unit.objects.create(kind="institution", name="基准大学", code="bench")
    units = [Unit.objects.create(kind="college", name=f"学院{n:02d}", code=f"c{n:02d}", parent=root) for n in range(UNITS)]
    office, _ = User.objects.get_or_create(username="bench-office", defaults={"full_name": "防控办"})
    RoleGrant.objects.get_or_create(user=office, role="prevention_office")
    now = timezone.now()
    rows = []
    for n in range(INCIDENTS):
        occurred = now - timedelta(minutes=rng.randint(5, 365 * 24 * 60))
        is_open = n < OPEN
        rows.append(
            Incident(
                kind=rng.choice(Kind.values),
                level=rng.choice(Level.values),
                title=f"事件{n:05d}",
                occurred_at=occurred,
                reported_at=occurred + timedelta(minutes=rng.randint(1, 60)),
                unit=rng.choice(units),
                description="基准数据",
                status=Incident.Status.ACKNOWLEDGED if is_open else Incident.Status.CLOSED,
                closed_at=None if is_open else occurred + timedelta(days=1),
            )
        )
    Incident.objects.bulk_create(rows, batch_size=1000)
    open_rows = list(Incident.objects.open().values_list("pk", "occurred_at"))
    for kind, hours in ((FIRST_REPORT, 0.5), (WRITTEN, 2), (FOLLOWUP, 24)):
        ensure_deadlines(kind, Incident, [(pk, "", at + timedelta(hours=hours), {}) for pk, at in open_rows])

    client = Client(HTTP_HOST="localhost")
    client.force_login(office)
    device, _ = StaticDevice.objects.get_or_create(user=office, name="bench", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    def page():
        response = client.get("/incidents/")
        if response.status_code != 200:
            raise RuntimeError(f"/incidents/ answered {response.status_code}")

    report("incidents_list_ms", median_ms(page, repeat=9), "ms")

    duty_user, _ = User.objects.get_or_create(username="bench-duty", defaults={"full_name": "值班员"})
    staff = Staff.objects.create(institution=root, unit=units[0], name="值班员", gender="M", staff_number="B0001", user=duty_user)
    Assignment.objects.create(
        staff=staff,
        role="duty_staff",
        unit=units[0],
        start_date=timezone.localdate(),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=11),
    )
    counter = iter(range(10**6))

    def report_one():
        services.incident_report(
            user=User.objects.get(pk=duty_user.pk),
            kind="fire",
            occurred_at=timezone.now() - timedelta(minutes=2),
            description="基准：冒烟",
            request_key=f"bench-{next(counter)}",
        )

    report("incidents_report_ms", median_ms(report_one, repeat=15), "ms")
    ctx = TileContext(office, timezone.localdate(), None, None)
    report("incidents_dashboard_ms", median_ms(lambda: home.dashboard_tiles(ctx), repeat=9), "ms")


if __name__ == "__main__":
    run()

"""The deadline engine: what its every-minute tick costs, how fast it sends steps, and the
overdue list.

- tick_idle_ms: the tick with 5,000 open deadlines none of which has a step due (what
  every minute costs when nothing happens), every registered kind planned too.
- tick_send_ms_per_step: one tick sending one step for each of 2,000 deadlines (a
  notification each to the unit's officer, each step claimed in its own transaction).
- tick_recheck_ms: the tick asking 2,000 overdue deadlines with every step sent whether
  they are done (done every ten minutes).
- overdue_page_ms: the overdue list as the office opens it (2,000 overdue, 50 per page).
"""

from __future__ import annotations

from datetime import date, timedelta

from bench.harness import median_ms, report, setup_django

OPEN = 5000
DUE = 2000
KIND = "bench.unit_task"


def run() -> None:
    setup_django("deadlines")
    import time

    from django.contrib.contenttypes.models import ContentType
    from django.test import Client
    from django.utils import timezone

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.deadlines import recipients
    from fangxian.deadlines.models import Deadline
    from fangxian.deadlines.registry import DeadlineKind, Step, register
    from fangxian.deadlines.services import RECHECK, ensure_deadlines, tick
    from fangxian.org.models import Assignment, Staff, Unit
    from fangxian.org.scope import scope_of

    root = Unit.objects.create(kind="institution", name="基准大学", code="bench")
    colleges = [Unit.objects.create(kind="college", name=f"学院{n:03d}", code=f"c{n:03d}", parent=root) for n in range(100)]
    for n, college in enumerate(colleges):
        user = User.objects.create(username=f"officer{n}")
        staff = Staff.objects.create(institution=root, unit=college, name=f"专员{n}", staff_number=f"S{n:04d}", user=user)
        Assignment.objects.create(staff=staff, role="college_admin", unit=college, start_date=date(2022, 1, 1))
    office = User.objects.create(username="bench-office")
    RoleGrant.objects.create(user=office, role="prevention_office")

    register(
        DeadlineKind(
            key=KIND,
            label="基准事项",
            model=Unit,
            steps=[
                Step("remind", "提醒", -timedelta(hours=1), to=recipients.holders("college_admin")),
                Step("office", "上报防控办", timedelta(0), to=recipients.office()),
            ],
            is_done=lambda d: d.target.archived_at is not None,
            visible=lambda user: scope_of(user).units(),
            url=lambda d: f"/org/units/{d.object_id}/",
            message=lambda d, s: (f"{d.target.name} {s.label}", ""),
        )
    )
    now = timezone.now()
    later = now + timedelta(days=30)
    ensure_deadlines(KIND, Unit, [(colleges[i % 100].pk, f"k{i}", later, {}) for i in range(OPEN)])
    report("tick_idle_ms", median_ms(lambda: tick(now=now)), "ms")

    due = now + timedelta(minutes=30)
    ensure_deadlines(KIND, Unit, [(colleges[i % 100].pk, f"d{i}", due, {}) for i in range(DUE)])
    started = time.perf_counter()
    sent = tick(now=now)[KIND]["remind"]
    assert sent == DUE, sent
    report("tick_send_ms_per_step", (time.perf_counter() - started) * 1000 / DUE, "ms")

    tick(now=due + timedelta(minutes=1))  # the office step: every step is out
    recheck_at = due + timedelta(minutes=1) + RECHECK
    # Each run asks the same 2,000 again: put their time back before each.
    unit_type = ContentType.objects.get_for_model(Unit)

    def recheck():
        Deadline.objects.filter(content_type=unit_type, key__startswith="d").update(next_step_at=recheck_at)
        tick(now=recheck_at)

    report("tick_recheck_ms", median_ms(recheck, repeat=5, warmup=1), "ms")

    from django.conf import settings
    from django_otp.plugins.otp_static.models import StaticDevice

    settings.DEBUG = False
    client = Client(HTTP_HOST="localhost")
    client.force_login(office)
    # The prevention office signs in with a second factor; mark this session as verified.
    device, _ = StaticDevice.objects.get_or_create(user=office, name="bench", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    def page():
        response = client.get("/deadlines/overdue/")
        if response.status_code != 200:
            raise RuntimeError(f"/deadlines/overdue/ answered {response.status_code}")

    report("overdue_page_ms", median_ms(page, repeat=9), "ms")


if __name__ == "__main__":
    run()

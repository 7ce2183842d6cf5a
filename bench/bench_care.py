"""Care at the scale of the demo university.

- care_list_ms: the care plans page of the office (every active plan, the overdue first);
- canteens_week_ms: the canteens page (reports, ratings, averages and complaints per canteen
  and day for a week) over a week of ratings by 1,500 staying students (about 30,000 rows);
- meal_rate_ms: one student's rating through the service (checks, once-per-meal, insert).
"""

from __future__ import annotations

import random
from datetime import timedelta

from bench.harness import median_ms, report, setup_django

SIZE = 8000
RATERS = 1500


def run() -> None:
    setup_django("care")
    from django.test import Client
    from django.utils import timezone

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.accounts.roles import Role
    from fangxian.care import demo, services
    from fangxian.care.models import Canteen, CarePlan, MealRating
    from fangxian.ledger import demo as ledger_demo
    from fangxian.org import demo as org_demo
    from fangxian.org.models import Student

    org_demo.load(size=SIZE, seed=20220714)
    ledger_demo.load(size=SIZE, seed=20220714)
    demo.load(size=SIZE, seed=20220714)
    print(f"# {Student.objects.count()} students, {CarePlan.objects.count()} care plans", flush=True)
    office = User.objects.create(username="bench-office", full_name="防控办 基准")
    RoleGrant.objects.create(user=office, role=Role.PREVENTION_OFFICE)

    canteens = list(Canteen.objects.all())
    students = list(Student.objects.order_by("pk").values_list("pk", flat=True)[:RATERS])
    rng = random.Random(7)
    today = timezone.localdate()
    rows = []
    for offset in range(1, 8):
        day = today - timedelta(days=offset)
        for meal in ("breakfast", "lunch", "dinner"):
            for sid in students:
                score = rng.randint(1, 5)
                rows.append(
                    MealRating(canteen=rng.choice(canteens), student_id=sid, day=day, meal=meal, score=score, is_complaint=score <= 2)
                )
    MealRating.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    print(f"# {MealRating.objects.count()} meal ratings", flush=True)

    client = Client(HTTP_HOST="localhost")  # an allowed host, as the other page benches use
    client.force_login(office)
    session = client.session
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=office, name="bench", confirmed=True)
    session["otp_device_id"] = device.persistent_id
    session.save()

    def page(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return fetch

    report("care_list_ms", median_ms(page("/care/")), "ms")
    report("canteens_week_ms", median_ms(page(f"/care/canteens/?day={(today - timedelta(days=1)).isoformat()}")), "ms")
    raters = iter(Student.objects.order_by("-pk").values_list("pk", flat=True)[:200])

    def rate():
        student = Student.objects.get(pk=next(raters))
        services.meal_rate(student=student, canteen=canteens[0], day=today, meal="dinner", score=4, comment="好")

    report("meal_rate_ms", median_ms(rate, repeat=30, warmup=3), "ms")

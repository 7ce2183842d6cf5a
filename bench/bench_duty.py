"""Duty rosters, pings and gaps at the size of a university.

- duty_roster_year_s: fill a year of rosters (day and night shifts, a leader and a member of
  staff on each) for 60 units from their rotations: about 88,000 duty posts, each an org
  assignment bound to its shift, every one checked for overlaps and duty leave.
- duty_ping_500_s: a reachability ping to the 500 people on duty now, from the send to every
  notification and deadline stored.
- duty_gaps_ms: the 14-day gap list for the whole university as the office opens it.
"""

from __future__ import annotations

from datetime import timedelta

from bench.harness import median_ms, report, setup_django, timed

UNITS = 60
EXTRA_UNITS = 38  # with 10 people on duty now each: 60 × 2 + 38 × 10 = 500 on duty now


def run() -> None:
    setup_django("duty")
    from django.utils import timezone

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.deadlines.models import Deadline
    from fangxian.duty import selectors, services
    from fangxian.duty.models import Post
    from fangxian.notify.models import Notification
    from fangxian.org.models import Staff, Unit

    root = Unit.objects.create(kind="institution", name="基准大学", code="bench")
    units = [root] + [Unit.objects.create(kind="college", name=f"学院{n:03d}", code=f"c{n:03d}", parent=root) for n in range(UNITS - 1)]
    extra = [Unit.objects.create(kind="department", name=f"部门{n:03d}", code=f"d{n:03d}", parent=root) for n in range(EXTRA_UNITS)]
    people: dict[int, list[Staff]] = {}
    count = 0
    for unit in [*units, *extra]:
        size = 9 if unit in units else 10
        users = User.objects.bulk_create([User(username=f"duty{count + k}") for k in range(size)])
        staff = Staff.objects.bulk_create(
            [
                Staff(
                    institution=root,
                    unit=unit,
                    name=f"值班员{count + k}",
                    staff_number=f"D{count + k:05d}",
                    gender="M",
                    user=user,
                    phone=f"138{count + k:08d}",
                )
                for k, user in enumerate(users)
            ]
        )
        people[unit.pk] = staff
        count += size
    office = User.objects.create(username="bench-office")
    RoleGrant.objects.create(user=office, role="prevention_office")

    today = timezone.localdate()
    rosters = [services.roster_save(unit=unit, by=None) for unit in units]

    def fill_year():
        for roster in rosters:
            team = people[roster.unit_id]
            services.rotation_fill(roster=roster, start=today, end=today + timedelta(days=364), leaders=team[:3], staff=team[3:], by=None)

    report("duty_roster_year_s", timed(fill_year), "s")
    report("duty_roster_year_posts", Post.objects.count(), "posts")

    # 38 more units with a leader and nine staff on the shift running now (a 24 h shift
    # that started an hour ago), so that 500 people are on duty at this moment.
    start = timezone.localtime() - timedelta(hours=1)
    for unit in extra:
        roster = services.roster_save(
            unit=unit, by=None, pattern="full_day", day_starts=start.time().replace(second=0, microsecond=0), staff_needed=9
        )
        team = people[unit.pk]
        services.rotation_fill(roster=roster, start=start.date(), end=start.date(), leaders=team[:1], staff=team[1:], by=None)
    on_duty = selectors.posts_now(office).count()
    before = Notification.objects.count()
    seconds = timed(lambda: services.ping_send(by=office, minutes=10))
    assert Notification.objects.count() - before == on_duty, "a notification per person on duty"
    assert Deadline.objects.filter(kind="duty.ping").count() == on_duty
    report("duty_ping_people", on_duty, "people")
    report("duty_ping_500_s", seconds, "s")

    report("duty_gaps_ms", median_ms(lambda: selectors.gaps(office), repeat=5, warmup=1), "ms")

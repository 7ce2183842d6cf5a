"""Policy publicity at the scale of a 30,000-student university.

- notices_publish_30k_s: publish a policy to the whole school (every student has an
  account): the audience resolved, one receipt per person and one in-app notification per
  account written, in one transaction;
- notices_receipts_tree_ms: the receipt rates for every level of the tree (school, colleges,
  majors, grades, classes, departments) of that policy, as the office sees them, with about
  60 % confirmed.
"""

from __future__ import annotations

import time

from bench.harness import median_ms, report, setup_django, timed

SIZE = 30_000


def run() -> None:
    setup_django("notices")
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    HUEY.storage = MemoryStorage("bench")
    HUEY.immediate = False

    from django.contrib.auth.hashers import make_password
    from django.db.models import F

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.accounts.roles import Role
    from fangxian.notices import selectors, services
    from fangxian.notices.models import AudienceKind, Receipt
    from fangxian.notify.models import Notification
    from fangxian.org import demo as org_demo
    from fangxian.org.models import Student

    started = time.perf_counter()
    org_demo.load(size=SIZE, seed=20220714)
    # Every student signs in (an account each), so that every receipt also notifies.
    password = make_password(None)
    students = list(Student.objects.filter(user__isnull=True).order_by("pk"))
    users = User.objects.bulk_create(
        [User(username=f"s{s.student_number}", full_name=s.name, password=password) for s in students], batch_size=2000
    )
    for student, user in zip(students, users, strict=True):
        student.user_id = user.pk
    Student.objects.bulk_update(students, ["user"], batch_size=2000)
    print(f"# demo university of {Student.objects.count()} students with accounts in {time.perf_counter() - started:.1f} s", flush=True)
    office = User.objects.create(username="bench-office", full_name="防控办 基准")
    RoleGrant.objects.create(user=office, role=Role.PREVENTION_OFFICE)

    draft = services.Draft(
        kind="policy",
        title="关于做好2022年暑期疫情防控和安全管理工作的通知",
        issuer="河西学院疫情防控工作领导小组办公室",
        number="河西学院防控办〔2022〕5号",
        source_level="school",
        tags="暑期",
        body="各二级学院、各部门：\n\n为做好暑期疫情防控和安全管理工作，现将有关事项通知如下。",
    )
    notice = services.notice_create(by=office, draft=draft, audience=[services.AudienceSpec(AudienceKind.INSTITUTION)])
    seconds = timed(lambda: services.publish(notice=notice, by=office))
    receipts = Receipt.objects.filter(notice=notice).count()
    notifications = Notification.objects.filter(kind="notices.published").count()
    print(f"# {receipts} receipts, {notifications} notifications", flush=True)
    report("notices_publish_30k_s", seconds, "s")

    Receipt.objects.filter(notice=notice).annotate(m=F("id") % 10).filter(m__lt=6).update(read_at=notice.published_at)
    office = User.objects.get(pk=office.pk)
    rows = selectors.receipt_tree(office, notice)
    print(f"# {len(rows)} rows in the tree, {rows[0].read} of {rows[0].total} at the top", flush=True)
    report("notices_receipts_tree_ms", median_ms(lambda: selectors.receipt_tree(office, notice), repeat=9), "ms")

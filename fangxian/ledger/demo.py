"""Demo data for the ledger: a summer stay period with about a fifth of the university's
students staying, their history through the period, classifications, one-to-one staff,
and a few applications still waiting (one of them the demo student's).

The period is the 2022 summer vacation shifted so that today falls in it: the pages
that show "today" then have something to show."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from fangxian.org.models import Student, Unit

LOGINS: list[tuple[str, str]] = []  # the demo logins `student` and `counselor` come from the organisation's demo

REASONS = ["实习", "考研", "科研", "家庭困难", "疫情原因无法离校", "毕业生"]
CATEGORIES = [
    ("closed", "封闭管理", "closed", "danger"),
    ("psych", "心理关注", "group", "warning"),
    ("poverty", "经济困难", "group", "info"),
    ("health", "身体状况", "group", "info"),
    ("disability", "残疾", "group", "secondary"),
    ("minority", "少数民族", "group", "secondary"),
    ("intl", "港澳台/国际", "group", "secondary"),
    ("risk_high", "高风险", "risk", "danger"),
    ("risk_medium", "中风险", "risk", "warning"),
    ("risk_low", "低风险", "risk", "success"),
]
PARENTS = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def load(size: str = "small", seed: int = 2022, **_options) -> None:
    from . import services
    from .models import Category, StayPeriod

    rng = random.Random(seed)
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    if institution is None:
        return
    today = timezone.localdate()
    start = today - timedelta(days=20)
    end = start + timedelta(days=52)  # 7月10日 – 8月31日 is 53 days
    period = StayPeriod.objects.filter(institution=institution, name="2022 暑假").first()
    if period is None:
        period = services.period_create(institution=institution, name="2022 暑假", start_date=start, end_date=end, reasons=REASONS)
    for order, (code, name, kind, tone) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            institution=institution, code=code, defaults={"name": name, "kind": kind, "tone": tone, "sort_order": order}
        )
    if period.applications.exists():
        return
    categories = {c.code: c for c in Category.objects.filter(institution=institution)}
    reasons = list(period.reasons.all())
    students = list(
        Student.objects.filter(institution=institution, status=Student.Status.ENROLLED, bed__isnull=False)
        .select_related("klass", "user", "bed__parent__parent")
        .order_by("pk")
    )
    demo_student = next((s for s in students if s.user and s.user.username == "student"), None)
    counselor_students = _counselor_students(students)
    chosen = [s for s in students if s is not demo_student and (s.pk in counselor_students or rng.random() < 0.2)]
    office = _user("office")
    counselor = _user("counselor") or office
    college = _user("college") or office
    for index, student in enumerate(chosen):
        _stay(services, rng, student, period, reasons, categories, start, today, index, office, counselor, college)
    if demo_student is not None:
        services.application_submit(
            student=demo_student,
            period=period,
            start_date=max(today, start),
            end_date=end,
            reason=reasons[1],
            reason_note="准备研究生入学考试",
            bed=demo_student.bed,
            emergency_contact=demo_student.name[0] + "父",
            emergency_phone="13909361234",
            parent_name=demo_student.name[0] + "父",
            parent_phone="13909361234",
            pledge_agreed=True,
            by=demo_student.user,
            on=today,
        )


def _user(username: str):
    from fangxian.accounts.models import User

    return User.objects.filter(username=username).first()


def _counselor_students(students: list[Student]) -> set[int]:
    """The students of the demo counselor's classes: a few of them always stay."""
    from fangxian.org.models import Assignment, Staff

    staff = Staff.objects.filter(user__username="counselor").first()
    if staff is None:
        return set()
    paths = [a.unit.path for a in Assignment.objects.active().filter(staff=staff, unit__isnull=False).select_related("unit")]
    ids = [s.pk for s in students if any(s.klass.path.startswith(p) for p in paths)]
    return set(ids[:: max(1, len(ids) // 12)] if ids else [])


def _stay(services, rng, student, period, reasons, categories, start, today, index, office, counselor, college) -> None:
    """One student's stay: applied before the period, approved, arrived, maybe out and back."""
    from .models import Status

    registered = start - timedelta(days=rng.randint(3, 8))
    surname = rng.choice(PARENTS)
    phone = f"139{rng.randint(0, 99999999):08d}"
    pending = index % 40 == 7  # a few are still waiting for the counselor
    app = services.application_submit(
        student=student,
        period=period,
        start_date=start,
        end_date=period.end_date,
        reason=rng.choice(reasons),
        bed=student.bed,
        emergency_contact=f"{surname}{rng.choice('伟芳娜敏静丽强磊军洋')}",
        emergency_phone=phone,
        parent_name=f"{surname}{rng.choice('建国海军秀英桂兰志强玉梅')}",
        parent_phone=phone,
        pledge_agreed=True,
        by=student.user,
        on=registered,
    )
    if pending:
        return
    services.application_review(application=app, approve=True, by=counselor)
    services.application_confirm(application=app, by=college, on=registered + timedelta(days=1))
    entry = app.entry
    entry.refresh_from_db()
    day = start + timedelta(days=rng.randint(0, 2))
    if day > today:
        return
    entry = services.entry_change_status(entry=entry, status=Status.ON_CAMPUS, version=entry.version, by=counselor, on=day, note="到校报到")
    roll = rng.random()
    if roll < 0.15:
        out = min(today, day + timedelta(days=rng.randint(2, 12)))
        entry = services.entry_change_status(
            entry=entry,
            status=Status.OUT,
            version=entry.version,
            by=counselor,
            on=out,
            note="外出实习",
            expected_return=out + timedelta(days=3),
        )
        back = out + timedelta(days=rng.randint(1, 5))
        if back <= today and rng.random() < 0.7:
            services.entry_change_status(entry=entry, status=Status.RETURNED, version=entry.version, by=counselor, on=back, note="按时返校")
    elif roll < 0.22:
        left = min(today, day + timedelta(days=rng.randint(3, 15)))
        services.entry_change_status(entry=entry, status=Status.LEFT, version=entry.version, by=counselor, on=left, note="提前离校回家")
    if rng.random() < 0.3:
        services.tag_add(student=student, category=categories["closed"], by=office, on=start)
    for code in ("psych", "poverty", "health", "disability", "minority", "intl"):
        if rng.random() < 0.06:
            services.tag_add(student=student, category=categories[code], by=counselor, on=registered)
    level = rng.random()
    risk = "risk_high" if level < 0.03 else "risk_medium" if level < 0.12 else "risk_low"
    services.tag_add(student=student, category=categories[risk], by=counselor, on=registered)

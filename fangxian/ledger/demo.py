"""Demo data for the ledger: the 2022 summer stay period with about a fifth of the
boarders staying, their history through the period (registered, approved, arrived, some
out and back, some gone home), classifications, and a few applications still waiting,
one of them the demo student's.

The period keeps the length of 7月10日–8月31日 but is shifted so that today falls in its
fourth week: the pages that show "today" then have something to show. The histories are
written with bulk inserts (a few thousand students); the waiting applications go through
the services like a real student's would.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from fangxian.org.models import Assignment, Staff, Student, Unit

LOGINS: list[tuple[str, str]] = []  # `student`, `counselor`, `college` come from the organisation's demo

PERIOD_NAME = "2022 暑假"
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
GROUP_SHARE = 0.06
CLOSED_SHARE = 0.3
STAY_SHARE = 0.2
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def load(*, size: int = 8000, seed: int = 2022, **_options) -> None:
    from . import services
    from .models import Category, StayPeriod

    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    if institution is None or StayPeriod.objects.filter(institution=institution, name=PERIOD_NAME).exists():
        return
    rng = random.Random(seed)
    today = timezone.localdate()
    start = today - timedelta(days=22)
    period = services.period_create(
        institution=institution, name=PERIOD_NAME, start_date=start, end_date=start + timedelta(days=52), reasons=REASONS
    )
    for order, (code, name, kind, tone) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            institution=institution, code=code, defaults={"name": name, "kind": kind, "tone": tone, "sort_order": order}
        )
    boarders = list(
        Student.objects.filter(institution=institution, status=Student.Status.ENROLLED, bed__isnull=False)
        .select_related("klass", "user")
        .order_by("pk")
    )
    demo_student = next((s for s in boarders if s.user_id and s.user.username == "student"), None)
    counselor_ids = _counselor_students()
    staying = [s for s in boarders if s is not demo_student and (s.pk in counselor_ids or rng.random() < STAY_SHARE)]
    waiting = [s for n, s in enumerate(staying) if n % 45 == 7]
    settled = [s for s in staying if s not in set(waiting)]
    _bulk_history(rng, period, settled, today)
    users = {u: _user(u) for u in ("counselor", "college")}
    for n, student in enumerate([*waiting, *([demo_student] if demo_student else [])]):
        app = _apply(services, rng, period, student, on=max(start - timedelta(days=2), today - timedelta(days=n % 5)))
        if student is not demo_student and n % 3 == 0 and users["counselor"]:
            services.application_review(application=app, approve=True, by=users["counselor"])


def _user(username: str):
    from fangxian.accounts.models import User

    return User.objects.filter(username=username).first()


def _counselor_students() -> set[int]:
    """The demo counselor's one-to-one students and a share of their grade: they stay."""
    staff = Staff.objects.filter(user__username="counselor").first()
    if staff is None:
        return set()
    rows = Assignment.objects.active().filter(staff=staff).values_list("student_id", "unit__path")
    ids = {student for student, _path in rows if student}
    paths = [path for _student, path in rows if path]
    grade = Student.objects.filter(klass__in=Unit.objects.under_any(paths))
    ids.update(list(grade.filter(bed__isnull=False).values_list("pk", flat=True))[::4])
    return ids


def _apply(services, rng, period, student, *, on):
    surname = student.name[0]
    phone = f"139{rng.randint(0, 99999999):08d}"
    return services.application_submit(
        student=student,
        period=period,
        start_date=max(on, period.start_date),
        end_date=period.end_date,
        reason=period.reasons.get(name=rng.choice(["考研", "实习", "科研"])),
        reason_note="准备研究生入学考试" if student.user_id else "",
        bed=student.bed,
        emergency_contact=f"{surname}{rng.choice('建国海军秀英桂兰志强玉梅')}",
        emergency_phone=phone,
        parent_name=f"{surname}{rng.choice('建国海军秀英桂兰志强玉梅')}",
        parent_phone=phone,
        pledge_agreed=True,
        by=student.user,
        on=on,
    )


def _bulk_history(rng: random.Random, period, students: list[Student], today: date) -> None:
    """Applications, entries, status spells, bed spells and tags for the settled stays."""
    from fangxian.org.models import Place

    from .models import FOREVER, BedSpell, Category, LedgerEntry, StatusSpell, StayApplication, StudentTag
    from .models import Status as S
    from .services import college_of_class

    now = timezone.now()
    counselor, college, office = _user("counselor"), _user("college"), _user("office")
    reasons = list(period.reasons.all())
    categories = {c.code: c for c in Category.objects.filter(institution_id=period.institution_id)}
    beds = dict(Place.objects.filter(pk__in=[s.bed_id for s in students]).values_list("pk", "path"))
    start = period.start_date
    apps, histories = [], []
    for student in students:
        registered = start - timedelta(days=rng.randint(3, 9))
        approved = registered + timedelta(days=rng.randint(1, 2))
        surname = rng.choice(SURNAMES)
        phone = f"139{rng.randint(0, 99999999):08d}"
        apps.append(
            StayApplication(
                period=period,
                student=student,
                start_date=start,
                end_date=period.end_date,
                reason=rng.choice(reasons),
                bed_id=student.bed_id,
                emergency_contact=f"{surname}{rng.choice('伟芳娜敏静丽强磊军洋')}",
                emergency_phone=phone,
                parent_name=f"{surname}{rng.choice('建国海军秀英桂兰志强玉梅')}",
                parent_phone=phone,
                pledge_agreed_at=now - (today - registered),
                stage=StayApplication.Stage.CONFIRMED,
                source=StayApplication.Source.STUDENT,
                counselor_by=counselor,
                counselor_at=now - (today - approved),
                college_by=college,
                college_at=now - (today - approved),
                created_by=student.user,
                created_at=now - (today - registered),
            )
        )
        # The spells: (status, from, note).
        spells = [(S.REGISTERED, registered, "学生申请"), (S.APPROVED, approved, "学院确认")]
        arrived = start + timedelta(days=rng.randint(0, 2))
        if arrived <= today:
            spells.append((S.ON_CAMPUS, arrived, "到校报到"))
            roll = rng.random()
            if roll < 0.18:
                out = min(today, arrived + timedelta(days=rng.randint(2, 18)))
                spells.append((S.OUT, out, rng.choice(["外出实习", "就医复查", "回家处理事务"])))
                back = out + timedelta(days=rng.randint(1, 5))
                if back <= today and rng.random() < 0.7:
                    spells.append((S.RETURNED, back, "按时返校"))
            elif roll < 0.25:
                spells.append((S.LEFT, min(today, arrived + timedelta(days=rng.randint(3, 18))), "提前离校回家"))
        histories.append(spells)
    apps = StayApplication.objects.bulk_create(apps, batch_size=1000)
    entries = []
    for app, student, spells in zip(apps, students, histories, strict=True):
        ids = [int(p) for p in beds[student.bed_id].strip("/").split("/")]
        status, since, _note = spells[-1]
        entries.append(
            LedgerEntry(
                application=app,
                period=period,
                student=student,
                status=status,
                status_since=since,
                version=len(spells),
                college_id=college_of_class(student.klass),
                klass_id=student.klass_id,
                campus_id=ids[0],
                building_id=ids[1],
                bed_id=student.bed_id,
                expected_return=since + timedelta(days=3) if status == S.OUT else None,
                updated_by=counselor,
            )
        )
    entries = LedgerEntry.objects.bulk_create(entries, batch_size=1000)
    spell_rows, bed_rows, tag_rows = [], [], []
    for entry, spells in zip(entries, histories, strict=True):
        for index, (status, since, note) in enumerate(spells):
            until = spells[index + 1][1] if index + 1 < len(spells) else FOREVER
            spell_rows.append(
                StatusSpell(
                    entry=entry,
                    student_id=entry.student_id,
                    period=period,
                    status=status,
                    valid_from=since,
                    valid_to=until,
                    college_id=entry.college_id,
                    klass_id=entry.klass_id,
                    campus_id=entry.campus_id,
                    building_id=entry.building_id,
                    bed_id=entry.bed_id,
                    note=note,
                    changed_by=entry.student.user if index == 0 else counselor,
                )
            )
        registered = spells[0][1]
        bed_rows.append(BedSpell(entry=entry, student_id=entry.student_id, bed_id=entry.bed_id, valid_from=registered))
        if rng.random() < CLOSED_SHARE:
            tag_rows.append(
                StudentTag(student_id=entry.student_id, category=categories["closed"], valid_from=period.start_date, set_by=office)
            )
        for code in ("psych", "poverty", "health", "disability", "minority", "intl"):
            if rng.random() < GROUP_SHARE:
                tag_rows.append(StudentTag(student_id=entry.student_id, category=categories[code], valid_from=registered, set_by=counselor))
        level = rng.random()
        if level < 0.04:
            # Risk went up during the stay: low until a day in the period, high since.
            changed = period.start_date + timedelta(days=rng.randint(3, 15))
            tag_rows.append(
                StudentTag(
                    student_id=entry.student_id, category=categories["risk_low"], valid_from=registered, valid_to=changed, set_by=counselor
                )
            )
            tag_rows.append(StudentTag(student_id=entry.student_id, category=categories["risk_high"], valid_from=changed, set_by=counselor))
        else:
            code = "risk_medium" if level < 0.14 else "risk_low"
            tag_rows.append(StudentTag(student_id=entry.student_id, category=categories[code], valid_from=registered, set_by=counselor))
    StatusSpell.objects.bulk_create(spell_rows, batch_size=2000)
    BedSpell.objects.bulk_create(bed_rows, batch_size=2000)
    StudentTag.objects.bulk_create(tag_rows, batch_size=2000)

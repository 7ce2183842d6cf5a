"""Demo data: a few incidents on the demo university, open and closed, so that the list, the
clocks, the dashboard tiles and the supervision rule have something to show: a dorm fire
closed last week, a pipe leak in hand, a lab incident whose follow-up report is overdue, a
student missing found again, and a fever reported minutes ago that the office has not yet
acknowledged."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from fangxian.deadlines.services import close, set_deadline
from fangxian.org.models import Place, Staff, Student, Unit

from .deadlines import FIRST_REPORT, FOLLOWUP, KINDS, WRITTEN
from .models import Incident, Update

INSTITUTION_CODE = "hxu"  # fangxian.org.demo's institution

# (source, kind, level, title, hours ago it happened, state, place kind and use, description, measures)
PLAN = [
    (
        "demo:1",
        "fire",
        "general",
        "宿舍楼配电箱冒烟",
        170,
        "closed",
        ("building", "dorm"),
        "值班巡查发现宿舍楼三层配电箱冒烟，无明火，无人员受伤。",
        "切断电源，疏散该层学生，通知后勤维修。",
    ),
    (
        "demo:2",
        "leak",
        "larger",
        "教学楼供水管网爆裂",
        20,
        "acknowledged",
        ("building", ""),
        "教学楼地下一层供水主管道爆裂，积水约20厘米，影响一楼教室使用。",
        "关闭总阀，抽排积水，调整教室安排。",
    ),
    (
        "demo:3",
        "lab",
        "major",
        "化学实验室试剂泄漏",
        40,
        "overdue",
        ("building", ""),
        "化学实验室一瓶浓盐酸试剂瓶破裂泄漏，一名学生手部轻微灼伤。",
        "中和处理泄漏试剂，受伤学生送附属医院处置，实验室暂停使用。",
    ),
    (
        "demo:4",
        "missing",
        "larger",
        "学生失联后联系上",
        100,
        "closed",
        ("campus", ""),
        "一名学生晚归未归寝，电话无法接通，辅导员与家长均联系不上。",
        "辅导员、保卫处分头寻找，调取校门通行记录。",
    ),
    (
        "demo:5",
        "fever",
        "general",
        "学生发热就诊",
        0.3,
        "reported",
        ("building", "dorm"),
        "一名学生体温38.2℃，已由宿管陪同前往校医院发热门诊。",
        "安排同宿舍学生原地待命，做好宿舍通风消毒。",
    ),
]


def load(*, size: int = 0, seed: int = 0) -> None:
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, code=INSTITUTION_CODE).first()
    if institution is None or Incident.objects.filter(source__startswith="demo:").exists():
        return
    rng = random.Random(f"incidents-{seed}")
    now = timezone.now()
    security = Unit.objects.filter(code="security", parent=institution).first() or institution
    from fangxian.accounts.models import User

    # The duty app's demo person on duty reports them (their home page then shows the
    # follow-up reports due), else a member of the security office.
    reporter_staff = Staff.objects.filter(user__username="dutystaff", is_active=True).first() or (
        Staff.objects.filter(unit=security, is_active=True).order_by("pk").first()
    )

    office = User.objects.filter(username="office").first()
    students = list(Student.objects.filter(institution=institution, bed__isnull=False).order_by("pk")[:50])
    for source, kind, level, title, hours, state, (place_kind, use), description, measures in PLAN:
        places = Place.objects.filter(institution=institution, kind=place_kind, archived_at__isnull=True)
        if use:
            places = places.filter(use=use)
        place = places.order_by("path").first()
        occurred = now - timedelta(hours=hours)
        reported = occurred + timedelta(minutes=rng.choice([8, 12, 20]) if hours > 1 else 5)
        reported = min(reported, now)
        incident = Incident.objects.create(
            kind=kind,
            level=level,
            title=title,
            occurred_at=occurred,
            unit=security,
            place=place,
            description=description,
            measures=measures,
            reporter_name=reporter_staff.name if reporter_staff else "值班人员",
            reporter_phone=reporter_staff.phone if reporter_staff else "",
            reported_by=reporter_staff.user if reporter_staff and reporter_staff.user_id else None,
            reported_at=reported,
            last_report_at=reported,
            source=source,
        )
        if kind in ("missing", "fever", "lab") and students:
            incident.students.set([rng.choice(students)])
        set_deadline(incident, FIRST_REPORT, reported + timedelta(minutes=15))
        set_deadline(incident, WRITTEN, occurred + timedelta(hours=2))
        if state == "reported":
            continue
        acknowledged = reported + timedelta(minutes=6)
        Incident.objects.filter(pk=incident.pk).update(
            acknowledged_at=acknowledged, acknowledged_by=office, status=Incident.Status.ACKNOWLEDGED
        )
        close(incident, FIRST_REPORT, at=acknowledged)
        written = occurred + timedelta(minutes=90)
        Update.objects.create(
            incident=incident,
            kind=Update.Kind.WRITTEN,
            text=description + measures,
            measures=measures,
            author_name=incident.reporter_name,
            created_at=written,
        )
        Incident.objects.filter(pk=incident.pk).update(written_at=written, last_report_at=written)
        close(incident, WRITTEN, at=written)
        last = written
        if state in ("closed", "overdue") and hours > 30:
            last = written + timedelta(hours=20)
            Update.objects.create(
                incident=incident,
                kind=Update.Kind.FOLLOWUP,
                text="现场已处置完毕，相关人员情况稳定，持续跟进。",
                author_name=incident.reporter_name,
                created_at=last,
            )
        if state == "closed":
            end = last + timedelta(hours=4)
            Update.objects.create(
                incident=incident,
                kind=Update.Kind.FINAL,
                text="事件已妥善处置完毕，恢复正常秩序，现予终报。",
                author_name=incident.reporter_name,
                created_at=end,
            )
            Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED, closed_at=end, last_report_at=end)
            for key in KINDS:
                close(incident, key, at=end)
            continue
        Incident.objects.filter(pk=incident.pk).update(last_report_at=last)
        set_deadline(incident, FOLLOWUP, last + timedelta(hours=12 if level == "major" else 24))

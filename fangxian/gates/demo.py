"""Demo data for gate control: a default policy per campus, a device per gate, visitors,
vehicles and some scans today. Works with whatever campuses, gates and people the
organisation demo created (and does nothing when there are none)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from fangxian.core import idnumber
from fangxian.org import services as org_services
from fangxian.org.models import AssignmentRole, Place, Staff, Student

from . import selectors, services
from .models import Category, Direction, PolicyVersion, Vehicle, Visit
from .selectors import guard_gates, home_campus_id

# The "guard" login comes from the organisation demo (posted at the 校本部 east gate); this
# demo also posts them at a gate of the demo student's campus, so the walk-through
# "student shows the pass → guard scans it" works with the two demo logins.
LOGINS: list[tuple[str, str]] = [
    ("guard", "门卫 station (校门管理 → 岗亭): 校本部 东门, and a gate of the demo student's campus"),
]


def _id_number(rng: random.Random) -> str:
    first17 = f"620702{rng.randint(1970, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first17 + idnumber.check_digit(first17)


def load(size: int = 1, seed: int = 2022, **_options) -> None:
    """`size`: the demo university's number of students; one in twenty boarders (at least
    30) get a day of scans."""
    rng = random.Random(seed)
    now = timezone.now()
    campuses = list(Place.objects.filter(kind=Place.Kind.CAMPUS, archived_at__isnull=True).order_by("pk"))
    for campus in campuses:
        if not PolicyVersion.objects.filter(campus=campus).exists():
            services.policy_publish(
                campus=campus, effective_at=now - timedelta(days=1), rules=services.default_rules(), note="默认通行政策（演示）"
            )
    gates = list(Place.objects.filter(kind=Place.Kind.GATE, archived_at__isnull=True))
    for gate in gates:
        if not gate.gate_devices.exists():
            services.device_issue(gate=gate, name=f"{gate.name}岗亭平板")
    staff = list(Staff.objects.filter(is_active=True)[:20])
    if staff and campuses and not Visit.objects.exists():
        for n, (name, purpose) in enumerate([("马文", "学术交流"), ("冯涛", "设备维修"), ("何静", "探望"), ("高原", "送货")]):
            host = staff[n % len(staff)]
            campus = next((c for c in campuses if c.institution_id == host.institution_id), None)
            if campus is None:
                continue
            services.visit_create(
                host=host,
                campus=campus,
                kind=Category.CONTRACTOR if purpose in ("设备维修", "送货") else Category.VISITOR,
                name=name,
                id_number=_id_number(rng),
                purpose=purpose,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=6),
                invited=n % 2 == 0,
            )
    _post_demo_guard(now)
    if not Vehicle.objects.exists():
        for plate, owner in [("甘G12345", "后勤处 校车"), ("甘GD12345", "附属医院 救护车"), ("甘G8A321", "食堂 配送")]:
            services.vehicle_register(plate=plate, owner=owner, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=90))
    first, last = _daytime(now)
    _student_scans(rng, campuses, gates, size=size, first=first, last=last)


# Planted differences for the reconciliation page: boarders back through the gate without a
# stay in the ledger (they came back early and nobody registered them).
PLANTED_IN_UNEXPECTED = 2


def _student_scans(rng: random.Random, campuses, gates, *, size: int, first, last) -> None:
    """A day of students going out and back in, drawn from the students the ledger expects on
    each campus, so that gate presence and the ledger agree except for a few planted,
    explainable differences: some (about 4 %) are out and not back, and
    PLANTED_IN_UNEXPECTED boarders scanned in who are not in the ledger."""
    day = timezone.localtime(first).date()
    span = max(int((last - first).total_seconds() // 60) - 100, 1)
    budget = max(30, size // 20)
    for campus in campuses:
        campus_gates = [g for g in gates if g.parent_id == campus.pk]
        if not campus_gates:
            continue
        expected = sorted(selectors.expected_on_campus(campus, day))
        chosen = rng.sample(expected, min(len(expected), budget // max(len(campuses), 1) or 1))
        for student in Student.objects.filter(pk__in=chosen).order_by("pk"):
            at = first + timedelta(minutes=rng.randint(0, span))
            for direction in (Direction.OUT, Direction.IN) if rng.random() < 0.96 else (Direction.OUT,):
                _scan(student, rng.choice(campus_gates), direction, at)
                at += timedelta(minutes=rng.randint(5, 90))
                if at > last:
                    break
        boarders = Place.objects.subtree(campus).filter(kind=Place.Kind.BED).values("pk")
        unexpected = Student.objects.filter(status=Student.Status.ENROLLED, bed_id__in=boarders).exclude(pk__in=expected).order_by("pk")
        for student in unexpected[:PLANTED_IN_UNEXPECTED] if campus == campuses[0] else []:
            _scan(student, campus_gates[0], Direction.IN, first + timedelta(minutes=rng.randint(0, span)))


def _scan(student: Student, gate: Place, direction: str, at) -> None:
    token, _payload = services.issue_personal_pass(student, now=at)
    services.scan(text=token, gate=gate, direction=direction, at=at)


def _daytime(now):
    """The daytime window of the demo's scans: today 07:00 until now (or 21:30), or the whole
    of yesterday's daytime when the demo is made before 09:00."""
    local = timezone.localtime(now)
    day = local.date() if local.hour >= 9 else local.date() - timedelta(days=1)
    first = timezone.make_aware(datetime.combine(day, time(7, 0)))
    last = min(now, timezone.make_aware(datetime.combine(day, time(21, 30))))
    return first, last


def _post_demo_guard(now) -> None:
    """Post the demo guard at the first gate of the demo student's campus too."""
    guard = Staff.objects.filter(user__username="guard", is_active=True).select_related("user").first()
    student = Student.objects.filter(user__username="student").select_related("klass", "bed").first()
    if guard is None or student is None:
        return
    campus_id = home_campus_id(student)
    if campus_id is None or guard_gates(guard.user).filter(parent_id=campus_id).exists():
        return
    gate = Place.objects.filter(parent_id=campus_id, kind=Place.Kind.GATE, archived_at__isnull=True).order_by("sort_order", "pk").first()
    if gate is not None:
        org_services.assignment_create(staff=guard, role=AssignmentRole.GATE_GUARD, place=gate, start_date=timezone.localdate(now))

"""What the ledger tells other apps, through the hooks those apps offer.

The ledger is where "who is on campus on day D" and "who is under closed management" are
known. Other apps ask through registries they own, so none of them imports the ledger:
- the organisation's coverage page: "students on campus" are the ledger's (一对一 gaps);
- daily reports: head counts pre-filled for a unit and a day;
- gate control: the closed-management category, and who should be on a campus.
"""

from __future__ import annotations

import time
from datetime import date

from django.apps import apps
from django.db.models import Count

from fangxian.org.models import Student, Unit

from .models import Category, StatusSpell, StayPeriod, StudentTag
from .selectors import headcount, on_campus_students

# A gate asks for every scan; the set of students under closed management on a day
# changes rarely, so each process keeps it for a short while.
CLOSED_CACHE_SECONDS = 30
_closed_cache: dict[date, tuple[float, frozenset[int]]] = {}


def closed_management_ids(day: date) -> frozenset[int]:
    cached = _closed_cache.get(day)
    if cached and time.monotonic() - cached[0] < CLOSED_CACHE_SECONDS:
        return cached[1]
    ids = frozenset(StudentTag.objects.on(day).filter(category__kind=Category.Kind.CLOSED).values_list("student_id", flat=True))
    _closed_cache.clear()
    _closed_cache[day] = (time.monotonic(), ids)
    return ids


def forget_closed_management() -> None:
    _closed_cache.clear()


def in_stay_period(day: date) -> bool:
    """Whether a stay period (a vacation) covers `day`. Outside one, term-time rules apply:
    the students on campus are the boarders, and the ledger has nothing to say."""
    return StayPeriod.objects.filter(start_date__lte=day, end_date__gte=day).exists()


def students_on_campus(day: date):
    """The coverage page's population: the ledger during a stay period, boarders otherwise."""
    from fangxian.org.coverage import students_with_a_bed

    return on_campus_students(day) if in_stay_period(day) else students_with_a_bed(day)


def expected_on_campus(campus, day: date) -> set[int]:
    """Gate presence: who should be on `campus` on `day`."""
    if not in_stay_period(day):
        from fangxian.gates.selectors import bed_students_on_campus

        return bed_students_on_campus(campus, day)
    return set(StatusSpell.objects.on_campus(day).filter(campus_id=campus.pk).values_list("student_id", flat=True))


def campus_headcount(unit: Unit, day: date) -> dict[str, int]:
    """Students of `unit`'s subtree on campus on `day`, in all and by gender: the ledger's
    during a stay period, the boarders in term time (the same population as coverage)."""
    total = headcount(day=day, unit=unit)["total"] if in_stay_period(day) else None
    students = students_on_campus(day)
    if unit.kind == Unit.Kind.CLASS:
        students = students.filter(klass_id=unit.pk)
    elif not (unit.kind == Unit.Kind.INSTITUTION and unit.parent_id is None):
        students = students.filter(klass__path__startswith=unit.path)
    rows = students.order_by().values("gender").annotate(n=Count("id"))
    counts = {row["gender"]: row["n"] for row in rows}
    male, female = counts.get("M", 0), counts.get("F", 0)
    return {"total": male + female if total is None else total, "male": male, "female": female}


def connect() -> None:
    """Register with the other apps' hooks (called from LedgerConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from fangxian.core.caches import register_cache

    register_cache(forget_closed_management)
    # A new or ended classification applies at once in this process (others within 30 s).
    for signal in (post_save, post_delete):
        signal.connect(lambda **kwargs: forget_closed_management(), sender=StudentTag, weak=False)
    from fangxian.org.coverage import register_student_population

    register_student_population(students_on_campus)

    if apps.is_installed("fangxian.reports"):
        from fangxian.reports.prefill import register_prefill

        register_prefill("ledger.headcount.total", lambda unit, day: campus_headcount(unit, day)["total"])
        register_prefill("ledger.headcount.male", lambda unit, day: campus_headcount(unit, day)["male"])
        register_prefill("ledger.headcount.female", lambda unit, day: campus_headcount(unit, day)["female"])

    if apps.is_installed("fangxian.gates"):
        from fangxian.gates import selectors as gate_selectors
        from fangxian.gates.categories import Category as GateCategory
        from fangxian.gates.categories import register_category_resolver

        def closed_management(person, day: date) -> set[str]:
            if isinstance(person, Student) and person.pk in closed_management_ids(day):
                return {GateCategory.STUDENT_CLOSED}
            return set()

        register_category_resolver(closed_management)
        gate_selectors.set_expected_provider(expected_on_campus)

"""Reads on the stay ledger, already scoped.

Public for other apps (keep these names): `headcount(day=, unit=)` and
`on_campus_students(day)`. Everything else takes the user and applies
`scope_of(user)` so that lists, counts, exports and the API cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from fangxian.org.models import Assignment, AssignmentRole, Place, Student, Unit
from fangxian.org.scope import scope_of

from .models import (
    LIVE_STATUSES,
    ON_CAMPUS_STATUSES,
    Category,
    LedgerEntry,
    MovePlan,
    StatusSpell,
    StayApplication,
    StayPeriod,
    StudentTag,
)
from .models import Status as S

ON_CAMPUS = "on_campus_any"  # the status filter "on campus" (在校 or 返校)


# -- public, unscoped: for reports and coverage (the caller applies its own scope) ---------


def headcount(*, day: date, unit: Unit) -> dict:
    """Students of `unit`'s subtree on campus on `day`: {"total": n, "by_category": {code: n}}."""
    spells = StatusSpell.objects.on_campus(day)
    if unit.kind == Unit.Kind.CLASS:
        spells = spells.filter(klass_id=unit.pk)
    elif unit.kind == Unit.Kind.COLLEGE:
        spells = spells.filter(college_id=unit.pk)
    elif unit.kind != Unit.Kind.INSTITUTION or unit.parent_id is not None:
        spells = spells.filter(klass_id__in=Unit.objects.subtree(unit).filter(kind=Unit.Kind.CLASS).values("pk"))
    else:
        spells = spells.filter(period__institution_id=unit.pk)
    # A student's stays never overlap (services refuse it), so one spell per student per day.
    total = spells.count()
    return {"total": total, "by_category": category_counts(spells, day)}


def on_campus_students(day: date) -> QuerySet[Student]:
    """The students on campus on `day` (在校 or 返校 at the end of that day)."""
    return Student.objects.filter(pk__in=StatusSpell.objects.on_campus(day).values("student_id"))


def category_counts(spells: QuerySet[StatusSpell], day: date) -> dict[str, int]:
    """{category code: students} among `spells` on `day`. Grouped by category id (the
    codes are looked up once afterwards, not joined per row)."""
    rows = (
        StudentTag.objects.on(day)
        .filter(student_id__in=spells.values("student_id"))
        .values("category_id")
        .annotate(n=Count("id"))  # one tag per student and category on a day (services refuse two)
        .order_by()
    )
    counts = {row["category_id"]: row["n"] for row in rows}
    codes = dict(Category.objects.filter(pk__in=counts).values_list("pk", "code"))
    return {codes[pk]: n for pk, n in counts.items()}


# -- scoped ------------------------------------------------------------------------------


def visible_entries(user) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.visible_to(user)


def visible_applications(user) -> QuerySet[StayApplication]:
    return StayApplication.objects.visible_to(user)


def visible_spells(user) -> QuerySet[StatusSpell]:
    return StatusSpell.objects.visible_to(user)


def visible_plans(user) -> QuerySet[MovePlan]:
    """Dorm moves are planned by the office for a campus: whole-institution roles only."""
    return MovePlan.objects.visible_to(user)


def periods_for(user) -> QuerySet[StayPeriod]:
    institution_ids = Unit.objects.filter(kind=Unit.Kind.INSTITUTION)
    scope = scope_of(user)
    if not scope.everything:
        paths = scope.unit_paths
        ids = {int(p.strip("/").split("/")[0]) for p in paths}
        student = Student.objects.filter(user=user).values_list("institution_id", flat=True).first() if user.is_authenticated else None
        if student:
            ids.add(student)
        if scope.staff_id:
            from fangxian.org.models import Staff

            ids.update(Staff.objects.filter(pk=scope.staff_id).values_list("institution_id", flat=True))
        institution_ids = institution_ids.filter(pk__in=ids)
    return StayPeriod.objects.filter(institution__in=institution_ids)


def current_period(user, day: date | None = None) -> StayPeriod | None:
    day = day or timezone.localdate()
    periods = periods_for(user)
    return periods.filter(start_date__lte=day, end_date__gte=day).first() or periods.first()


def categories_for(period: StayPeriod | None) -> list[Category]:
    if period is None:
        return []
    return list(Category.objects.filter(institution_id=period.institution_id, is_active=True))


@dataclass
class LedgerFilter:
    """The office's ledger filters; every field optional."""

    day: date
    period: int | None = None
    campus: int | None = None
    building: int | None = None
    college: int | None = None
    klass: int | None = None
    status: str = ""
    tag: int | None = None
    q: str = ""

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v not in (None, "")}


def ledger_spells(user, f: LedgerFilter) -> QuerySet[StatusSpell]:
    """The ledger on day `f.day`: one spell per student line, in the user's scope."""
    spells = visible_spells(user).on(f.day)
    for field in ("period", "campus", "building", "college", "klass"):
        value = getattr(f, field)
        if value:
            spells = spells.filter(**{f"{field}_id": value})
    if f.status == ON_CAMPUS:
        spells = spells.filter(status__in=ON_CAMPUS_STATUSES)
    elif f.status:
        spells = spells.filter(status=f.status)
    else:
        spells = spells.exclude(status=S.CANCELLED)
    if f.tag:
        spells = spells.filter(student_id__in=StudentTag.objects.on(f.day).filter(category_id=f.tag).values("student_id"))
    if f.q:
        spells = spells.filter(Q(student__name__contains=f.q) | Q(student__student_number__startswith=f.q))
    return spells


def ledger_counts(spells: QuerySet[StatusSpell], day: date) -> dict:
    """Grouped counts of the filtered ledger (one query per cut)."""
    plain = spells.order_by()
    by_status = {row["status"]: row["n"] for row in plain.values("status").annotate(n=Count("id"))}
    on_campus = plain.filter(status__in=ON_CAMPUS_STATUSES)
    names = dict(Unit.objects.filter(pk__in=on_campus.values("college_id")).values_list("pk", "name"))
    by_college = [
        (names.get(row["college_id"], "?"), row["n"]) for row in on_campus.values("college_id").annotate(n=Count("id")).order_by("-n")
    ]
    place_names = dict(Place.objects.filter(pk__in=on_campus.values("building_id")).values_list("pk", "name"))
    by_building = [
        (place_names.get(row["building_id"], "?"), row["n"])
        for row in on_campus.values("building_id").annotate(n=Count("id")).order_by("-n")
    ]
    codes = category_counts(on_campus, day)
    categories = Category.objects.filter(code__in=codes).values_list("code", "name")
    return {
        "total": sum(by_status.values()),
        "on_campus": sum(by_status.get(s, 0) for s in ON_CAMPUS_STATUSES),
        "by_status": [(S(s).label, s, by_status.get(s, 0)) for s in S.values if by_status.get(s)],
        "by_college": by_college,
        "by_building": by_building,
        "by_category": [(name, codes[code]) for code, name in categories],
    }


def with_details(spells: QuerySet[StatusSpell], day: date) -> QuerySet[StatusSpell]:
    """Everything a ledger row shows, in a fixed number of queries."""
    return spells.select_related(
        "student", "student__klass", "entry", "entry__application", "entry__application__reason", "bed__parent__parent", "college"
    ).prefetch_related(
        Prefetch("student__ledger_tags", queryset=StudentTag.objects.on(day).select_related("category"), to_attr="tags_on_day"),
        Prefetch(
            "student__assignments",
            queryset=Assignment.objects.active_on(day).filter(role=AssignmentRole.ONE_TO_ONE).select_related("staff"),
            to_attr="one_to_one",
        ),
    )


def counselor_entries(user, day: date | None = None, *, only_mine: bool = False) -> QuerySet[LedgerEntry]:
    """The counselor's students today: live entries of the periods that cover today."""
    day = day or timezone.localdate()
    entries = visible_entries(user).filter(period__start_date__lte=day, period__end_date__gte=day, status__in=[*LIVE_STATUSES, S.LEFT])
    if only_mine:
        staff_id = scope_of(user).staff_id
        mine = Assignment.objects.active_on(day).filter(role=AssignmentRole.ONE_TO_ONE, staff_id=staff_id).values("student_id")
        entries = entries.filter(student_id__in=mine)
    return entries.select_related("student", "student__klass", "bed__parent__parent", "updated_by").prefetch_related(
        Prefetch("student__ledger_tags", queryset=StudentTag.objects.on(day).select_related("category"), to_attr="tags_on_day"),
        Prefetch(
            "student__assignments",
            queryset=Assignment.objects.active_on(day).filter(role=AssignmentRole.ONE_TO_ONE).select_related("staff"),
            to_attr="one_to_one",
        ),
    )


def approval_queue(user) -> QuerySet[StayApplication]:
    """Applications waiting for this user: the counselor's, then the college's."""
    from fangxian.accounts.roles import Role, roles_of

    roles = roles_of(user)
    stages = []
    if Role.COUNSELOR in roles or Role.PREVENTION_OFFICE in roles:
        stages.append(StayApplication.Stage.SUBMITTED)
    if Role.COLLEGE_ADMIN in roles or Role.PREVENTION_OFFICE in roles:
        stages.append(StayApplication.Stage.COUNSELOR_APPROVED)
    return (
        visible_applications(user)
        .filter(stage__in=stages)
        .select_related("student", "student__klass", "period", "reason", "bed__parent__parent")
        .order_by("created_at")
    )


# -- public, unscoped: for the dashboard's daily roll-ups ---------------------------------


def on_campus_placements(day: date) -> list[tuple[int, int, int, int]]:
    """(student id, college id, class id, campus id) of every student on campus on `day`,
    in one indexed range query (the dashboard's roll-ups group these in memory)."""
    return list(StatusSpell.objects.on_campus(day).order_by().values_list("student_id", "college_id", "klass_id", "campus_id"))


def category_codes_on(day: date) -> list[tuple[int, str]]:
    """(student id, category code) of every classification in force on `day`."""
    return list(StudentTag.objects.on(day).order_by().values_list("student_id", "category__code"))


def categories_by_code() -> dict[str, str]:
    """{code: name} of the active categories, for labels."""
    return dict(Category.objects.filter(is_active=True).order_by("kind", "sort_order", "id").values_list("code", "name"))


def on_campus_placements_of_college(day: date, college_id: int) -> list[tuple[int, int, int, int]]:
    """`on_campus_placements` for one college (the same index, one more column)."""
    return list(
        StatusSpell.objects.on_campus(day)
        .filter(college_id=college_id)
        .order_by()
        .values_list("student_id", "college_id", "klass_id", "campus_id")
    )


def status_changes(*, day: date, college_id: int, since) -> list[tuple[int, bool, object]]:
    """(student id, on campus after the change, changed at) of the ledger changes of a college that took
    effect on `day` and were made after `since` (e.g. after the college's report)."""
    qs = StatusSpell.objects.filter(valid_from=day, college_id=college_id)
    if since is not None:
        qs = qs.filter(changed_at__gt=since)
    return [
        (sid, status in ON_CAMPUS_STATUSES, at)
        for sid, status, at in qs.order_by("changed_at").values_list("student_id", "status", "changed_at")
    ]


def population_rows(day: date, *, campus_id: int | None = None, category_code: str = "") -> list[tuple[int, int, int, int, int]]:
    """(student id, college id, class id, campus id, building id) of every student on campus
    on `day`, optionally only on one campus and only those carrying the category `code` that
    day (e.g. "closed": under closed management). One indexed range query (two with a
    category), for another app's population of a day (a screening round)."""
    spells = StatusSpell.objects.on_campus(day)
    if campus_id:
        spells = spells.filter(campus_id=campus_id)
    if category_code:
        spells = spells.filter(student_id__in=StudentTag.objects.on(day).filter(category__code=category_code).values("student_id"))
    return list(spells.order_by().values_list("student_id", "college_id", "klass_id", "campus_id", "building_id"))

"""Scoped reads of the roll-ups. A fixed number of queries per page, whatever the number
of students, scans or days: every figure comes from this app's tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, Sum
from django.http import Http404

from fangxian.ledger import selectors as ledger
from fangxian.org import selectors as org_selectors
from fangxian.org.models import Place, Unit
from fangxian.org.scope import scope_of

from .models import CampusDay, ClassDay, CollegeDay

SUMMED = ("ledger", "present", "out_not_back", "on_leave", "in_unexpected", "overdue", "no_one_to_one")


def visible_colleges(user):
    return Unit.objects.active().filter(kind=Unit.Kind.COLLEGE).visible_to(user).order_by("sort_order", "path")


def visible_campuses(user):
    """Campuses whose figures a user may see (archived ones too: their past days have
    figures): the one rule of fangxian.org.selectors.visible_campuses. A college admin
    reads their college's rows on every campus, but not the campuses' gate traffic."""
    return org_selectors.visible_campuses(user, archived=True).order_by("sort_order", "path")


@dataclass(frozen=True)
class Reach:
    """Which roll-up rows a user reads: everything, or the rows of their colleges (on any
    campus) and the rows of their campuses (of any college)."""

    everything: bool
    college_ids: frozenset[int]
    campus_ids: frozenset[int]

    def class_rows(self, rows):
        if self.everything:
            return rows
        return rows.filter(Q(college_id__in=self.college_ids) | Q(campus_id__in=self.campus_ids))

    def owns(self, college_id: int) -> bool:
        """The whole college is theirs (its reports, reconciliation and every student)."""
        return self.everything or college_id in self.college_ids


def reach(user) -> Reach:
    scope = scope_of(user)
    if scope.everything:
        return Reach(True, frozenset(), frozenset())
    colleges = frozenset(visible_colleges(user).values_list("pk", flat=True))
    return Reach(False, colleges, frozenset(visible_campuses(user).values_list("pk", flat=True)))


def get_college(user, pk: int, *, whole: bool = False) -> tuple[Unit, Reach]:
    """A college whose rows the user reads: one of theirs, or (for a campus's leader, unless
    `whole` is asked) any college with students on their campus."""
    r = reach(user)
    college = Unit.objects.active().filter(kind=Unit.Kind.COLLEGE, pk=pk).first()
    if college is None or not (r.owns(pk) or (not whole and r.campus_ids and college_has_rows_on(college, r.campus_ids))):
        raise Http404
    return college, r


def college_has_rows_on(college: Unit, campus_ids) -> bool:
    return ClassDay.objects.filter(college_id=college.pk, campus_id__in=campus_ids).exists()


def get_class(user, pk: int) -> tuple[Unit, Unit]:
    """A class and its college: a class of the user's units, or of a college with students on
    their campus (the student list then shows only the students in their scope)."""
    klass = Unit.objects.filter(kind=Unit.Kind.CLASS, pk=pk).first()
    if klass is None:
        raise Http404
    college = Unit.objects.filter(pk__in=klass.ancestor_ids(), kind=Unit.Kind.COLLEGE).first()
    if college is None:
        raise Http404
    in_units = Unit.objects.filter(pk=pk).visible_to(user).exists()
    if not in_units:
        get_college(user, college.pk)  # 404 unless the college has rows on the user's campus
    return klass, college


@dataclass
class Line:
    """One row of a dashboard table (a college, a class)."""

    pk: int
    name: str
    ledger: int = 0
    present: int = 0
    out_not_back: int = 0
    on_leave: int = 0
    in_unexpected: int = 0
    overdue: int = 0
    no_one_to_one: int = 0
    reported: int | None = None
    reports_in: int = 0
    reports_expected: int = 0
    gaps: int = 0
    whole: bool = True  # False: only the user's campuses' share of a college that is not theirs

    @property
    def report_gap(self) -> int | None:
        return None if self.reported is None else self.reported - self.ledger

    @property
    def gate_gap(self) -> int:
        return self.present - self.ledger

    @property
    def consistent(self) -> bool:
        # Students out on an approved leave are explained: they do not make a line inconsistent.
        return self.gate_gap + self.on_leave == 0 and self.report_gap in (0, None) and self.in_unexpected == 0


@dataclass
class Summary:
    day: date
    lines: list[Line]
    campuses: list[Place]
    campus: Place | None
    categories: list[tuple[str, str, int]] = field(default_factory=list)  # (code, name, count)
    traffic_in: list[int] = field(default_factory=lambda: [0] * 24)
    traffic_out: list[int] = field(default_factory=lambda: [0] * 24)
    refused: int = 0
    scans: int = 0
    campus_gaps: int = 0
    sees_gates: bool = False

    def total(self, name: str) -> int:
        return sum(getattr(line, name) or 0 for line in self.lines)

    @property
    def reported(self) -> int | None:
        """The reported headcount over the colleges that reported one; None (未报) when none did."""
        figures = [line.reported for line in self.lines if line.reported is not None]
        return sum(figures) if figures else None

    @property
    def reported_units(self) -> int:
        """How many colleges the reported headcount includes."""
        return sum(1 for line in self.lines if line.reported is not None)

    @property
    def reports_missing(self) -> list[Line]:
        return [line for line in self.lines if line.reports_in < line.reports_expected]

    @property
    def reports_expected(self) -> int:
        return self.total("reports_expected")

    @property
    def reports_in(self) -> int:
        return self.total("reports_in")

    @property
    def gaps(self) -> int:
        return self.total("gaps") + self.total("no_one_to_one") + self.campus_gaps


def _sum_rows(rows, key: str) -> dict[int, dict]:
    return {r[key]: r for r in rows.values(key).annotate(**{name: Sum(name) for name in SUMMED}).order_by()}


def _apply(line: Line, sums: dict | None) -> None:
    for name in SUMMED:
        setattr(line, name, (sums or {}).get(name) or 0)


def summary(user, day: date, campus: Place | None = None) -> Summary:
    """The day's figures per college in the user's reach (optionally on one campus). For a
    campus's leader, the colleges with students on that campus, counted there."""
    r = reach(user)
    class_rows = r.class_rows(ClassDay.objects.filter(day=day))
    if campus is not None:
        class_rows = class_rows.filter(campus_id=campus.pk)
    sums = _sum_rows(class_rows, "college_id")
    colleges = Unit.objects.active().filter(kind=Unit.Kind.COLLEGE)
    if not r.everything:
        colleges = colleges.filter(pk__in=r.college_ids | sums.keys())
    colleges = list(colleges.order_by("sort_order", "path").only("pk", "name"))
    ids = [c.pk for c in colleges if r.owns(c.pk)]
    college_days = {row.college_id: row for row in CollegeDay.objects.filter(day=day, college_id__in=ids)}
    lines = []
    for college in colleges:
        line = Line(college.pk, college.name, whole=r.owns(college.pk))
        _apply(line, sums.get(college.pk))
        cd = college_days.get(college.pk)
        if cd is not None:
            line.reported, line.reports_in, line.reports_expected, line.gaps = (
                cd.reported_headcount,
                cd.reports_in,
                cd.reports_expected,
                cd.gaps,
            )
        lines.append(line)
    counts: dict[str, int] = defaultdict(int)
    for by_category in class_rows.values_list("by_category", flat=True):
        for code, n in by_category.items():
            counts[code] += n
    names = ledger.categories_by_code()
    categories = [(code, names.get(code, code), counts[code]) for code in [*names, *sorted(set(counts) - set(names))] if counts.get(code)]
    campuses = list(visible_campuses(user))
    result = Summary(day=day, lines=lines, campuses=campuses, campus=campus, categories=categories, sees_gates=bool(campuses))
    if campuses:
        campus_rows = CampusDay.objects.filter(day=day, campus_id__in=[c.pk for c in campuses])
        if campus is not None:
            campus_rows = campus_rows.filter(campus_id=campus.pk)
        for row in campus_rows:
            result.traffic_in = [a + b for a, b in zip(result.traffic_in, row.traffic_in or [0] * 24, strict=True)]
            result.traffic_out = [a + b for a, b in zip(result.traffic_out, row.traffic_out or [0] * 24, strict=True)]
            result.refused += row.refused
            result.scans += row.scans
            result.campus_gaps += row.gaps
    return result


def college_lines(college: Unit, day: date, r: Reach | None = None) -> list[Line]:
    """The classes of a college on `day` (summed over campuses; over the user's campuses
    only when the college is not theirs)."""
    rows = ClassDay.objects.filter(day=day, college_id=college.pk)
    partial = r is not None and not r.owns(college.pk)
    if partial:
        rows = rows.filter(campus_id__in=r.campus_ids)
    sums = _sum_rows(rows, "klass_id")
    classes = Unit.objects.active().subtree(college).filter(kind=Unit.Kind.CLASS).order_by("path").only("pk", "name")
    if partial:
        classes = classes.filter(pk__in=sums.keys())
    lines = []
    for klass in classes:
        line = Line(klass.pk, klass.name)
        _apply(line, sums.get(klass.pk))
        lines.append(line)
    return lines


def daily_series(user, end: date, days: int = 14) -> list[tuple[date, int, int]]:
    """(day, ledger, present) for the last `days` days in the user's reach: one query."""
    from datetime import timedelta

    rows = reach(user).class_rows(ClassDay.objects.filter(day__range=(end - timedelta(days=days - 1), end)))
    sums = {r["day"]: r for r in rows.values("day").annotate(ledger=Sum("ledger"), present=Sum("present")).order_by()}
    out = []
    for n in range(days - 1, -1, -1):
        day = end - timedelta(days=n)
        r = sums.get(day, {})
        out.append((day, r.get("ledger") or 0, r.get("present") or 0))
    return out

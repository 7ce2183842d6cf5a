"""Reads for reporting, already scoped: a user sees the forms and reports of the units in
their scope (the whole institution for the office, leaders and discipline inspection)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from fangxian.accounts.roles import Role
from fangxian.org.access import can_write
from fangxian.org.chain import chain, users_of
from fangxian.org.models import Assignment, AssignmentRole, Unit
from fangxian.org.scope import scope_of

from . import schema
from .access import REPORTERS
from .models import REPORTED_STATUSES, DailySummary, ReportAlert, ReportForm, Submission, SummaryLock

# Who fills in a unit's report and is reminded; who is told when it is late.
REPORTER_ROLES = (AssignmentRole.COLLEGE_ADMIN,)
ESCALATION_ROLES = (AssignmentRole.LEADER,)
RESPONSIBLE_ROLES = (AssignmentRole.COLLEGE_ADMIN, AssignmentRole.LEADER)
# The leader on duty (带班领导): an assignment role of the duty app, held for the hours of a
# shift. Named by its key so that reports need not import duty; without it nobody holds it.
ON_DUTY_ROLES = ("duty_leader",)


def visible_submissions(user):
    return Submission.objects.visible_to(user).select_related("form", "unit", "version")


def visible_forms(user):
    """Forms with at least one expected unit in the user's scope (all for whole-institution roles)."""
    scope = scope_of(user)
    forms = list(ReportForm.objects.active().prefetch_related("units"))
    if scope.everything:
        return forms
    unit_ids = set(Unit.objects.visible_to(user).values_list("pk", flat=True))
    return [form for form in forms if form.expected_units().filter(pk__in=unit_ids).exists()]


def reportable_units(user, form: ReportForm):
    """The units the user may report for on `form`."""
    if not can_write(user, REPORTERS):
        return Unit.objects.none()
    return form.expected_units().visible_to(user)


def expected_units_by_form(user, forms: list[ReportForm]) -> dict[int, list[Unit]]:
    """{form id: the units expected to report on it that the user sees} for several forms in
    one query (plus the forms' own unit lists, prefetched when the forms were read): what
    `form.expected_units().visible_to(user)` gives, form by form."""
    if not forms:
        return {}
    listed = {form.pk: {unit.pk for unit in form.units.all()} for form in forms}
    condition = Q(pk__in=[])
    for form in forms:
        if form.unit_kinds:
            condition |= Q(kind__in=form.unit_kinds)
        if form.unit_codes:
            condition |= Q(code__in=form.unit_codes)
        if listed[form.pk]:
            condition |= Q(pk__in=listed[form.pk])
    units = list(Unit.objects.active().filter(condition).visible_to(user).order_by("path"))
    return {
        form.pk: [u for u in units if u.kind in form.unit_kinds or u.code in form.unit_codes or u.pk in listed[form.pk]] for form in forms
    }


def _people_by_unit(unit_ids, day: date, roles) -> dict[int, list]:
    rows = (
        Assignment.objects.active_on(day)
        .filter(unit_id__in=list(unit_ids), role__in=roles, staff__is_active=True)
        .select_related("staff", "staff__user")
        .order_by("unit_id", "role", "staff__name")
    )
    people: dict[int, list] = defaultdict(list)
    for row in rows:
        people[row.unit_id].append(row)
    return people


def reporters_of(unit_ids, day: date) -> dict[int, list]:
    """{unit id: [user]} of the people who report for each unit (college admins)."""
    return {
        unit_id: [a.staff.user for a in rows if a.staff.user_id] for unit_id, rows in _people_by_unit(unit_ids, day, REPORTER_ROLES).items()
    }


def leaders_of(unit_ids, day: date) -> dict[int, list]:
    return {
        unit_id: [a.staff.user for a in rows if a.staff.user_id]
        for unit_id, rows in _people_by_unit(unit_ids, day, ESCALATION_ROLES).items()
    }


def office_users():
    return get_user_model().objects.filter(is_active=True, role_grants__role=Role.PREVENTION_OFFICE).distinct()


def alert_recipients(unit: Unit, day: date, *, at=None) -> list:
    """Who is told of a report's alert at once: the prevention office, the unit's
    responsible leaders (包抓领导) up to the institution's, and the leaders on duty right now
    (the unit's own and the school's 带班领导 on the roster)."""
    ids = [unit.pk, *unit.ancestor_ids()]
    leaders = [user for users in leaders_of(ids, day).values() for user in users]
    on_duty = users_of(link.staff for link in chain(unit, at=at or timezone.now(), roles=ON_DUTY_ROLES))
    people, seen = [], set()
    for user in [*office_users(), *leaders, *on_duty]:
        if user.pk not in seen:
            seen.add(user.pk)
            people.append(user)
    return people


def open_alerts(user, limit: int = 20):
    """Alerts not yet acknowledged on reports of units in the user's scope, newest first."""
    return (
        ReportAlert.objects.visible_to(user)
        .filter(acknowledged_at__isnull=True)
        .select_related("submission__unit", "submission__form")
        .order_by("-raised_at", "-id")[:limit]
    )


def visible_alerts(user):
    return ReportAlert.objects.visible_to(user).select_related("submission__unit", "submission__form")


@dataclass
class UnitStatus:
    unit: Unit
    submission: Submission | None
    people: list = field(default_factory=list)

    @property
    def state(self) -> str:
        s = self.submission
        if s is None or not s.is_reported:
            return "missing"
        return "late" if s.is_late else "on_time"


@dataclass
class DayCompleteness:
    form: ReportForm
    day: date
    rows: list[UnitStatus]
    deadline_passed: bool

    @property
    def expected(self) -> int:
        return len(self.rows)

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.state != "missing")

    @property
    def on_time(self) -> int:
        return sum(1 for r in self.rows if r.state == "on_time")

    @property
    def late(self) -> int:
        return sum(1 for r in self.rows if r.state == "late")

    @property
    def zero(self) -> int:
        return sum(1 for r in self.rows if r.submission and r.submission.is_reported and r.submission.is_zero)

    @property
    def missing_rows(self) -> list[UnitStatus]:
        return [r for r in self.rows if r.state == "missing"]

    @property
    def missing(self) -> int:
        return len(self.missing_rows)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 100


def completeness(user, form: ReportForm, day: date, *, with_people: bool = True) -> DayCompleteness:
    """Expected / submitted / on time / late / missing for one form and day, with the
    responsible people of the units that have not reported."""
    units = list(form.expected_units().visible_to(user).select_related("parent"))
    submissions = {s.unit_id: s for s in Submission.objects.filter(form=form, day=day, unit__in=[u.pk for u in units])}
    rows = [UnitStatus(unit=u, submission=submissions.get(u.pk)) for u in units]
    if with_people:
        missing_ids = [r.unit.pk for r in rows if r.state == "missing"]
        people = _people_by_unit(missing_ids, day, RESPONSIBLE_ROLES)
        for r in rows:
            r.people = people.get(r.unit.pk, [])
    return DayCompleteness(form=form, day=day, rows=rows, deadline_passed=timezone.now() > form.deadline_on(day))


def completeness_table(user, forms: list[ReportForm], start: date, end: date) -> list[dict]:
    """One row per form and day between start and end (inclusive): expected, submitted,
    on time, late, missing. One aggregate query for all of them."""
    scope = scope_of(user)
    expected: dict[int, set[int]] = {f.pk: set(f.expected_units().visible_to(user).values_list("pk", flat=True)) for f in forms}
    counts = Submission.objects.filter(form__in=forms, day__range=(start, end), status__in=REPORTED_STATUSES).values(
        "form_id", "day", "unit_id", "is_late"
    )
    per: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    if scope.everything:
        # No need to pull unit ids back: aggregate in the database.
        counts = (
            Submission.objects.filter(form__in=forms, day__range=(start, end), status__in=REPORTED_STATUSES)
            .values("form_id", "day")
            .annotate(n=Count("id"), late=Count("id", filter=Q(is_late=True)))
        )
        for row in counts:
            per[(row["form_id"], row["day"])] = [row["n"], row["late"]]
    else:
        for row in counts:
            if row["unit_id"] in expected[row["form_id"]]:
                cell = per[(row["form_id"], row["day"])]
                cell[0] += 1
                cell[1] += int(row["is_late"])
    table = []
    day = start
    while day <= end:
        for form in forms:
            if not form.is_due_on(day):
                continue
            n_expected = len(expected[form.pk])
            submitted, late = per.get((form.pk, day), (0, 0))
            table.append(
                {
                    "form": form,
                    "day": day,
                    "expected": n_expected,
                    "submitted": submitted,
                    "on_time": submitted - late,
                    "late": late,
                    "missing": max(n_expected - submitted, 0),
                }
            )
        day += timedelta(days=1)
    return table


def calendar(user, form: ReportForm, start: date, end: date) -> tuple[list[date], list[tuple[Unit, list[str]]]]:
    """Each expected unit's record day by day: on_time, late, zero, missing or future."""
    units = list(form.expected_units().visible_to(user))
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    states = {
        (unit_id, day): (late, zero, status)
        for unit_id, day, late, zero, status in Submission.objects.filter(form=form, day__range=(start, end), unit__in=units).values_list(
            "unit_id", "day", "is_late", "is_zero", "status"
        )
    }
    today = timezone.localdate()
    rows = []
    for unit in units:
        cells = []
        for day in days:
            if not form.is_due_on(day) or day > today:
                cells.append("none")
                continue
            late, zero, status = states.get((unit.pk, day), (False, False, None))
            if status is None or status == Submission.Status.DRAFT:
                cells.append("missing")
            elif late:
                cells.append("late")
            else:
                cells.append("zero" if zero else "on_time")
        rows.append((unit, cells))
    return days, rows


def trends(user, form: ReportForm, start: date, end: date, unit: Unit | None = None) -> list[dict]:
    """For every numeric field of the form's current questions, the day-by-day total over
    the units in scope (or one unit). Zero-reported sections count as no value."""
    version = form.version_for(end)
    if version is None:
        return []
    fields = schema.numeric_fields(version.schema)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    qs = Submission.objects.visible_to(user).filter(form=form, day__range=(start, end), status__in=REPORTED_STATUSES)
    if unit is not None:
        qs = qs.filter(unit=unit)
    sums: dict[tuple[str, str], dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for day, data in qs.values_list("day", "data"):
        for section, fld in fields:
            value = (data.get(section["key"]) or {}).get(fld["key"])
            if isinstance(value, int | float):
                sums[(section["key"], fld["key"])][day] += value
    series = []
    for section, fld in fields:
        by_day = sums.get((section["key"], fld["key"]), {})
        series.append(
            {
                "key": f"{section['key']}.{fld['key']}",
                "title": f"{section['title']} · {fld['label']}",
                "days": [d.isoformat() for d in days],
                "values": [by_day.get(d) for d in days],
            }
        )
    return series


def summaries():
    return DailySummary.objects.all()


@dataclass
class SummaryRow:
    """A summary as the archive shows it: when it was made, whether the day is locked, and
    the reports submitted (or revised) after it was made, which it does not contain."""

    summary: DailySummary
    lock: SummaryLock | None
    arrived_since: list = field(default_factory=list)


def summary_rows(limit: int = 60) -> list[SummaryRow]:
    from fangxian.web.lists import first_n

    shown = first_n(DailySummary.objects.all(), limit)
    rows = [SummaryRow(s, None) for s in shown]
    if not rows:
        return rows
    days = [r.summary.day for r in rows]
    locks = {lock.day: lock for lock in SummaryLock.objects.filter(day__in=days)}
    later = defaultdict(list)
    for sub in (
        Submission.objects.filter(day__in=days, status__in=REPORTED_STATUSES).select_related("unit", "form").order_by("submitted_at")
    ):
        later[sub.day].append(sub)
    for r in rows:
        r.lock = locks.get(r.summary.day)
        r.arrived_since = [s for s in later[r.summary.day] if s.submitted_at and s.submitted_at > r.summary.generated_at]
    shown[:] = rows  # the rows, still knowing whether more summaries exist
    return shown


# -- public, unscoped: for the dashboard's daily roll-ups ---------------------------------

HEADCOUNT_SOURCE = "ledger.headcount.total"


def unit_day_figures(day: date) -> dict[int, dict]:
    """Per unit expected to report on `day`: {"expected": forms due, "reported": forms
    reported, "headcount": the reported figure of the field pre-filled from the ledger's
    headcount (None when no reported form carries one), "submitted_at": when that figure
    was last submitted}. A fixed number of queries whatever the number of units."""
    forms = [form for form in ReportForm.objects.active().prefetch_related("units") if form.is_due_on(day)]
    figures: dict[int, dict] = {}
    for form in forms:
        for unit_id in form.expected_units().values_list("pk", flat=True):
            row = figures.setdefault(unit_id, {"expected": 0, "reported": 0, "headcount": None, "submitted_at": None})
            row["expected"] += 1
    submissions = Submission.objects.filter(form__in=forms, day=day, status__in=REPORTED_STATUSES).select_related("version")
    for submission in submissions:
        row = figures.get(submission.unit_id)
        if row is None:
            continue
        row["reported"] += 1
        for section in schema.sections(submission.version.schema):
            for fld in section.get("fields", []):
                if fld.get("prefill") != HEADCOUNT_SOURCE:
                    continue
                value = (submission.data.get(section["key"]) or {}).get(fld["key"])
                if isinstance(value, int | float) and row["headcount"] is None:
                    row["headcount"] = int(value)
                    row["submitted_at"] = submission.submitted_at
    return figures

"""Reads for gate control, already scoped. Policies in force, gates a guard works at,
leave applications a user may see, presence on a campus."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.org import selectors as org_selectors
from fangxian.org.models import Assignment, AssignmentRole, Place, Staff, Student, Unit
from fangxian.org.scope import scope_of

from .cache import TTLCache
from .models import Category, Direction, GateAlert, LeaveApplication, PolicyRule, PolicyVersion, Revocation, Scan, Vehicle, Visit

# ---------------------------------------------------------------------------
# Policies


@dataclass
class Policy:
    """A policy version with its rules keyed by (category, direction)."""

    version: PolicyVersion | None
    rules: dict[tuple[str, str], PolicyRule] = field(default_factory=dict)
    next_effective_at: datetime | None = None

    def rule(self, category: str, direction: str) -> PolicyRule | None:
        return self.rules.get((category, direction))


POLICY_CACHE_SECONDS = 5.0
_policies: TTLCache[list[Policy]] = TTLCache(POLICY_CACHE_SECONDS)


def forget_policies() -> None:
    _policies.forget()


def _load_policies(campus_id: int) -> list[Policy]:
    """Every version of a campus policy with its rules, in the order they take effect."""
    versions = list(PolicyVersion.objects.filter(campus_id=campus_id).order_by("effective_at", "number"))
    rules: dict[int, dict[tuple[str, str], PolicyRule]] = {v.pk: {} for v in versions}
    for rule in PolicyRule.objects.filter(version__campus_id=campus_id).order_by():
        rules[rule.version_id][(rule.category, rule.direction)] = rule
    policies = []
    for version in versions:
        following = next((v.effective_at for v in versions if v.effective_at > version.effective_at), None)
        policies.append(Policy(version, rules[version.pk], following))
    return policies


def policy_in_force(campus_id: int, at: datetime | None = None) -> Policy:
    """The policy in force on a campus at a time (now, or when an offline scan was made).
    A campus's versions are kept a few seconds per process (gate scans come in bursts);
    a version that takes effect is picked by its time, without waiting for the cache."""
    at = at or timezone.now()
    policies = _policies.get(campus_id, lambda: _load_policies(campus_id))
    in_force = None
    for policy in policies:
        if policy.version.effective_at > at:
            break
        in_force = policy
    if in_force is None:
        return Policy(None, {}, policies[0].version.effective_at if policies else None)
    return in_force


def rule_summary(rule: PolicyRule | None) -> str:
    if rule is None:
        return "—"
    text = str(rule.get_decision_display())
    if rule.window_start is not None:
        text += f" {rule.window_start:%H:%M}–{rule.window_end:%H:%M}"
    return text


def policy_changes(version: PolicyVersion) -> list[dict]:
    """What this version changed against the one before it on the same campus."""
    previous = PolicyVersion.objects.filter(campus_id=version.campus_id, number__lt=version.number).order_by("-number").first()
    old = {(r.category, r.direction): r for r in previous.rules.all()} if previous else {}
    new = {(r.category, r.direction): r for r in version.rules.all()}
    changes = []
    for category in Category:
        for direction in Direction:
            key = (category.value, direction.value)
            before, after = old.get(key), new.get(key)
            if (before.as_tuple() if before else None) != (after.as_tuple() if after else None):
                changes.append(
                    {
                        "category": category.label,
                        "direction": direction.label,
                        "before": rule_summary(before),
                        "after": rule_summary(after),
                    }
                )
    return changes


def policy_grid(policy: Policy) -> list[dict]:
    return [
        {
            "category": category.label,
            "code": category.value,
            "cells": [rule_summary(policy.rule(category.value, direction.value)) for direction in Direction],
            "decisions": [
                (policy.rule(category.value, direction.value).decision if policy.rule(category.value, direction.value) else "")
                for direction in Direction
            ],
        }
        for category in Category
    ]


# ---------------------------------------------------------------------------
# Places a user works with


def campus_id_of(place: Place) -> int:
    return int(place.path.strip("/").split("/")[0])


def visible_campuses(user):
    """Campuses a user may see gate data of (active ones): the one rule of
    fangxian.org.selectors.visible_campuses."""
    return org_selectors.visible_campuses(user)


def guard_gates(user):
    """The gates a user may run a station at: those they are posted at (a campus post
    covers every gate of the campus); everything for the prevention office."""
    scope = scope_of(user)
    gates = Place.objects.filter(kind=Place.Kind.GATE, archived_at__isnull=True)
    if scope.everything and Role.PREVENTION_OFFICE in roles_of(user):
        return gates
    staff = Staff.objects.filter(user=user, is_active=True).first()
    if staff is None:
        return gates.none()
    posts = Assignment.objects.active().filter(staff=staff, role=AssignmentRole.GATE_GUARD).values_list("place__path", flat=True)
    return gates.under_any([p for p in posts if p])


def posted_gate_ids(user) -> set[int]:
    """The gates a user is posted at in person (not through a post covering the campus)."""
    return set(
        Assignment.objects.active()
        .filter(staff__user=user, staff__is_active=True, role=AssignmentRole.GATE_GUARD, place__kind=Place.Kind.GATE)
        .values_list("place_id", flat=True)
    )


def can_manage_policies(user) -> bool:
    from .access import can_manage_policies

    return can_manage_policies(user)


def can_publish_policy(user) -> bool:
    """Who may publish a campus's gate policy (gates/access.py)."""
    from .access import can_publish_policy

    return can_publish_policy(user)


def visible_scans(user):
    return Scan.objects.visible_to(user)


def visible_alerts(user):
    """Alerts on the campuses a user sees, plus those addressed to them."""
    return GateAlert.objects.visible_to(user)


def visible_vehicles(user):
    return Vehicle.objects.visible_to(user)


def visible_visits(user):
    """Visits a user hosts, plus every visit on the campuses they see."""
    return Visit.objects.visible_to(user)


def visible_leaves(user):
    """A student's own applications; staff: those of students in their scope."""
    return LeaveApplication.objects.visible_to(user).select_related("student", "student__klass")


# ---------------------------------------------------------------------------
# People


def home_campus_id(person) -> int | None:
    """The campus a student belongs to: their bed's, else their class's (or an ancestor
    unit's). Staff passes are good on every campus."""
    if not isinstance(person, Student):
        return None
    if person.bed_id:
        return int(person.bed.path.strip("/").split("/")[0])
    klass = person.klass
    if klass.campus_id:
        return klass.campus_id
    ancestor = Unit.objects.filter(pk__in=klass.ancestor_ids(), campus__isnull=False).order_by("-depth").first()
    return ancestor.campus_id if ancestor else None


def responsible_staff(student: Student, day: date | None = None) -> list[Staff]:
    """Who approves a student's leave: their one-to-one staff member, else the counselors
    and class teachers of their class or a unit above it."""
    day = day or timezone.localdate()
    active = Assignment.objects.active_on(day).select_related("staff").filter(staff__is_active=True)
    one_to_one = [a.staff for a in active.filter(role=AssignmentRole.ONE_TO_ONE, student=student)]
    if one_to_one:
        return one_to_one
    units = [*student.klass.ancestor_ids(), student.klass_id]
    return [a.staff for a in active.filter(role__in=[AssignmentRole.COUNSELOR, AssignmentRole.CLASS_TEACHER], unit_id__in=units)]


COLLEGE_ROLES = (AssignmentRole.COLLEGE_ADMIN, AssignmentRole.COLLEGE_SECRETARY, AssignmentRole.COLLEGE_DEAN)


def college_staff(student: Student, day: date | None = None) -> list[Staff]:
    day = day or timezone.localdate()
    units = student.klass.ancestor_ids()
    active = Assignment.objects.active_on(day).select_related("staff").filter(staff__is_active=True)
    return [a.staff for a in active.filter(role__in=COLLEGE_ROLES, unit_id__in=units)]


def staff_of(user) -> Staff | None:
    return Staff.objects.filter(user=user, is_active=True).first() if user.is_authenticated else None


def student_of(user) -> Student | None:
    return Student.objects.filter(user=user).select_related("klass", "bed").first() if user.is_authenticated else None


REVOCATION_CACHE_SECONDS = 3.0
_revocations: TTLCache[dict[str, datetime]] = TTLCache(REVOCATION_CACHE_SECONDS)


def _load_revocations() -> dict[str, datetime]:
    revoked: dict[str, datetime] = {}
    for subject, revoked_at in Revocation.objects.filter(lifted_at__isnull=True).order_by().values_list("subject", "revoked_at"):
        revoked[subject] = min(revoked_at, revoked.get(subject, revoked_at))
    return revoked


def revoked_since(subject: str) -> datetime | None:
    """When the holder's passes were revoked (None: they are not). Read from a per-process
    copy of the active revocations, a few seconds old at most (see cache.py)."""
    return _revocations.get("active", _load_revocations).get(subject)


def is_revoked(subject: str, at: datetime) -> bool:
    since = revoked_since(subject)
    return since is not None and since <= at


def forget_revocations() -> None:
    _revocations.forget_now_and_on_commit()


def active_revocation(subject: str, at: datetime | None = None) -> Revocation | None:
    at = at or timezone.now()
    return next(iter(Revocation.objects.filter(subject=subject, lifted_at__isnull=True, revoked_at__lte=at).order_by()[:1]), None)


def revoked_subjects() -> list[dict]:
    return [
        {"subject": subject, "revoked_at": revoked_at.isoformat()}
        for subject, revoked_at in Revocation.objects.filter(lifted_at__isnull=True).values_list("subject", "revoked_at")
    ]


def current_leave(student: Student, at: datetime | None = None) -> LeaveApplication | None:
    """The approved leave that covers `at`, or that has started and is not back yet."""
    at = at or timezone.now()
    return (
        LeaveApplication.objects.filter(student=student, status=LeaveApplication.Status.APPROVED, starts_at__lte=at + timedelta(minutes=30))
        .filter(Q(ends_at__gte=at) | Q(returned_at__isnull=True, ends_at__gte=at - timedelta(days=7)))
        .order_by("-starts_at")
        .first()
    )


def overdue_leaves(now: datetime | None = None):
    now = now or timezone.now()
    return LeaveApplication.objects.filter(status=LeaveApplication.Status.APPROVED, returned_at__isnull=True, ends_at__lt=now)


def overdue_student_ids(now: datetime | None = None) -> set[int]:
    """Students not back from an approved leave (for the ledger to show as overdue)."""
    return set(overdue_leaves(now).values_list("student_id", flat=True))


# ---------------------------------------------------------------------------
# Presence

PRESENCE_LOOKBACK = timedelta(days=7)


def last_scans(campus_id: int, at: datetime | None = None) -> dict[str, dict]:
    """The last allowed scan of each subject on a campus (within a week)."""
    at = at or timezone.now()
    rows = (
        Scan.objects.filter(campus_id=campus_id, verdict=Scan.Verdict.ALLOWED, scanned_at__gte=at - PRESENCE_LOOKBACK, scanned_at__lte=at)
        .exclude(subject="")
        .order_by("subject", "-scanned_at")
        .values("subject", "direction", "scanned_at", "display_name", "category", "gate__name")
    )
    last: dict[str, dict] = {}
    for row in rows:
        last.setdefault(row["subject"], row)
    return last


def bed_students_on_campus(campus: Place, day: date) -> set[int]:
    """Default "expected on campus": enrolled students with a bed on the campus."""
    beds = Place.objects.subtree(campus).filter(kind=Place.Kind.BED).values("pk")
    return set(Student.objects.filter(bed_id__in=beds, status=Student.Status.ENROLLED).values_list("pk", flat=True))


ExpectedProvider = Callable[[Place, date], set[int]]
_expected: list[ExpectedProvider] = [bed_students_on_campus]


def set_expected_provider(provider: ExpectedProvider) -> None:
    """Where "who should be on campus" comes from. The ledger app replaces the default
    with e.g. `lambda campus, day: {s.pk for s in on_campus_students(day) if …}`."""
    _expected[0] = provider


def expected_on_campus(campus: Place, day: date) -> set[int]:
    """The students who should be on `campus` on `day` (the ledger's answer once it is
    installed, else the enrolled students with a bed there)."""
    return _expected[0](campus, day)


@dataclass
class Presence:
    campus: Place
    inside: list[dict]
    out_expected: list[dict]  # expected on campus, last scan leaving
    unseen: int  # expected, never scanned in the lookback
    inside_unexpected: list[dict]  # inside by scans, not expected by the ledger
    overdue: set[int]
    on_leave: list[dict] = field(default_factory=list)  # out on an approved leave that still runs


def presence(campus: Place, at: datetime | None = None) -> Presence:
    at = at or timezone.now()
    last = last_scans(campus.pk, at)
    inside = [row for row in last.values() if row["direction"] == Direction.IN]
    expected = expected_on_campus(campus, timezone.localdate(at))
    expected_subjects = {f"S{pk}" for pk in expected}
    overdue = overdue_student_ids(at)
    out_all = [
        {**row, "overdue": int(subject[1:]) in overdue}
        for subject, row in last.items()
        if subject in expected_subjects and row["direction"] == Direction.OUT
    ]
    # A student out on an approved leave that still runs is not an anomaly.
    leaves = running_leaves([int(row["subject"][1:]) for row in out_all], at)
    out_expected = [row for row in out_all if int(row["subject"][1:]) not in leaves]
    on_leave = [{**row, "back_by": leaves[int(row["subject"][1:])].ends_at} for row in out_all if int(row["subject"][1:]) in leaves]
    unseen = len(expected_subjects - last.keys())
    inside_unexpected = [row for row in inside if row["subject"].startswith("S") and row["subject"] not in expected_subjects]
    return Presence(campus, inside, out_expected, unseen, inside_unexpected, overdue, on_leave)


# ---------------------------------------------------------------------------
# Public, unscoped: for the dashboard's daily roll-ups (one day of scans at a time)


def campus_ids_with_gates() -> list[int]:
    """Campuses that have gates (the scans table is read per campus, on its index)."""
    paths = Place.objects.filter(kind=Place.Kind.GATE).values_list("path", flat=True)
    return sorted({int(path.strip("/").split("/")[0]) for path in paths})


def scan_traffic(campus_id: int, start: datetime, end: datetime) -> list[tuple[int, str, str, int]]:
    """(local hour, direction, verdict, scans) on a campus in [start, end).

    The hour is a CASE over the day's local hour boundaries (computed here, so a day with a
    clock change is right) rather than a per-row time-zone conversion: on SQLite that
    conversion is a Python function called for every row."""
    from django.db.models import Case, Count, IntegerField, Value, When

    tz = timezone.get_current_timezone()
    local_start = timezone.localtime(start, tz)
    bounds = []
    for hour in range(1, 25):
        naive = datetime.combine(local_start.date(), datetime.min.time()) + timedelta(hours=hour)
        bounds.append(timezone.make_aware(naive, tz))
    hour = Case(*(When(scanned_at__lt=b, then=Value(h)) for h, b in enumerate(bounds)), default=Value(23), output_field=IntegerField())
    return list(
        # A typed number waiting for the guard is not a passage: its answer is a scan of its own.
        Scan.objects.filter(campus_id=campus_id, scanned_at__gte=start, scanned_at__lt=end)
        .exclude(verdict=Scan.Verdict.VERIFY)
        .annotate(hour=hour)
        .order_by()
        .values_list("hour", "direction", "verdict")
        .annotate(n=Count("id"))
    )


def last_student_scans(campus_id: int, start: datetime, end: datetime) -> dict[int, tuple[str, datetime]]:
    """{student id: (direction, time)} of each student's last allowed scan on a campus in [start, end)."""
    rows = (
        Scan.objects.filter(campus_id=campus_id, scanned_at__gte=start, scanned_at__lt=end, verdict=Scan.Verdict.ALLOWED)
        .order_by("scanned_at")
        .values_list("subject", "direction", "scanned_at")
    )
    last: dict[int, tuple[str, datetime]] = {}
    for subject, direction, at in rows.iterator(chunk_size=5000):
        if subject.startswith("S") and subject[1:].isdigit():
            last[int(subject[1:])] = (direction, at)
    return last


def last_student_scans_all_campuses(start: datetime, end: datetime):
    """Each student's last allowed scan in [start, end) over every campus, as a lazy values
    queryset of (student id, campus id, direction, time), for a caller that stores them in
    bulk (the dashboard's roll-up, INSERT ... SELECT): the same rows as `last_student_scans`
    campus by campus, latest wins (a tie in time: the lower campus id, then the later row)."""
    from django.db.models import BigIntegerField, F, Window
    from django.db.models.functions import Cast, RowNumber, Substr

    latest = Window(RowNumber(), partition_by=[F("subject")], order_by=[F("scanned_at").desc(), F("campus_id").asc(), F("id").desc()])
    return (
        # Campus by campus on the (campus, scanned_at) index, as `last_student_scans`.
        Scan.objects.filter(campus_id__in=campus_ids_with_gates(), scanned_at__gte=start, scanned_at__lt=end)
        .filter(verdict=Scan.Verdict.ALLOWED, subject__regex=r"^S[0-9]+$")
        .annotate(student=Cast(Substr("subject", 2), BigIntegerField()), latest=latest)
        .filter(latest=1)
        .order_by()
        .values_list("student", "campus_id", "direction", "scanned_at")
    )


def overdue_student_ids_at(at: datetime) -> set[int]:
    """Students not back from an approved leave at `at` (also for a past moment)."""
    return set(
        LeaveApplication.objects.filter(status=LeaveApplication.Status.APPROVED, ends_at__lt=at)
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gt=at))
        .values_list("student_id", flat=True)
    )


# ---------------------------------------------------------------------------
# Photos on the verdict

# A station may fetch the holder's photo of a scan for this long after the server
# received it: the scan is the record that the photo was looked at.
PHOTO_WINDOW = timedelta(minutes=10)


def recent_scan(scan_id, *, now: datetime | None = None) -> Scan | None:
    """A scan received within PHOTO_WINDOW, by its scan id."""
    since = (now or timezone.now()) - PHOTO_WINDOW
    return Scan.objects.filter(scan_id=scan_id, received_at__gte=since).order_by().only("scan_id", "gate_id", "subject").first()


def split_subject(subject: str) -> tuple[str, int] | None:
    """A holder's subject ("S12" a student, "T7" staff, "V3" a visit) as its kind and
    primary key, or None when it is not one letter and a number. (ASCII digits only:
    str.isdigit also accepts "²", which int() refuses, and a batch's passes are read before
    they are verified.)"""
    kind, rest = subject[:1], subject[1:]
    return (kind, int(rest)) if rest.isascii() and rest.isdigit() else None


def holder_photo(subject: str):
    """The photo (a FieldFile) of a student ("S12") or member of staff ("T7"), or None:
    visitors and vehicles have none."""
    split = split_subject(subject)
    model = {"S": Student, "T": Staff}.get(split[0]) if split else None
    if model is None:
        return None
    person = model.objects.filter(pk=split[1]).order_by().only("pk", "photo").first()
    return person.photo if person is not None and person.photo else None


def pass_campus_detail(campus_id) -> str:
    """What a guard reads on a wrong-campus refusal: the campus the pass belongs to."""
    name = Place.objects.filter(pk=campus_id, kind=Place.Kind.CAMPUS).values_list("name", flat=True).first() if campus_id else None
    return _("The pass belongs to %(campus)s") % {"campus": name} if name else ""


def on_leave_student_ids_at(at: datetime) -> set[int]:
    """Students out on an approved leave that runs at `at` (also for a past moment): out
    with permission, not missing."""
    return set(
        LeaveApplication.objects.filter(status=LeaveApplication.Status.APPROVED, starts_at__lte=at, ends_at__gte=at)
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gt=at))
        .values_list("student_id", flat=True)
    )


def running_leaves(student_ids, at: datetime | None = None) -> dict[int, LeaveApplication]:
    """{student id: approved leave} for the students whose approved leave runs at `at`
    (started, not ended, not back yet): they are out with permission, not missing."""
    at = at or timezone.now()
    rows = LeaveApplication.objects.filter(
        student_id__in=list(student_ids),
        status=LeaveApplication.Status.APPROVED,
        starts_at__lte=at,
        ends_at__gte=at,
        returned_at__isnull=True,
    ).order_by("student_id", "-starts_at")
    found: dict[int, LeaveApplication] = {}
    for leave in rows:
        found.setdefault(leave.student_id, leave)
    return found

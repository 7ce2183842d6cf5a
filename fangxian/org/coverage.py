"""Coverage gaps (不留空白): every node, day or student that needs an owner and has none.

Coverage is a registry of rules (`register_coverage_rule`), filled by the apps that own the
responsibilities. Three shapes are ready to use:

- `NodeRule`: every unit or place of some kinds (and uses) needs a holder of a role, on the
  node itself or on one of its nearest ancestors (a class's counselor may sit on its grade);
- `CalendarRule`: every day needs a holder of a role somewhere (the leader on duty);
- `StudentRule`: every student of a population needs a holder of a role for them (一对一).

Any object with `key`, `label`, `order`, `roles` and `evaluate(ctx) -> RuleResult` is a rule.

org registers the notice's rules ("把责任落到每一个年级，每一个班级，每一个专业，每一个宿舍"):
classes need a class teacher and a counselor (on the class, its grade or its major), majors and
grades a person responsible, colleges and campuses a responsible leader, dormitory buildings a
building manager, labs a safety owner, every student on campus a one-to-one staff member.

The whole report costs a fixed handful of queries whatever the size of the university: the
active units, the places the rules ask for (and their ancestors, for the trail), the
assignments in force for every rule's role, and per student rule a count plus one page.
Ancestry is read from the materialised paths in Python, so no query runs per node.

"On campus" is a hook: by default an enrolled student with a bed; the ledger app registers
its own population (students with a current stay) with `register_student_population`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Assignment, AssignmentRole, Place, Student, Unit
from .scope import Scope


class GapKind:
    """The keys of the rules org registers (constants for code that names one)."""

    CLASS_TEACHER = "class_teacher"
    CLASS_COUNSELOR = "class_counselor"
    MAJOR_RESPONSIBLE = "major_responsible"
    GRADE_RESPONSIBLE = "grade_responsible"
    COLLEGE_LEADER = "college_leader"
    CAMPUS_LEADER = "campus_leader"
    BUILDING_MANAGER = "building_manager"
    LAB_SAFETY = "lab_safety"
    ONE_TO_ONE = "one_to_one"


# -- the student population hook -------------------------------------------------------

StudentPopulation = Callable[[date], QuerySet]


def students_with_a_bed(day: date) -> QuerySet:
    """Default "on campus": enrolled and holding a bed."""
    return Student.objects.filter(status=Student.Status.ENROLLED, bed__isnull=False)


_population: list[StudentPopulation] = [students_with_a_bed]


def register_student_population(provider: StudentPopulation) -> None:
    """Replace what "a student on campus on day D" means (the last registration wins).
    The provider returns a Student queryset; it must not evaluate it."""
    _population.append(provider)


def students_on_campus(day: date) -> QuerySet:
    return _population[-1](day)


def students_without(
    role: str,
    *,
    day: date,
    at: datetime | None = None,
    population=None,
    scope: Scope | None = None,
    campus: Place | None = None,
    college: Unit | None = None,
):
    """Students of `population` (on campus by default) without an active holder of `role`
    for them: a lazy queryset."""
    qs = population(day) if population is not None else students_on_campus(day)
    if scope is not None:
        qs = scope.students(qs)
    if campus is not None:
        qs = qs.filter(bed__path__startswith=campus.path)
    if college is not None:
        qs = qs.filter(klass__path__startswith=college.path)
    active = Assignment.objects.active_at(at) if at is not None else Assignment.objects.active_on(day)
    covered = active.filter(role=role, student_id=OuterRef("pk"))
    return qs.filter(~Exists(covered))


def students_without_one_to_one(*, day: date, scope: Scope | None = None, campus: Place | None = None, college: Unit | None = None):
    """Students on campus on `day` who have no active one-to-one staff member: a lazy queryset
    other apps may filter further (the ledger, the dashboard)."""
    return students_without(AssignmentRole.ONE_TO_ONE, day=day, scope=scope, campus=campus, college=college)


# -- gaps, results and the context the rules share ---------------------------------------------


@dataclass
class Gap:
    kind: str  # the rule's key
    node: Unit | Place | None = None
    trail: list[str] = field(default_factory=list)  # names of the ancestors, outermost first
    role: str = ""  # the assignment that closes the gap
    target_field: str = ""  # "unit" or "place" (node gaps); "" for a day
    day: date | None = None  # calendar gaps


@dataclass
class RuleResult:
    gaps: list[Gap] = field(default_factory=list)
    count: int = 0
    students: QuerySet | None = None  # student rules: the students without, lazily


class CoverageContext:
    """What one report's rules share: the day (or moment), scope and filters, and the rows
    read once for all rules (units, places, the assignments in force)."""

    def __init__(self, *, day: date, at: datetime | None, scope: Scope, campus: Place | None, college: Unit | None, rules):
        self.day, self.at, self.scope, self.campus, self.college = day, at, scope, campus, college
        self.spatial_included = college is None
        self._rules = rules
        self._units: list[Unit] | None = None
        self._places: dict[int, Place] | None = None
        self._held: dict[tuple[str, str], set[int]] | None = None
        self._held_roles: set[str] = set()

    # -- assignments in force ------------------------------------------------------------------
    def assignments(self):
        return Assignment.objects.active_at(self.at) if self.at is not None else Assignment.objects.active_on(self.day)

    def held(self, role: str, field_name: str) -> set[int]:
        """Ids of the units ("unit") or places ("place") for which `role` is held."""
        if self._held is None:
            roles = {role for rule in self._rules for role in getattr(rule, "roles", ())}
            self._held = {}
            rows = self.assignments().filter(role__in=roles, student__isnull=True).values_list("role", "unit_id", "place_id")
            for held_role, unit_id, place_id in rows:
                self._held_roles.add(held_role)
                if unit_id:
                    self._held.setdefault((held_role, "unit"), set()).add(unit_id)
                if place_id:
                    self._held.setdefault((held_role, "place"), set()).add(place_id)
        return self._held.get((role, field_name), set())

    def is_held(self, role: str) -> bool:
        """Is `role` held for any unit or place on the day (or at the moment)?"""
        self.held(role, "unit")
        return role in self._held_roles

    # -- units ---------------------------------------------------------------------------------
    @property
    def units(self) -> list[Unit]:
        # All active units are read so that ancestry and the campus a class inherits from its
        # college can be resolved in memory; scope and filters apply after.
        if self._units is None:
            self._units = list(Unit.objects.active().only("pk", "name", "kind", "path", "parent_id", "campus_id").order_by("path"))
            self.units_by_id = {unit.pk: unit for unit in self._units}
        return self._units

    def effective_campus(self, unit: Unit) -> int | None:
        for ancestor_id in reversed(_ids(unit.path)):
            ancestor = self.units_by_id.get(ancestor_id)
            if ancestor is not None and ancestor.campus_id:
                return ancestor.campus_id
        return None

    def units_wanted(self, kinds: Iterable[str]) -> list[Unit]:
        """Active units of `kinds` inside the scope and the filters."""
        kinds = set(kinds)
        paths = None if self.scope.everything else self.scope.unit_paths
        found = []
        for unit in self.units:
            if unit.kind not in kinds or not _visible(unit.path, paths):
                continue
            if self.college is not None and not unit.path.startswith(self.college.path):
                continue
            if self.campus is not None and self.effective_campus(unit) != self.campus.pk:
                continue
            found.append(unit)
        return found

    # -- places --------------------------------------------------------------------------------
    def _load_places(self) -> dict[int, Place]:
        if self._places is None:
            # Campuses and buildings always: they are the ancestors a trail names, and few.
            condition = Q(kind__in=[Place.Kind.CAMPUS, Place.Kind.BUILDING])
            for rule in self._rules:
                if isinstance(rule, NodeRule) and rule.model == "place":
                    condition |= rule.place_condition()
            fields = ("pk", "name", "kind", "path", "use", "parent_id")
            places = {p.pk: p for p in Place.objects.active().filter(condition).only(*fields).order_by("path")}
            # Ancestors not read yet (an archived building's room), for the trails.
            missing = {i for p in places.values() for i in _ids(p.path)[:-1]} - places.keys()
            self._ancestors = {p.pk: p for p in Place.objects.filter(pk__in=missing).only(*fields)} if missing else {}
            self._places = places
        return self._places

    def places_wanted(self, kinds: Iterable[str], uses: Iterable[str] = ()) -> list[Place]:
        """Active places of `kinds` (and `uses`) inside the scope and the campus filter; none
        when a college is chosen (places belong to no college)."""
        if not self.spatial_included:
            return []
        kinds, uses = set(kinds), set(uses)
        paths = None if self.scope.everything else self.scope.place_paths
        found = []
        for place in self._load_places().values():
            if place.kind not in kinds or (uses and place.use not in uses) or not _visible(place.path, paths):
                continue
            if self.campus is not None and not place.path.startswith(self.campus.path):
                continue
            found.append(place)
        return found

    def trail(self, node) -> list[str]:
        if isinstance(node, Unit):
            lookup = self.units_by_id
        else:
            lookup = {**self._ancestors, **self._load_places()}
        return [lookup[i].name for i in _ids(node.path)[:-1] if i in lookup]


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _visible(path: str, paths) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


# -- the rule shapes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRule:
    """Every unit (model="unit") or place (model="place") of `kinds` (and `uses`) needs an
    active holder of `role`, on the node itself or on one of its `ancestors` nearest
    ancestors."""

    key: str
    label: Any
    role: str
    model: str = "unit"
    kinds: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    ancestors: int = 0
    order: int = 1000
    shape: str = "node"

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def place_condition(self) -> Q:
        condition = Q(kind__in=self.kinds)
        return condition & Q(use__in=self.uses) if self.uses else condition

    def evaluate(self, ctx: CoverageContext) -> RuleResult:
        held = ctx.held(self.role, self.model)
        nodes = ctx.units_wanted(self.kinds) if self.model == "unit" else ctx.places_wanted(self.kinds, self.uses)
        gaps = [
            Gap(self.key, node, ctx.trail(node), role=self.role, target_field=self.model)
            for node in nodes
            if not set(_ids(node.path)[-(self.ancestors + 1) :]) & held
        ]
        return RuleResult(gaps=gaps, count=len(gaps))


@dataclass(frozen=True)
class CalendarRule:
    """Every day needs an active holder of `role` (on any node): the day of the report and the
    `horizon` days after it; at a moment, that moment. Only scopes that see the whole
    institution are asked (a college's scope does not answer for the school's days)."""

    key: str
    label: Any
    role: str
    horizon: int = 0
    order: int = 1000
    shape: str = "calendar"

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def evaluate(self, ctx: CoverageContext) -> RuleResult:
        if not ctx.scope.everything:
            return RuleResult()
        if ctx.at is not None or self.horizon == 0:
            # The day (or moment) of the report: read with the other rules' assignments.
            gaps = [] if ctx.is_held(self.role) else [Gap(self.key, role=self.role, day=ctx.day)]
            return RuleResult(gaps=gaps, count=len(gaps))
        days = [ctx.day + timedelta(days=n) for n in range(self.horizon + 1)]
        rows = Assignment.objects.filter(role=self.role, start_date__lte=days[-1]).exclude(end_date__lt=days[0])
        spans = list(rows.values_list("start_date", "end_date"))
        gaps = [
            Gap(self.key, role=self.role, day=day)
            for day in days
            if not any(start <= day and (end is None or end >= day) for start, end in spans)
        ]
        return RuleResult(gaps=gaps, count=len(gaps))


@dataclass(frozen=True)
class StudentRule:
    """Every student of `population` (a function day → Student queryset; on campus by
    default) needs an active holder of `role` for them."""

    key: str
    label: Any
    role: str
    population: Callable[[date], QuerySet] | None = None
    order: int = 1000
    shape: str = "student"

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def evaluate(self, ctx: CoverageContext) -> RuleResult:
        students = students_without(
            self.role, day=ctx.day, at=ctx.at, population=self.population, scope=ctx.scope, campus=ctx.campus, college=ctx.college
        )
        return RuleResult(
            count=students.count(), students=students.select_related("klass", "bed").order_by("klass__path", "student_number")
        )


# -- the registry --------------------------------------------------------------------------------

_rules: dict[str, Any] = {}


def register_coverage_rule(rule) -> None:
    """Add a coverage rule (call in AppConfig.ready); a second rule with the same key replaces
    the first."""
    _rules[rule.key] = rule


def unregister_coverage_rule(key: str) -> None:
    """For tests that register a rule of their own."""
    _rules.pop(key, None)


def coverage_rules() -> list:
    return sorted(_rules.values(), key=lambda rule: (rule.order, rule.key))


def coverage_rule(key: str):
    return _rules.get(key)


U, PL = "unit", "place"
ORG_RULES = (
    NodeRule(GapKind.CLASS_TEACHER, _("Classes without a class teacher (班主任)"), AssignmentRole.CLASS_TEACHER, U, ("class",), order=10),
    # A counselor may be assigned to the class, its grade or its major.
    NodeRule(
        GapKind.CLASS_COUNSELOR, _("Classes without a counselor (辅导员)"), AssignmentRole.COUNSELOR, U, ("class",), ancestors=2, order=20
    ),
    NodeRule(GapKind.MAJOR_RESPONSIBLE, _("Majors without a person responsible"), AssignmentRole.RESPONSIBLE, U, ("major",), order=30),
    NodeRule(GapKind.GRADE_RESPONSIBLE, _("Grades without a person responsible"), AssignmentRole.RESPONSIBLE, U, ("grade",), order=40),
    NodeRule(
        GapKind.COLLEGE_LEADER, _("Colleges without a responsible leader (包抓领导)"), AssignmentRole.LEADER, U, ("college",), order=50
    ),
    NodeRule(
        GapKind.CAMPUS_LEADER, _("Campuses without a responsible leader (包抓领导)"), AssignmentRole.LEADER, PL, ("campus",), order=60
    ),
    NodeRule(
        GapKind.BUILDING_MANAGER,
        _("Dormitory buildings without a building manager"),
        AssignmentRole.BUILDING_MANAGER,
        PL,
        ("building",),
        uses=("dorm",),
        order=70,
    ),
    NodeRule(GapKind.LAB_SAFETY, _("Labs without a safety owner"), AssignmentRole.LAB_SAFETY, PL, ("room",), uses=("lab",), order=80),
    StudentRule(GapKind.ONE_TO_ONE, _("Students on campus without a one-to-one staff member"), AssignmentRole.ONE_TO_ONE, order=1000),
)


def register_org_rules() -> None:
    for rule in ORG_RULES:
        register_coverage_rule(rule)


# -- the report ------------------------------------------------------------------------------


@dataclass
class Section:
    rule: Any
    result: RuleResult

    @property
    def key(self) -> str:
        return self.rule.key

    @property
    def label(self):
        return self.rule.label

    @property
    def shape(self) -> str:
        return getattr(self.rule, "shape", "node")

    @property
    def gaps(self) -> list[Gap]:
        return self.result.gaps

    @property
    def count(self) -> int:
        return self.result.count


@dataclass
class CoverageReport:
    day: date
    at: datetime | None = None
    results: dict[str, Section] = field(default_factory=dict)
    spatial_included: bool = True

    @property
    def gaps(self) -> dict[str, list[Gap]]:
        """The node gaps by rule key (rules with none left out)."""
        return {key: s.gaps for key, s in self.results.items() if s.gaps and s.shape == "node"}

    @property
    def counts(self) -> dict[str, int]:
        return {key: s.count for key, s in self.results.items()}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def sections(self, shape: str | None = None) -> list[Section]:
        """The rules' sections in display order (only one shape if given)."""
        return [s for s in self.results.values() if shape is None or s.shape == shape]

    @property
    def students(self) -> QuerySet | None:
        """The students without a one-to-one staff member (org's student rule)."""
        section = self.results.get(GapKind.ONE_TO_ONE)
        return section.result.students if section else None

    @property
    def student_count(self) -> int:
        section = self.results.get(GapKind.ONE_TO_ONE)
        return section.count if section else 0


def coverage_report(
    *, day: date | None = None, at: datetime | None = None, scope: Scope, campus: Place | None = None, college: Unit | None = None
) -> CoverageReport:
    """Every registered rule's gaps on `day`, or at the moment `at` (time-bound assignments
    count only inside their window), within `scope` and the filters."""
    if at is not None:
        day = timezone.localdate(at)
    elif day is None:
        day = timezone.localdate()
    rules = coverage_rules()
    ctx = CoverageContext(day=day, at=at, scope=scope, campus=campus, college=college, rules=rules)
    report = CoverageReport(day=day, at=at, spatial_included=ctx.spatial_included)
    for rule in rules:
        report.results[rule.key] = Section(rule, rule.evaluate(ctx))
    return report

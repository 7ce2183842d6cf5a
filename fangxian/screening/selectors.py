"""Reads of the screening app, scoped to the user (Model.objects.visible_to).

Public for other apps (the dashboard): `current_round_figures(user, day)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangxian.org.models import Place, Staff, Student, Unit

from .models import FLAGGED, Member, Result, Round, Sample, Slot, Tube

MISSING_PAGE = 300  # missing people listed on the coverage page (the export lists all)


def visible_rounds(user) -> QuerySet[Round]:
    return Round.objects.visible_to(user)


def visible_members(user, round: Round) -> QuerySet[Member]:
    return Member.objects.visible_to(user).filter(round=round)


@dataclass
class Group:
    key: int | None
    name: str
    expected: int
    sampled: int

    @property
    def missing(self) -> int:
        return self.expected - self.sampled

    @property
    def percent(self) -> int:
        return round(100 * self.sampled / self.expected) if self.expected else 100


@dataclass
class Coverage:
    expected: int = 0
    sampled: int = 0
    by_unit: list[Group] = field(default_factory=list)
    by_class: list[Group] = field(default_factory=list)
    by_building: list[Group] = field(default_factory=list)
    missing: list[Member] = field(default_factory=list)
    flagged_tubes: int = 0

    @property
    def missing_count(self) -> int:
        return self.expected - self.sampled

    @property
    def percent(self) -> int:
        return round(100 * self.sampled / self.expected) if self.expected else 100


def coverage(user, round: Round, *, missing_limit: int | None = MISSING_PAGE) -> Coverage:
    """Expected / sampled / missing of a round in the user's scope, per unit, class and dorm
    building, with the missing people by name (a fixed number of queries)."""
    members = visible_members(user, round)
    by_unit_rows = list(members.order_by().values("unit_id").annotate(expected=Count("id"), sampled=Count("sampled_at")))
    unit_ids = {row["unit_id"] for row in by_unit_rows}
    class_rows = list(
        members.filter(klass__isnull=False).order_by().values("klass_id").annotate(expected=Count("id"), sampled=Count("sampled_at"))
    )
    building_rows = list(
        members.filter(building__isnull=False).order_by().values("building_id").annotate(expected=Count("id"), sampled=Count("sampled_at"))
    )
    unit_names = dict(Unit.objects.filter(pk__in=unit_ids | {row["klass_id"] for row in class_rows}).values_list("pk", "name"))
    place_names = dict(Place.objects.filter(pk__in={row["building_id"] for row in building_rows}).values_list("pk", "name"))

    def groups(rows, key, names):
        out = [Group(row[key], names.get(row[key], "—"), row["expected"], row["sampled"]) for row in rows]
        out.sort(key=lambda g: (-g.missing, g.name, g.key or 0))
        return out

    result = Coverage(
        expected=sum(row["expected"] for row in by_unit_rows),
        sampled=sum(row["sampled"] for row in by_unit_rows),
        by_unit=groups(by_unit_rows, "unit_id", unit_names),
        by_class=groups(class_rows, "klass_id", unit_names),
        by_building=groups(building_rows, "building_id", place_names),
    )
    missing = members.missing().select_related("student", "staff", "slot__place").order_by("unit_id", "klass_id", "building_id", "id")
    if missing_limit is not None:
        missing = missing[:missing_limit]
    result.missing = list(missing)
    for member in result.missing:
        member.unit_name = unit_names.get(member.unit_id, "—")
        member.klass_name = unit_names.get(member.klass_id, "") if member.klass_id else ""
    result.flagged_tubes = visible_tubes(user).filter(round=round, result__in=FLAGGED).count()
    return result


def visible_tubes(user) -> QuerySet[Tube]:
    return Tube.objects.visible_to(user)


def flagged_tubes(user, round: Round) -> QuerySet[Tube]:
    return visible_tubes(user).filter(round=round, result__in=FLAGGED).select_related("place").order_by("number")


def tube_members(user, tube: Tube) -> list[Sample]:
    """Everyone in a tube the user may see, in sampling order."""
    return list(
        Sample.objects.visible_to(user)
        .filter(tube=tube)
        .select_related("member__student__klass", "member__staff__unit")
        .order_by("sampled_at", "id")
    )


def person_of(user):
    """(student, staff) behind an account (either may be None)."""
    if not user.is_authenticated:
        return None, None
    return Student.objects.filter(user=user).first(), Staff.objects.filter(user=user).first()


def my_members(user) -> QuerySet[Member]:
    """The rounds this person is in (their own rows), newest first."""
    student, staff = person_of(user)
    condition = Q(pk__in=[])
    if student:
        condition |= Q(student=student)
    if staff:
        condition |= Q(staff=staff)
    return Member.objects.filter(condition).select_related("round", "slot__place", "sample__tube").order_by("-round__day", "-round_id")


def my_next(user, today: date | None = None) -> Member | None:
    """The person's slot in the round of today or the next one."""
    today = today or timezone.localdate()
    return my_members(user).filter(round__day__gte=today).order_by("round__day", "round_id").first()


def history(user, *, student: Student | None = None, staff: Staff | None = None) -> list[Member]:
    """A person's rounds (in the user's scope): sampled when, in which tube, with which result."""
    members = Member.objects.visible_to(user)
    members = members.filter(student=student) if student else members.filter(staff=staff)
    return list(members.select_related("round", "slot__place", "sample__tube").order_by("-round__day", "-round_id"))


def result_of(member: Member) -> str:
    sample = getattr(member, "sample", None) if member.sampled_at else None
    return sample.get_result_display() if sample else ""


def current_round(user, day: date | None = None) -> Round | None:
    """The round of `day` the user sees (the latest started), else the most recent one before."""
    day = day or timezone.localdate()
    rounds = visible_rounds(user)
    return rounds.filter(day=day).order_by("-starts_at", "-id").first() or rounds.filter(day__lt=day).order_by("-day", "-id").first()


def current_round_figures(user, day: date | None = None) -> dict | None:
    """{round, expected, sampled, flagged} of the current round in the user's scope (three queries)."""
    round = current_round(user, day)
    if round is None:
        return None
    members = visible_members(user, round).order_by()
    counts = members.aggregate(expected=Count("id"), sampled=Count("sampled_at"))
    flagged = visible_tubes(user).filter(round=round, result__in=FLAGGED).count()
    return {"round": round, "expected": counts["expected"], "sampled": counts["sampled"], "flagged": flagged}


def sampler_rounds(places: list[Place], at=None) -> list[Round]:
    """Rounds open now with a site at one of these places (or inside them)."""
    at = at or timezone.now()
    if not places:
        return []
    inside = Place.objects.under_any([p.path for p in places])
    slots = Slot.objects.filter(place__in=inside, round__starts_at__lte=at, round__ends_at__gte=at)
    return list(Round.objects.filter(pk__in=slots.values("round_id")).order_by("starts_at", "id"))


def sampler_sites(round: Round, places: list[Place]) -> list[Place]:
    paths = [p.path for p in places]
    sites = Place.objects.filter(pk__in=round.slots.values("place_id")).order_by("path")
    return [site for site in sites if any(site.path.startswith(path) for path in paths)]


def open_tubes(user, round: Round, place: Place) -> list[Tube]:
    """This sampler's tubes at this site that still take samples."""
    return list(Tube.objects.filter(round=round, place=place, sampler=user, result=Result.PENDING).order_by("-opened_at", "-id")[:5])


def missed_rounds_by_unit(since: date, until: date, min_missed: int = 2) -> list[tuple[int, int, int]]:
    """(unit id, people missed in `min_missed`+ rounds, rounds) for the supervision rule:
    people of a unit missing from several finished rounds between the dates."""
    rows = (
        Member.objects.filter(round__day__gte=since, round__day__lte=until, round__ends_at__lt=timezone.now(), sampled_at__isnull=True)
        .order_by()
        .values("unit_id", "student_id", "staff_id")
        .annotate(n=Count("id"))
        .filter(n__gte=min_missed)
    )
    per_unit: dict[int, list[int]] = {}
    for row in rows:
        per_unit.setdefault(row["unit_id"], []).append(row["n"])
    return sorted((unit, len(ns), max(ns)) for unit, ns in per_unit.items())

"""Reads of hazard inspections, already scoped to the user (the dashboard reads these too)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from fangxian.org.models import Place, Staff
from fangxian.org.scope import scope_of

from . import access
from .models import LEVEL_ORDER, Answer, Campaign, CampaignPlace, Finding, Inspection, Level


def staff_of(user) -> Staff | None:
    sid = scope_of(user).staff_id
    return Staff.objects.filter(pk=sid).first() if sid else None


def campaigns(user):
    return Campaign.objects.visible_to(user).order_by("-starts_on", "-pk")


def findings(user):
    return Finding.objects.visible_to(user)


def open_campaigns(user, day=None):
    day = day or timezone.localdate()
    return campaigns(user).filter(closed_at__isnull=True, starts_on__lte=day, ends_on__gte=day)


def my_places_to_inspect(user):
    """Places of open campaigns the user is the inspector of, not yet submitted."""
    sid = scope_of(user).staff_id
    if not sid:
        return CampaignPlace.objects.none()
    today = timezone.localdate()
    return (
        CampaignPlace.objects.filter(
            inspector_id=sid, campaign__closed_at__isnull=True, campaign__starts_on__lte=today, campaign__ends_on__gte=today
        )
        .exclude(inspection__status=Inspection.Status.SUBMITTED)
        .select_related("place", "campaign", "inspection")
        .order_by("campaign__ends_on", "place__path")
    )


def my_findings_to_rectify(user):
    sid = scope_of(user).staff_id
    if not sid:
        return Finding.objects.none()
    return Finding.objects.filter(owner_id=sid, status=Finding.Status.OPEN).select_related("place").order_by("due_at", "pk")


def my_findings_to_verify(user):
    sid = scope_of(user).staff_id
    if not sid:
        return Finding.objects.none()
    return (
        Finding.objects.filter(inspection__inspector_id=sid, status=Finding.Status.REPORTED)
        .select_related("place")
        .order_by("due_at", "pk")
    )


def my_work_counts(user) -> dict[str, int] | None:
    """The user's own work for the home page in one query (None without a staff record)."""
    sid = scope_of(user).staff_id
    if not sid:
        return None
    today = timezone.localdate()

    def counted(qs, field):
        return Coalesce(Subquery(qs.order_by().values(field).annotate(n=Count("pk")).values("n")[:1]), 0)

    places = CampaignPlace.objects.filter(
        inspector_id=sid, campaign__closed_at__isnull=True, campaign__starts_on__lte=today, campaign__ends_on__gte=today
    ).exclude(inspection__status=Inspection.Status.SUBMITTED)
    row = (
        Staff.objects.filter(pk=sid)
        .annotate(
            inspect=counted(places, "inspector_id"),
            rectify=counted(Finding.objects.filter(owner_id=sid, status=Finding.Status.OPEN), "owner_id"),
            verify=counted(
                Finding.objects.filter(inspection__inspector_id=sid, status=Finding.Status.REPORTED), "inspection__inspector_id"
            ),
        )
        .values("inspect", "rectify", "verify")
        .first()
    )
    return row or {"inspect": 0, "rectify": 0, "verify": 0}


def open_figures(user, *, campus=None, now=None) -> dict[str, int]:
    """Unresolved hazards by level and the overdue ones, in one query."""
    now = now or timezone.now()
    qs = findings(user).unresolved()
    if campus is not None:
        qs = qs.filter(campus=campus)
    return qs.aggregate(
        major=Count("pk", filter=Q(level=Level.MAJOR)),
        larger=Count("pk", filter=Q(level=Level.LARGER)),
        general=Count("pk", filter=Q(level=Level.GENERAL)),
        overdue=Count("pk", filter=Q(status=Finding.Status.OPEN, due_at__lt=now)),
    )


def open_by_level(user, *, campus=None) -> dict[str, int]:
    qs = findings(user).unresolved()
    if campus is not None:
        qs = qs.filter(campus=campus)
    counts = dict(qs.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    return {level: counts.get(level, 0) for level in (Level.MAJOR, Level.LARGER, Level.GENERAL)}


def overdue_count(user, *, campus=None, now=None) -> int:
    qs = findings(user).overdue(now)
    if campus is not None:
        qs = qs.filter(campus=campus)
    return qs.count()


def not_inspected_count(user, *, campus=None, day=None) -> int:
    """Places of open campaigns without a submitted inspection."""
    day = day or timezone.localdate()
    qs = CampaignPlace.objects.visible_to(user).filter(
        campaign__closed_at__isnull=True, campaign__starts_on__lte=day, campaign__ends_on__gte=day
    )
    if campus is not None:
        qs = qs.filter(campus=campus)
    return qs.exclude(inspection__status=Inspection.Status.SUBMITTED).count()


# -- a campaign's coverage and progress -----------------------------------------------------------


@dataclass
class Tally:
    name: str
    planned: int = 0
    inspected: int = 0
    draft: int = 0
    open_findings: int = 0
    overdue: int = 0

    @property
    def not_inspected(self) -> int:
        return self.planned - self.inspected

    @property
    def percent(self) -> int:
        return round(100 * self.inspected / self.planned) if self.planned else 0


@dataclass
class PlaceRow:
    """One place of a campaign as the coverage shows it (plain values: 2,000 places cost
    one query and no model instances)."""

    pk: int
    place_id: int
    place_name: str
    campus_name: str | None
    inspector_id: int | None
    inspector_name: str | None
    inspector_by_hand: bool
    owner_name: str | None
    unit_name: str | None
    version_id: int
    inspection_id: int | None
    status: str | None
    submitted_at: object
    state: str = "none"
    answered: int = 0
    item_count: int = 0
    open_findings: int = 0
    overdue: int = 0


@dataclass
class Coverage:
    campaign: Campaign
    rows: list[PlaceRow]
    total: Tally
    by_unit: list[Tally]
    by_campus: list[Tally]
    matrix: list[tuple[str, str, dict[str, int], int]]  # level value, label, {status: n}, total
    overdue: list[Finding]
    statuses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def not_inspected(self) -> list[PlaceRow]:
        return [row for row in self.rows if row.state != "submitted"]


def campaign_coverage(user, campaign: Campaign, *, now=None) -> Coverage:
    """Planned / inspected / not inspected (with the inspector), per unit and campus;
    findings by level and status; the overdue ones with their owners. A fixed handful of
    queries whatever the number of places and answers."""
    now = now or timezone.now()
    rows = [
        PlaceRow(*values)
        for values in CampaignPlace.objects.visible_to(user)
        .filter(campaign=campaign)
        .order_by("place__path", "pk")
        .values_list(
            "pk",
            "place_id",
            "place__name",
            "campus__name",
            "inspector_id",
            "inspector__name",
            "inspector_by_hand",
            "owner__name",
            "unit__name",
            "version_id",
            "inspection__pk",
            "inspection__status",
            "inspection__submitted_at",
        )
    ]
    answered = dict(
        Answer.objects.filter(inspection__campaign_place__campaign=campaign)
        .exclude(result="")
        .values_list("inspection_id")
        .annotate(n=Count("pk"))
        .values_list("inspection_id", "n")
    )
    item_counts = dict(
        CampaignPlace.objects.filter(campaign=campaign)
        .values_list("version_id")
        .annotate(n=Count("version__items", distinct=True))
        .values_list("version_id", "n")
    )
    visible_findings = (
        Finding.objects.visible_to(user).filter(campaign=campaign).values_list("inspection__campaign_place_id", "level", "status", "due_at")
    )
    per_place_open: Counter = Counter()
    per_place_overdue: Counter = Counter()
    matrix_counts: dict[str, Counter] = defaultdict(Counter)
    for cp_id, level, status, due_at in visible_findings:
        matrix_counts[level][status] += 1
        if status != Finding.Status.CLOSED:
            per_place_open[cp_id] += 1
        if status == Finding.Status.OPEN and due_at < now:
            per_place_overdue[cp_id] += 1
    total = Tally(campaign.name)
    units: dict[object, Tally] = {}
    campuses: dict[object, Tally] = {}
    for row in rows:
        row.state = row.status or "none"
        row.answered = answered.get(row.inspection_id, 0) if row.inspection_id else 0
        row.item_count = item_counts.get(row.version_id, 0)
        row.open_findings = per_place_open.get(row.pk, 0)
        row.overdue = per_place_overdue.get(row.pk, 0)
        unit_key = row.unit_name or "—"
        campus_key = row.campus_name or "—"
        for tally in (total, units.setdefault(unit_key, Tally(unit_key)), campuses.setdefault(campus_key, Tally(campus_key))):
            tally.planned += 1
            tally.inspected += row.state == Inspection.Status.SUBMITTED
            tally.draft += row.state == Inspection.Status.DRAFT
            tally.open_findings += row.open_findings
            tally.overdue += row.overdue
    matrix = []
    statuses = list(Finding.Status.choices)
    for level in sorted(Level.values, key=lambda value: LEVEL_ORDER[value]):
        counts = {status: matrix_counts[level].get(status, 0) for status, _label in statuses}
        matrix.append((level, Level(level).label, counts, sum(counts.values())))
    overdue = list(
        Finding.objects.visible_to(user)
        .filter(campaign=campaign)
        .overdue(now)
        .select_related("place", "owner", "unit")
        .order_by("due_at", "pk")[:200]
    )
    return Coverage(
        campaign=campaign,
        rows=rows,
        total=total,
        by_unit=sorted(units.values(), key=lambda t: (t.name == "—", t.name)),
        by_campus=sorted(campuses.values(), key=lambda t: (t.name == "—", t.name)),
        matrix=matrix,
        overdue=overdue,
        statuses=statuses,
    )


# -- labs not inspected lately, a place's history ----------------------------------------------------


def visible_places(user):
    """Places for hazard pages: every place for those who see all hazard data, else the org scope."""
    if access.sees_everything(user):
        return Place.objects.all()
    return Place.objects.visible_to(user)


def stale_labs(user, days: int = 90, *, now=None):
    """Labs whose last submitted inspection is older than `days` days, or that were never
    inspected (last_inspected None), the longest-forgotten first."""
    now = now or timezone.now()
    last = (
        Inspection.objects.filter(status=Inspection.Status.SUBMITTED, campaign_place__place_id=OuterRef("pk"))
        .order_by()
        .values("campaign_place__place_id")
        .annotate(last=Max("submitted_at"))
        .values("last")
    )
    since = now - timedelta(days=days)
    return (
        visible_places(user)
        .active()
        .filter(kind=Place.Kind.ROOM, use=Place.Use.LAB)
        .annotate(last_inspected=Subquery(last[:1]))
        .filter(Q(last_inspected__isnull=True) | Q(last_inspected__lt=since))
        .select_related("parent", "parent__parent")
        .order_by(models_nulls_first("last_inspected"), "path")
    )


def models_nulls_first(field_name: str):
    from django.db.models import F

    return F(field_name).asc(nulls_first=True)


def place_history(user, place: Place):
    inspections = (
        Inspection.objects.visible_to(user)
        .filter(campaign_place__place=place)
        .select_related("campaign_place__campaign", "inspector")
        .order_by("-started_at", "-pk")
    )
    found = findings(user).filter(place=place).select_related("owner", "campaign").order_by("-created_at", "-pk")
    return inspections, found

"""Dorm moves (学生公寓调整): consolidate the staying students of a campus into fewer
buildings.

The suggestion works per gender. It keeps the buildings that already hold the most
staying students of that gender, adding buildings until their beds suffice, and moves
everyone else into them: roommates as a group into one room when a room has the beds,
else next to students of their own class. It never puts a student into a building or
room of the other gender, and never into a bed a staying student keeps. The office then
edits single moves and executes the plan; every move becomes bed history.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org.models import Place

from .models import LIVE_STATUSES, LedgerEntry, MoveItem, MovePlan, StayPeriod
from .services import _relocate, bed_label


@dataclass
class _Room:
    pk: int
    building: int
    gender: str
    beds: list[int]
    free: list[int] = field(default_factory=list)
    classes: Counter = field(default_factory=Counter)
    occupant_gender: str = ""


def _campus_rooms(campus: Place) -> tuple[dict[int, _Room], dict[int, Place]]:
    buildings = {
        b.pk: b for b in Place.objects.filter(kind=Place.Kind.BUILDING, parent=campus, use=Place.Use.DORM, archived_at__isnull=True)
    }
    rooms: dict[int, _Room] = {}
    for room in Place.objects.filter(kind=Place.Kind.ROOM, parent_id__in=buildings, archived_at__isnull=True):
        rooms[room.pk] = _Room(room.pk, room.parent_id, room.gender or buildings[room.parent_id].gender, [])
    for bed_id, room_id in (
        Place.objects.filter(kind=Place.Kind.BED, parent_id__in=rooms, archived_at__isnull=True)
        .values_list("pk", "parent_id")
        .order_by("path")
    ):
        rooms[room_id].beds.append(bed_id)
    return rooms, buildings


def live_entries(period: StayPeriod, campus: Place):
    return LedgerEntry.objects.filter(period=period, campus=campus, status__in=LIVE_STATUSES).select_related("student", "bed")


@transaction.atomic
def plan_suggest(*, period: StayPeriod, campus: Place, move_date: date, by, name: str = "") -> MovePlan:
    rooms, buildings = _campus_rooms(campus)
    entries = list(live_entries(period, campus))
    bed_room = {bed: room.pk for room in rooms.values() for bed in room.beds}
    occupied = {e.bed_id for e in entries}
    for room in rooms.values():
        room.free = [b for b in room.beds if b not in occupied]
    for e in entries:
        room = rooms.get(bed_room.get(e.bed_id))
        if room is not None:
            room.classes[e.student.klass_id] += 1
            room.occupant_gender = e.student.gender
    used_before = {e.building_id for e in entries}
    moves: list[tuple[LedgerEntry, int]] = []
    unplaced: list[LedgerEntry] = []
    kept_all: set[int] = set()
    for gender in sorted({e.student.gender for e in entries}):
        mine = [e for e in entries if e.student.gender == gender]
        per_building = Counter(e.building_id for e in mine)

        def fits(room: _Room, gender=gender) -> bool:
            return room.gender in ("", gender) and room.occupant_gender in ("", gender)

        capacity = {b: sum(len(r.free) for r in rooms.values() if r.building == b and fits(r)) + per_building.get(b, 0) for b in buildings}
        candidates = sorted(
            (b for b in buildings if buildings[b].gender in ("", gender) and capacity[b]),
            key=lambda b: (-per_building.get(b, 0), -capacity[b], buildings[b].name),
        )
        kept: list[int] = []
        total = 0
        for b in candidates:
            if total >= len(mine):
                break
            kept.append(b)
            total += capacity[b]
        kept_all.update(kept)
        movers = [e for e in mine if e.building_id not in kept]
        groups: dict[int, list[LedgerEntry]] = defaultdict(list)
        for e in movers:
            groups[bed_room.get(e.bed_id, -e.pk)].append(e)
        # Biggest groups first: they are the hardest to keep together.
        for group in sorted(groups.values(), key=lambda g: (-len(g), g[0].student.klass_id)):
            targets = [r for r in rooms.values() if r.building in kept and fits(r) and r.free]
            klass = Counter(e.student.klass_id for e in group).most_common(1)[0][0]
            whole = [r for r in targets if len(r.free) >= len(group)]
            if whole:
                room = max(whole, key=lambda r: (r.classes[klass], -len(r.free) + len(group) == 0, -len(r.free), -r.pk))
                for e in group:
                    _place(e, room, gender, moves)
                continue
            for e in group:
                targets = [r for r in rooms.values() if r.building in kept and fits(r) and r.free]
                if not targets:
                    unplaced.append(e)
                    continue
                room = max(targets, key=lambda r: (r.classes[e.student.klass_id], len(r.beds) - len(r.free), -r.pk))
                _place(e, room, gender, moves)
    moved = {e.pk for e, _bed in moves}
    after = {e.building_id for e in entries if e.pk not in moved} | {rooms[bed_room[bed]].building for _e, bed in moves}
    plan = MovePlan.objects.create(
        period=period,
        campus=campus,
        name=name or _("Consolidation of %(campus)s on %(day)s") % {"campus": campus.name, "day": move_date},
        move_date=move_date,
        created_by=by,
        summary={
            "students": len(entries),
            "buildings_before": len(used_before),
            "buildings_after": len(after),
            "kept": [buildings[b].name for b in sorted(kept_all, key=lambda b: buildings[b].name)],
            "unplaced": [e.student.name for e in unplaced],
        },
    )
    MoveItem.objects.bulk_create([MoveItem(plan=plan, entry=e, from_bed_id=e.bed_id, to_bed_id=bed) for e, bed in moves])
    return plan


def _place(entry: LedgerEntry, room: _Room, gender: str, moves: list) -> None:
    bed = room.free.pop(0)
    room.classes[entry.student.klass_id] += 1
    room.occupant_gender = gender
    moves.append((entry, bed))


def _target_problem(plan: MovePlan, item: MoveItem, to_bed: Place) -> str | None:
    from .services import bed_gender

    if to_bed.kind != Place.Kind.BED or not to_bed.path.startswith(plan.campus.path) or to_bed.is_archived:
        return _("Choose a bed on %(campus)s.") % {"campus": plan.campus.name}
    gender = bed_gender(to_bed)
    if gender and gender != item.entry.student.gender:
        return _("%(bed)s is in a dormitory for the other gender.") % {"bed": bed_label(to_bed)}
    if plan.items.filter(to_bed=to_bed).exclude(pk=item.pk).exists():
        return _("Another move of this plan already goes to %(bed)s.") % {"bed": bed_label(to_bed)}
    moving_away = plan.items.exclude(pk=item.pk).values("entry_id")
    keeper = LedgerEntry.objects.filter(bed=to_bed, status__in=LIVE_STATUSES).exclude(pk=item.entry_id).exclude(pk__in=moving_away)
    if keeper.exists():
        return _("%(bed)s is kept by another staying student.") % {"bed": bed_label(to_bed)}
    return None


@transaction.atomic
def move_item_update(*, item: MoveItem, to_bed: Place, note: str = "") -> MoveItem:
    plan = item.plan
    if plan.state != MovePlan.State.DRAFT:
        raise ValidationError(_("An executed plan cannot be changed."))
    problem = _target_problem(plan, item, to_bed)
    if problem:
        raise ValidationError({"to_bed": problem})
    item.to_bed, item.note = to_bed, note
    item.save(update_fields=["to_bed", "note"])
    return item


@transaction.atomic
def move_item_delete(*, item: MoveItem) -> None:
    if item.plan.state != MovePlan.State.DRAFT:
        raise ValidationError(_("An executed plan cannot be changed."))
    item.delete()


@transaction.atomic
def plan_execute(*, plan: MovePlan, by) -> MovePlan:
    """Move everyone of the plan on its move date, or nobody: each student must still be in
    the bed the plan moves them from, and every target must still be free."""
    plan = MovePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != MovePlan.State.DRAFT:
        raise ValidationError(_("This plan has already been executed."))
    items = list(plan.items.select_related("entry__student", "to_bed__parent__parent", "from_bed"))
    problems = []
    for item in items:
        if item.entry.bed_id != item.from_bed_id or item.entry.status not in LIVE_STATUSES:
            problems.append(
                _("%(student)s is no longer in %(bed)s.") % {"student": item.entry.student.name, "bed": bed_label(item.from_bed)}
            )
            continue
        problem = _target_problem(plan, item, item.to_bed)
        if problem:
            problems.append(f"{item.entry.student.name}: {problem}")
    if problems:
        raise ValidationError(problems)
    for item in items:
        _relocate(item.entry, bed=item.to_bed, on=plan.move_date, by=by, plan=plan, note=_("Dorm move: %(plan)s") % {"plan": plan.name})
    plan.state, plan.executed_by, plan.executed_at = MovePlan.State.EXECUTED, by, timezone.now()
    plan.save(update_fields=["state", "executed_by", "executed_at"])
    return plan


def plan_sheets(plan: MovePlan) -> list[dict]:
    """The moves grouped by the building students move into, for the printed lists."""
    items = plan.items.select_related("entry__student__klass", "from_bed__parent__parent", "to_bed__parent__parent").order_by(
        "to_bed__path"
    )
    sheets: dict[int, dict] = {}
    for item in items:
        building = item.to_bed.parent.parent
        sheet = sheets.setdefault(building.pk, {"building": building, "items": []})
        sheet["items"].append(item)
    return sorted(sheets.values(), key=lambda s: s["building"].name)

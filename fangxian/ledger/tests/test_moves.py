"""Dorm moves: the suggestion consolidates by gender and capacity, keeps roommates
together; executing changes beds and keeps the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.ledger import moves, services
from fangxian.ledger.models import BedSpell, LedgerEntry, MovePlan
from fangxian.org.models import Place
from fangxian.org.testing import PlaceFactory

pytestmark = pytest.mark.django_db


def _building(uni, name, gender, rooms=2, beds=4):
    building = PlaceFactory(kind="building", parent=uni.campus, institution=uni.institution, use="dorm", gender=gender, name=name)
    for r in range(rooms):
        room = PlaceFactory(kind="room", parent=building, institution=uni.institution, name=f"{r + 1}01")
        for b in range(beds):
            PlaceFactory(kind="bed", parent=room, institution=uni.institution, name=f"{b + 1}号床")
    return building


def test_suggestion_consolidates_respecting_gender_capacity_and_roommates(ledger):
    uni = ledger.uni
    # 1号公寓 (male, 8 beds) holds 3 staying students; 2 more male stayers sit in a
    # second male building, as roommates; 2 female stayers in a female building, and an
    # empty female building is around.
    for student in uni.students:
        ledger.approved(student)
    males = ledger.add_students(2, gender="M")
    females = ledger.add_students(2, gender="F", klass=uni.other_klass)
    _building(uni, "9号女生公寓", "F")
    for student in males + females:
        ledger.approved(student)
    plan = moves.plan_suggest(period=ledger.period, campus=uni.campus, move_date=timezone.localdate(), by=uni.counselor_user)
    items = list(plan.items.select_related("entry__student", "to_bed__parent__parent"))
    moved = {item.entry.student_id: item for item in items}
    assert set(moved) == {s.pk for s in males}  # the female stayers already fill one building
    targets = {item.to_bed.parent_id for item in items}
    assert len(targets) == 1  # the roommates stay roommates
    assert all(item.to_bed.parent.parent == uni.building for item in items)
    assert plan.summary["buildings_before"] == 3 and plan.summary["buildings_after"] == 2
    # The free bed in room 101 (next to their classmates) or room 102; never a kept bed.
    kept_beds = set(LedgerEntry.objects.exclude(student__in=males).values_list("bed_id", flat=True))
    assert not kept_beds & {item.to_bed_id for item in items}


def test_suggestion_never_crosses_gender_and_reports_who_has_no_bed(ledger):
    uni = ledger.uni
    females = ledger.add_students(3, gender="F", klass=uni.other_klass)
    for student in females:
        ledger.approved(student)
    # The only other female building is small: no move can take all three there, and no
    # female student may go to the male 1号公寓.
    plan = moves.plan_suggest(period=ledger.period, campus=uni.campus, move_date=timezone.localdate(), by=None)
    for item in plan.items.select_related("to_bed__parent__parent"):
        assert item.to_bed.parent.parent.gender == "F"
    assert plan.summary["unplaced"] == []


def test_execute_moves_beds_records_history_and_refuses_a_second_time(ledger):
    uni = ledger.uni
    [mover] = ledger.add_students(1)
    entry = ledger.on_campus(mover)
    for student in uni.students:
        ledger.approved(student)
    plan = moves.plan_suggest(period=ledger.period, campus=uni.campus, move_date=timezone.localdate(), by=uni.counselor_user)
    [item] = plan.items.all()
    assert item.entry == entry and item.to_bed.parent.parent == uni.building
    # The office edits the move to another free bed of the same building.
    other_free = Place.objects.get(pk=uni.other_beds[3].pk)
    moves.move_item_update(item=item, to_bed=other_free)
    # A bed that a staying student keeps is refused.
    with pytest.raises(ValidationError):
        moves.move_item_update(item=item, to_bed=uni.beds[0])
    moves.plan_execute(plan=plan, by=uni.counselor_user)
    entry.refresh_from_db()
    assert entry.bed == other_free and entry.building == uni.building
    history = list(BedSpell.objects.filter(entry=entry).order_by("id").values_list("bed_id", "plan_id"))
    assert history == [(mover.bed_id, None), (other_free.pk, plan.pk)]
    assert MovePlan.objects.get(pk=plan.pk).state == MovePlan.State.EXECUTED
    with pytest.raises(ValidationError):
        moves.plan_execute(plan=plan, by=uni.counselor_user)


def test_execute_is_all_or_nothing_when_a_target_was_taken_meanwhile(ledger):
    uni = ledger.uni
    movers = ledger.add_students(2)
    for student in movers:
        ledger.approved(student)
    stayers = [ledger.approved(student) for student in uni.students]
    plan = moves.plan_suggest(period=ledger.period, campus=uni.campus, move_date=timezone.localdate() + timedelta(days=1), by=None)
    items = list(plan.items.all())
    assert len(items) == 2
    # Someone moves a staying student into one of the target beds by hand before the plan runs.
    services._relocate(stayers[0], bed=items[0].to_bed, on=timezone.localdate(), by=None)
    with pytest.raises(ValidationError):
        moves.plan_execute(plan=plan, by=None)
    assert set(LedgerEntry.objects.filter(student__in=movers).values_list("bed_id", flat=True)) == {s.bed_id for s in movers}


def test_print_sheets_group_moves_by_target_building(ledger):
    uni = ledger.uni
    movers = ledger.add_students(2)
    for student in [*movers, *uni.students]:
        ledger.approved(student)
    plan = moves.plan_suggest(period=ledger.period, campus=uni.campus, move_date=timezone.localdate(), by=None)
    sheets = moves.plan_sheets(plan)
    assert [s["building"] for s in sheets] == [uni.building]
    assert len(sheets[0]["items"]) == 2

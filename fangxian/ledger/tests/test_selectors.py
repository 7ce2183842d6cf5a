"""On-date answers: who was on campus on a past day, by unit and category."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fangxian.ledger import services
from fangxian.ledger.models import Status as S
from fangxian.ledger.selectors import LedgerFilter, headcount, ledger_counts, ledger_spells, on_campus_students

pytestmark = pytest.mark.django_db


def test_past_days_are_answered_from_the_history(ledger, office):
    uni = ledger.uni
    start = ledger.period.start_date
    a, b, c = uni.students
    d = uni.other_students[0]
    entry_a = ledger.on_campus(a, on=start)
    entry_b = ledger.on_campus(b, on=start + timedelta(days=1))
    ledger.approved(c)  # approved, never arrived: not on campus
    ledger.on_campus(d, on=start)
    services.tag_add(student=a, category=ledger.categories["psych"], by=uni.counselor_user, on=start - timedelta(days=30))
    services.tag_add(student=d, category=ledger.categories["psych"], by=uni.counselor_user, on=start + timedelta(days=3))
    # a goes out on day 4 and comes back on day 6; b leaves for good on day 5.
    entry_a = services.entry_change_status(
        entry=entry_a, status=S.OUT, version=entry_a.version, by=uni.counselor_user, on=start + timedelta(days=4)
    )
    services.entry_change_status(
        entry=entry_a, status=S.RETURNED, version=entry_a.version, by=uni.counselor_user, on=start + timedelta(days=6)
    )
    services.entry_change_status(entry=entry_b, status=S.LEFT, version=entry_b.version, by=uni.counselor_user, on=start + timedelta(days=5))

    def names(day):
        return sorted(on_campus_students(day).values_list("pk", flat=True))

    assert names(start - timedelta(days=1)) == []
    assert names(start) == sorted([a.pk, d.pk])
    assert names(start + timedelta(days=2)) == sorted([a.pk, b.pk, d.pk])
    assert names(start + timedelta(days=4)) == sorted([b.pk, d.pk])  # a is out
    assert names(start + timedelta(days=5)) == [d.pk]  # b left on day 5
    assert names(start + timedelta(days=6)) == sorted([a.pk, d.pk])  # a is back

    day = start + timedelta(days=2)
    assert headcount(day=day, unit=uni.college) == {"total": 2, "by_category": {"psych": 1}}
    assert headcount(day=day, unit=uni.klass) == {"total": 2, "by_category": {"psych": 1}}
    assert headcount(day=day, unit=uni.grade)["total"] == 2
    assert headcount(day=day, unit=uni.other_college) == {"total": 1, "by_category": {}}
    assert headcount(day=start + timedelta(days=3), unit=uni.institution) == {"total": 3, "by_category": {"psych": 2}}

    counts = ledger_counts(ledger_spells(office, LedgerFilter(day=day)), day)
    assert counts["on_campus"] == 3 and counts["total"] == 4
    assert dict(counts["by_college"]) == {"医学院": 2, "文学院": 1}
    assert dict(counts["by_category"]) == {"心理关注": 1}


def test_a_dorm_move_keeps_past_days_in_the_old_building(ledger, office):
    uni = ledger.uni
    start = ledger.period.start_date
    entry = ledger.on_campus(uni.students[0], on=start)
    [other] = ledger.add_students(1)
    target = other.bed
    other.bed = None
    other.save()
    services._relocate(entry, bed=target, on=start + timedelta(days=3), by=uni.counselor_user)
    before = ledger_spells(office, LedgerFilter(day=start + timedelta(days=2), building=uni.building.pk))
    after = ledger_spells(office, LedgerFilter(day=start + timedelta(days=3), building=uni.building.pk))
    assert before.count() == 1 and after.count() == 0
    assert headcount(day=start + timedelta(days=3), unit=uni.klass)["total"] == 1


def test_population_rows_by_campus_and_category(ledger):
    from fangxian.ledger.selectors import population_rows

    uni = ledger.uni
    start = ledger.period.start_date
    a, b, c = uni.students
    ledger.on_campus(a, on=start)
    ledger.on_campus(b, on=start)
    ledger.approved(c)  # never arrived
    services.tag_add(student=a, category=ledger.categories["closed"], by=uni.counselor_user, on=start)
    day = start + timedelta(days=1)
    rows = sorted(population_rows(day))
    assert [row[0] for row in rows] == sorted([a.pk, b.pk])
    assert rows[0][3] == uni.campus.pk and rows[0][4] == uni.building.pk
    assert [row[0] for row in population_rows(day, category_code="closed")] == [a.pk]
    assert population_rows(day, campus_id=uni.campus.pk + 999) == []

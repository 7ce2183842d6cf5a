"""The demo's figures agree the way a real university's would: each college's reported
headcount is its ledger's, but for a few planted differences the college explains; gate
traffic happens in the daytime; the 14-day line has the ledger on every day."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangxian.core.demo import loaders
from fangxian.dashboard.models import CampusDay, ClassDay, CollegeDay
from fangxian.dashboard.selectors import daily_series, summary
from fangxian.gates.demo import PLANTED_IN_UNEXPECTED
from fangxian.reports.models import Submission

DEMO_SIZE = 300


def test_demo_reports_ledger_and_scans_agree(db, make_user):
    assert [loader.name for loader in loaders()][-1] == "dashboard"
    for loader in loaders():
        loader.load(size=DEMO_SIZE, seed=20220714)
    office = make_user("office_demo_check", "prevention_office")
    today = timezone.localdate()

    # Yesterday is complete at any hour; today holds only the reports made before now (none
    # before the early birds, around 08:00), so today is checked for what it has.
    days = {}
    for day in (today, today - timedelta(days=1)):
        lines = [line for line in summary(office, day).lines if line.reported is not None]
        assert lines or day == today, f"no college reported on {day}"
        days[day] = {line.name: line.reported - line.ledger for line in lines}
    differences = {(day, name): gap for day, gaps in days.items() for name, gap in gaps.items() if gap}
    # Only the planted differences, each of one student, each explained in the report.
    assert 1 <= len(differences) <= 2 and set(differences.values()) == {1}
    explained = Submission.objects.filter(day__in=list(days), reasons__isnull=False).exclude(reasons={})
    assert explained.count() == len(differences)

    # Gate presence follows the ledger: the scanned students are the ones it expects on
    # campus, apart from the planted boarders back without a stay and the few not back yet.
    rows = ClassDay.objects.filter(day=today)
    ledger, present, not_back, unexpected = (
        sum(getattr(r, f) for r in rows) for f in ("ledger", "present", "out_not_back", "in_unexpected")
    )
    assert unexpected == PLANTED_IN_UNEXPECTED
    assert abs(present - ledger) <= max(3, ledger // 20) and not_back <= max(3, ledger // 20)

    hours = [0] * 24
    for row in CampusDay.objects.filter(day__gte=today - timedelta(days=1)):
        hours = [a + b + c for a, b, c in zip(hours, row.traffic_in, row.traffic_out, strict=True)]
    assert sum(hours) > 0 and sum(hours[0:7]) == 0 and sum(hours[22:24]) == 0

    series = daily_series(office, today)
    assert len(series) == 14 and all(ledger > 0 for _day, ledger, _present in series)
    assert CollegeDay.objects.filter(day=today - timedelta(days=13)).exists()

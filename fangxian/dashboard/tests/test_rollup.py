"""The roll-ups against a computation from scratch over the raw data, and their upkeep."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from fangxian.dashboard import rollup, tasks
from fangxian.dashboard.models import CampusDay, ClassDay, CollegeDay, DirtyDay, StudentDayScan
from fangxian.gates.models import Scan
from fangxian.ledger import selectors as ledger_selectors
from fangxian.ledger.models import Status
from fangxian.ledger.services import entry_change_status


def from_scratch_presence(day, placed: set[int]) -> tuple[set[int], set[int]]:
    """(out and not back, in but not placed) straight from the scans table."""
    start, end = rollup.day_bounds(day)
    last = {}
    scans = Scan.objects.filter(scanned_at__gte=start - timedelta(days=rollup.LOOKBACK_DAYS), scanned_at__lt=end, verdict="allowed")
    for scan in scans.order_by("scanned_at"):
        if scan.subject.startswith("S"):
            last[int(scan.subject[1:])] = scan.direction
    out = {s for s, d in last.items() if d == "out" and s in placed}
    unexpected = {s for s, d in last.items() if d == "in" and s not in placed}
    return out, unexpected


def test_refresh_matches_a_computation_from_scratch(dash):
    uni, today = dash.uni, dash.today
    dash.scan(uni.students[1], "out")  # out and not back
    dash.scan(uni.students[2], "out")
    dash.scan(uni.students[2], "in")  # out and back
    outsider = uni.other_students[1]  # not in the ledger, scanned in
    dash.scan(outsider, "in")
    rollup.refresh_day(today)

    placed = {s for s, *_ in ledger_selectors.on_campus_placements(today)}
    out, unexpected = from_scratch_presence(today, placed)
    assert out == {uni.students[1].pk} and unexpected == {outsider.pk}
    for college in (uni.college, uni.other_college):
        rows = ClassDay.objects.filter(day=today, college_id=college.pk)
        scratch = ledger_selectors.headcount(day=today, unit=college)
        assert sum(r.ledger for r in rows) == scratch["total"]
        by_category = defaultdict(int)
        for r in rows:
            for code, n in r.by_category.items():
                by_category[code] += n
        assert dict(by_category) == scratch["by_category"]
    medicine = ClassDay.objects.get(day=today, college_id=uni.college.pk)
    assert (medicine.ledger, medicine.out_not_back, medicine.present) == (3, 1, 2)
    letters = ClassDay.objects.get(day=today, college_id=uni.other_college.pk)
    assert (letters.ledger, letters.in_unexpected, letters.present) == (1, 1, 2)
    campus = CampusDay.objects.get(day=today, campus_id=uni.campus.pk)
    assert sum(campus.traffic_out) == 2 and sum(campus.traffic_in) == 2 and campus.scans == 4
    assert CollegeDay.objects.filter(day=today, college_id__in=[uni.college.pk, uni.other_college.pk]).count() == 2


def test_refresh_of_a_day_replaces_its_rows_and_rebuild_gives_the_same(dash):
    today = dash.today
    dash.scan(dash.uni.students[1], "out")
    rollup.refresh_day(today)
    rollup.refresh_day(today)
    first = sorted(ClassDay.objects.filter(day=today).values_list("klass_id", "ledger", "present", "out_not_back"))
    assert StudentDayScan.objects.filter(day=today).count() == 1
    call_command("dashboard_rebuild", "--days", "3")
    assert sorted(ClassDay.objects.filter(day=today).values_list("klass_id", "ledger", "present", "out_not_back")) == first
    assert ClassDay.objects.filter(day=today - timedelta(days=2)).exists()


def test_presence_carries_over_from_earlier_days(dash):
    """Scanned out yesterday and not back: still out today, read from the roll-up table."""
    today, student = dash.today, dash.uni.students[1]
    yesterday_noon = timezone.make_aware(timezone.datetime.combine(today - timedelta(days=1), timezone.datetime.min.time())) + timedelta(
        hours=12
    )
    dash.scan(student, "out", at=yesterday_noon)
    rollup.rebuild(today - timedelta(days=1), today)
    assert ClassDay.objects.get(day=today, college_id=dash.uni.college.pk).out_not_back == 1


def test_changes_mark_days_dirty_and_the_periodic_task_refreshes_them(dash):
    today = dash.today
    rollup.refresh_day(today)
    DirtyDay.objects.all().delete()
    entry = dash.uni.students[2].ledger_entries.get()
    entry_change_status(entry=entry, status=Status.OUT, version=entry.version, by=dash.uni.counselor_user, on=today)
    assert DirtyDay.objects.filter(day=today).exists()  # the ledger's change marked its day
    dash.scan(dash.uni.students[1], "out")  # scans are stored without signals: today is refreshed anyway
    assert tasks.refresh_dirty_days.call_local() >= 1
    assert not DirtyDay.objects.exists()
    row = ClassDay.objects.get(day=today, college_id=dash.uni.college.pk)
    assert (row.ledger, row.out_not_back) == (2, 1)


def test_a_scan_of_an_earlier_day_arriving_late_marks_that_day(dash, django_capture_on_commit_callbacks):
    """An offline station syncing the next morning: the gates announce yesterday's scan, the
    dashboard marks yesterday (and the days its presence carries into) and refreshes it."""
    today, student = dash.today, dash.uni.students[1]
    yesterday = today - timedelta(days=1)
    rollup.rebuild(yesterday, today)
    DirtyDay.objects.all().delete()
    noon = timezone.make_aware(timezone.datetime.combine(yesterday, timezone.datetime.min.time())) + timedelta(hours=12)
    with django_capture_on_commit_callbacks(execute=True):  # announced once the scan is committed
        dash.scan(student, "out", at=noon)
    assert sorted(DirtyDay.objects.values_list("day", flat=True)) == [yesterday, today]
    assert ClassDay.objects.get(day=yesterday, college_id=dash.uni.college.pk).out_not_back == 0  # not refreshed yet
    tasks.refresh_dirty_days.call_local()
    assert ClassDay.objects.get(day=yesterday, college_id=dash.uni.college.pk).out_not_back == 1
    DirtyDay.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        dash.scan(student, "in")  # today's scans announce nothing: today is refreshed every minute anyway
    assert not DirtyDay.objects.exists()


def test_a_day_marked_again_during_its_refresh_stays_dirty(dash):
    today = dash.today
    rollup.mark_dirty(today)
    original = rollup.refresh_day

    def refresh_and_mark(day):
        original(day)
        rollup.mark_dirty(day)  # a scan arriving meanwhile

    rollup.refresh_day = refresh_and_mark
    try:
        rollup.refresh_dirty()
    finally:
        rollup.refresh_day = original
    assert DirtyDay.objects.filter(day=today).exists()

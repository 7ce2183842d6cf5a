"""The roll-ups against a computation from scratch over the raw data, and their upkeep."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from fangxian.dashboard import rollup, tasks
from fangxian.dashboard.models import CampusDay, ClassDay, CollegeDay, DirtyDay, StudentDayScan
from fangxian.gates import services as gate_services
from fangxian.gates.models import LeaveApplication, Scan
from fangxian.ledger import selectors as ledger_selectors
from fangxian.ledger.models import Status
from fangxian.ledger.services import entry_change_status
from fangxian.org.models import AssignmentRole
from fangxian.reports import services as report_services


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


def _rollup_rows() -> dict[str, list[tuple]]:
    """Every roll-up row, without ids, in a stable order."""
    tables = {"class": ClassDay, "college": CollegeDay, "campus": CampusDay, "scan": StudentDayScan}
    return {
        name: sorted(
            tuple(str(v) for v in row) for row in model.objects.values_list(*[f.attname for f in model._meta.fields if f.attname != "id"])
        )
        for name, model in tables.items()
    }


def test_a_range_rebuild_gives_exactly_the_rows_of_day_by_day_refreshes(dash, rep):
    """Ten days of scans (presence carried over from earlier days, and lapsing after a week), a leave that becomes
    overdue, a change in the ledger, a report and a one-to-one assignment: rebuilding the
    range at once (the lookback kept in memory, the fixed rows read once) writes the same
    rows as refreshing each day on its own (the lookback read back from the table)."""
    uni, today = dash.uni, dash.today
    span = [today - timedelta(days=n) for n in range(9, -1, -1)]
    days = span[5:]

    def at(day, hour):
        return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())) + timedelta(hours=hour)

    dash.scan(uni.other_students[0], "out", at=at(span[0], 10))  # out for eight days, then says nothing
    dash.scan(uni.students[1], "out", at=at(days[1], 9))  # out for two days, then back
    dash.scan(uni.students[1], "in", at=at(days[3], 18))
    dash.scan(uni.other_students[1], "in", at=at(days[2], 8))  # in, not in the ledger
    dash.scan(uni.students[2], "out", at=at(days[0], 7))
    dash.scan(uni.students[2], "in", at=at(days[0], 20))
    tomorrow = today + timedelta(days=1)  # a leave within one day, whatever the hour: the counselor alone decides it
    leave = gate_services.leave_apply(
        student=uni.students[0], purpose="就医", destination="市医院", starts_at=at(tomorrow, 8), ends_at=at(tomorrow, 11)
    )
    gate_services.leave_decide(leave=leave, staff=uni.counselor, approve=True)
    LeaveApplication.objects.filter(pk=leave.pk).update(starts_at=at(days[2], 8), ends_at=at(days[3], 12))
    dash.scan(uni.students[0], "out", at=at(days[2], 9))  # on leave, then overdue
    entry = uni.other_students[0].ledger_entries.get()
    entry_change_status(entry=entry, status=Status.OUT, version=entry.version, by=uni.counselor_user, on=today)
    uni.assign(uni.counselor, AssignmentRole.ONE_TO_ONE, student=uni.students[1])
    report_services.submission_save(
        user=uni.college_admin_user, form=rep.form, unit=uni.college, day=today, now=rep.at(8), **rep.zero_report()
    )

    for day in span:
        rollup.refresh_day(day)
    one_by_one = _rollup_rows()
    for model in (ClassDay, CollegeDay, CampusDay, StudentDayScan):
        model.objects.all().delete()
    assert rollup.rebuild(span[0], today) == 10
    assert _rollup_rows() == one_by_one
    # A range that starts after days already rolled up reads their scan states from the table.
    assert rollup.refresh_days(span[7:]) == 3
    assert _rollup_rows() == one_by_one

    # The figures are the ones the world makes.
    medicine = {d: ClassDay.objects.get(day=d, college_id=uni.college.pk) for d in days}
    assert [(m.out_not_back, m.on_leave, m.overdue) for m in medicine.values()] == [
        (0, 0, 0), (1, 0, 0), (1, 1, 0), (1, 0, 1), (1, 0, 1)
    ]  # fmt: skip
    letters = {d: ClassDay.objects.get(day=d, college_id=uni.other_college.pk) for d in days}
    assert [(r.ledger, r.out_not_back, r.in_unexpected) for r in letters.values()] == [
        (1, 1, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1), (0, 0, 1)
    ]  # fmt: skip
    assert CollegeDay.objects.get(day=today, college_id=uni.college.pk).reports_in == 1
    assert sum(CampusDay.objects.get(day=days[0], campus_id=uni.campus.pk).traffic_in) == 1

"""Daily roll-ups: the figures of one day, computed from the features' public selectors
and stored in this app's tables, so that the dashboard never reads raw rows on request.

`refresh_day(day)` recomputes one day from scratch (it reads one day of gate scans, the
ledger's spells of that day, the day's reports and the coverage rules) and replaces that
day's rows. Presence on day D is the latest per-student scan state over D and the week
before it, read from `StudentDayScan`, which `refresh_day` keeps for each day: so a day
costs one day of scans, whatever the size of the scans table.

Changes mark days dirty (`mark_dirty`, called from signals); a periodic task refreshes
the dirty days every minute (`refresh_dirty`). `rebuild(start, end)` refreshes every day
of a range, in order (the management command `dashboard_rebuild`), through
`refresh_days(days)`: what does not depend on the day is read once, and presence is kept
in memory and moved one day on, so a year costs a year of scans read once each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.utils import timezone

from fangxian.gates import selectors as gates
from fangxian.ledger import selectors as ledger
from fangxian.org.coverage import CoverageContext, coverage_rules, students_without_one_to_one
from fangxian.org.models import Place, Student, Unit
from fangxian.org.scope import Scope
from fangxian.reports import selectors as reports

from .models import CampusDay, ClassDay, CollegeDay, DirtyDay, StudentDayScan

LOOKBACK_DAYS = 7  # as the gates' presence: a scan older than a week says nothing
IN, OUT = "in", "out"
MAX_DIRTY_SPAN = 62  # a change dated further back marks at most this many days


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def leave_moment(day: date) -> datetime:
    """The moment a day's leave figures are read at: the end of a past day, now for today
    (a leave ending at 18:00 today is not overdue at 14:00)."""
    return min(day_bounds(day)[1], timezone.now())


def _first_id(path: str, wanted: set[int]) -> int | None:
    for part in path.strip("/").split("/"):
        if part and int(part) in wanted:
            return int(part)
    return None


def _root_id(path: str) -> int:
    return int(path.strip("/").split("/")[0]) if path else 0


def _scan_states(
    day: date, start: datetime, end: datetime, gate_campuses: Iterable[int]
) -> tuple[dict[int, dict], dict[int, tuple[int, str]]]:
    """Refresh the day's per-student scan states and the campus traffic; return the campus
    rows and the day's {student id: (campus id, direction)}."""
    campuses: dict[int, dict] = {}
    for campus_id in gate_campuses:
        row = campuses[campus_id] = {"in": [0] * 24, "out": [0] * 24, "refused": 0, "scans": 0}
        for hour, direction, verdict, n in gates.scan_traffic(campus_id, start, end):
            row["scans"] += n
            if verdict == "refused":
                row["refused"] += n
            elif direction in (IN, OUT) and hour is not None:
                row[direction][hour] += n
    _replace_scan_states(day, start, end)
    rows = StudentDayScan.objects.filter(day=day).order_by().values_list("student_id", "campus_id", "direction")
    return campuses, {student: (campus, direction) for student, campus, direction in rows}


def _replace_scan_states(day: date, start: datetime, end: datetime) -> None:
    """Replace the day's StudentDayScan rows in one INSERT ... SELECT of the gates' query of
    each student's last scan: a day has as many rows as students who passed a gate (tens of
    thousands), which would otherwise cross into Python and back, time by time."""
    StudentDayScan.objects.filter(day=day).delete()
    ops = connection.ops
    table, quote = StudentDayScan._meta.db_table, ops.quote_name
    columns = ", ".join(quote(c) for c in ("day", "student_id", "campus_id", "direction", "last_at"))
    try:
        latest, params = gates.last_student_scans_all_campuses(start, end).query.sql_with_params()
    except EmptyResultSet:  # no campus has gates
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({columns}) SELECT %s, latest.* FROM ({latest}) latest ORDER BY 2",  # noqa: S608  (identifiers from the model, the query from the ORM)
            [ops.adapt_datefield_value(day), *params],
        )


def presence_directions(day: date) -> dict[int, tuple[int, str]]:
    """{student id: (campus id, direction)} of every student's last allowed scan up to the
    end of `day` (within the lookback): `presence_states` without the times, for the roll-up."""
    return _Lookback().directions(day)


class _Lookback:
    """Presence kept in memory across the days of one refresh: the per-day scan states
    ({student id: (campus id, direction)}) of the lookback days, and their merge (each
    student's latest). Moving to the next day drops what only the day leaving the lookback
    said and adds the new day's states, so a range rebuild reads each day's StudentDayScan
    rows once (from the refresh that wrote them) instead of eight times."""

    def __init__(self) -> None:
        self.days: dict[date, dict[int, tuple[int, str]]] = {}
        self.latest: dict[int, date] = {}  # student → the day of their latest state
        self.first: date | None = None  # the oldest day merged into `latest`

    def put(self, day: date, states: dict[int, tuple[int, str]]) -> None:
        """The states of `day`, just refreshed (the days are refreshed oldest first)."""
        self.days[day] = states
        if self.first is not None and self.first <= day <= self.first + timedelta(days=LOOKBACK_DAYS):
            self.latest = {}  # merged without this day's new rows: merge again
            self.first = None

    def directions(self, day: date) -> dict[int, tuple[int, str]]:
        oldest = day - timedelta(days=LOOKBACK_DAYS)
        wanted = [oldest + timedelta(days=n) for n in range(LOOKBACK_DAYS + 1)]
        for d in wanted:
            if d not in self.days:  # a day by query: no date to read back for each row
                rows = StudentDayScan.objects.filter(day=d).order_by().values_list("student_id", "campus_id", "direction")
                self.days[d] = {student: (campus, direction) for student, campus, direction in rows}
        if self.first is None or not oldest - timedelta(days=1) <= self.first <= oldest:
            self.latest = {}
            for d in wanted:  # a later day's state wins
                self.latest.update(dict.fromkeys(self.days[d], d))
        elif self.first < oldest:  # one day on: drop what only the day leaving said, add the new day
            for student in self.days[self.first]:
                if self.latest[student] == self.first:
                    del self.latest[student]
            self.latest.update(dict.fromkeys(self.days[day], day))
        self.first = oldest
        for d in [d for d in self.days if d < oldest]:
            del self.days[d]
        return {student: self.days[d][student] for student, d in self.latest.items()}


def presence_states(day: date, student_ids=None) -> dict[int, tuple[int, str, datetime]]:
    """{student id: (campus id, direction, time)} of each student's last allowed scan up to
    the end of `day` (within the lookback), from the roll-up table."""
    rows = StudentDayScan.objects.filter(day__range=(day - timedelta(days=LOOKBACK_DAYS), day))
    if student_ids is not None:
        rows = rows.filter(student_id__in=student_ids)
    state: dict[int, tuple[int, str, datetime]] = {}
    for student_id, campus_id, direction, at in rows.order_by("day").values_list("student_id", "campus_id", "direction", "last_at"):
        state[student_id] = (campus_id, direction, at)
    return state


def _students(ids: Iterable[int]) -> dict[int, tuple[int, str, str]]:
    """{student id: (class id, class path, bed path)} in chunks."""
    ids = sorted(ids)
    found: dict[int, tuple[int, str, str]] = {}
    for begin in range(0, len(ids), 5000):
        rows = Student.objects.filter(pk__in=ids[begin : begin + 5000]).values_list("pk", "klass_id", "klass__path", "bed__path")
        found.update({pk: (klass, kpath, bpath or "") for pk, klass, kpath, bpath in rows})
    return found


class _Fixed:
    """What a day's refresh reads that does not depend on the day: read once per refresh of
    a range."""

    def __init__(self) -> None:
        self.colleges = set(Unit.objects.filter(kind=Unit.Kind.COLLEGE).values_list("pk", flat=True))
        self.campuses = set(Place.objects.filter(kind=Place.Kind.CAMPUS).values_list("pk", flat=True))
        self.gate_campuses = gates.campus_ids_with_gates()


def refresh_day(day: date) -> None:
    """Recompute every roll-up of `day` from the features' data and replace its rows."""
    refresh_days([day])


def refresh_days(days: Iterable[date]) -> int:
    """Refresh each of `days`, oldest first (presence reads the days before), each in its own
    transaction; what does not depend on the day and the lookback's scan states are read once."""
    fixed, lookback, count = _Fixed(), _Lookback(), 0
    for day in sorted(set(days)):
        _refresh(day, fixed, lookback)
        count += 1
    return count


def _node_gaps(day: date) -> list:
    """The node gaps of the institution on `day`: `coverage_report(...).gaps`, without the
    student rules (whose count of students, a query over every student on campus, the
    roll-up does not use: it counts students without a one-to-one member itself)."""
    rules = [rule for rule in coverage_rules() if rule.shape == "node"]
    ctx = CoverageContext(day=day, at=None, scope=Scope(everything=True), campus=None, college=None, rules=rules)
    return [gap for rule in rules for gap in rule.evaluate(ctx).gaps]


@transaction.atomic
def _refresh(day: date, fixed: _Fixed, lookback: _Lookback) -> None:
    start, end = day_bounds(day)
    campus_rows, states = _scan_states(day, start, end, fixed.gate_campuses)
    lookback.put(day, states)
    state = lookback.directions(day)

    colleges = fixed.colleges
    placed = {s: (college, klass, campus) for s, college, klass, campus in ledger.on_campus_placements(day)}
    codes: dict[int, list[str]] = defaultdict(list)
    for student_id, code in ledger.category_codes_on(day):
        if student_id in placed:
            codes[student_id].append(code)
    moment = leave_moment(day)
    overdue = gates.overdue_student_ids_at(moment)
    on_leave = gates.on_leave_student_ids_at(moment)
    no_one_to_one = set(students_without_one_to_one(day=day).values_list("pk", flat=True))
    unexpected = {s for s, (_c, direction) in state.items() if direction == IN and s not in placed}
    others = _students(unexpected | (overdue - placed.keys()))

    rows: dict[tuple[int, int], dict] = {}

    def row(campus_id: int, college_id: int | None, klass_id: int) -> dict:
        key = (campus_id, klass_id)
        if key not in rows:
            rows[key] = {"college_id": college_id or 0, "ledger": 0, "by_category": defaultdict(int), "out_not_back": 0, "on_leave": 0}
            rows[key].update(in_unexpected=0, overdue=0, no_one_to_one=0)
        return rows[key]

    for student_id, (college_id, klass_id, campus_id) in placed.items():
        r = row(campus_id, college_id, klass_id)
        r["ledger"] += 1
        for code in codes.get(student_id, ()):
            r["by_category"][code] += 1
        if state.get(student_id, (0, IN))[1] == OUT:
            r["on_leave" if student_id in on_leave else "out_not_back"] += 1
        if student_id in overdue:
            r["overdue"] += 1
        if student_id in no_one_to_one:
            r["no_one_to_one"] += 1
    for student_id, (klass_id, klass_path, bed_path) in others.items():
        campus_id = state[student_id][0] if student_id in state else _root_id(bed_path)
        r = row(campus_id, _first_id(klass_path, colleges), klass_id)
        if student_id in unexpected:
            r["in_unexpected"] += 1
        if student_id in overdue:
            r["overdue"] += 1

    ClassDay.objects.filter(day=day).delete()
    ClassDay.objects.bulk_create(
        [
            ClassDay(
                day=day,
                campus_id=campus_id,
                klass_id=klass_id,
                college_id=r["college_id"],
                ledger=r["ledger"],
                by_category=dict(r["by_category"]),
                present=r["ledger"] - r["out_not_back"] - r["on_leave"] + r["in_unexpected"],
                out_not_back=r["out_not_back"],
                on_leave=r["on_leave"],
                in_unexpected=r["in_unexpected"],
                overdue=r["overdue"],
                no_one_to_one=r["no_one_to_one"],
            )
            for (campus_id, klass_id), r in rows.items()
        ],
        batch_size=2000,
    )

    # Reports and coverage gaps, per college; campus-level gaps per campus.
    figures = reports.unit_day_figures(day)
    gaps: dict[int, int] = defaultdict(int)
    campus_gaps: dict[int, int] = defaultdict(int)
    for gap in _node_gaps(day):
        if isinstance(gap.node, Place):
            campus_gaps[_root_id(gap.node.path)] += 1
        else:
            college_id = _first_id(gap.node.path, colleges)
            if college_id:
                gaps[college_id] += 1
    CollegeDay.objects.filter(day=day).delete()
    CollegeDay.objects.bulk_create(
        [
            CollegeDay(
                day=day,
                college_id=unit_id,
                reports_expected=figures.get(unit_id, {}).get("expected", 0),
                reports_in=figures.get(unit_id, {}).get("reported", 0),
                reported_headcount=figures.get(unit_id, {}).get("headcount"),
                reported_at=figures.get(unit_id, {}).get("submitted_at"),
                gaps=gaps.get(unit_id, 0),
            )
            for unit_id in sorted(colleges | figures.keys())
        ]
    )
    campus_ids = fixed.campuses | campus_rows.keys()
    CampusDay.objects.filter(day=day).delete()
    CampusDay.objects.bulk_create(
        [
            CampusDay(
                day=day,
                campus_id=campus_id,
                traffic_in=campus_rows.get(campus_id, {}).get("in", [0] * 24),
                traffic_out=campus_rows.get(campus_id, {}).get("out", [0] * 24),
                refused=campus_rows.get(campus_id, {}).get("refused", 0),
                scans=campus_rows.get(campus_id, {}).get("scans", 0),
                gaps=campus_gaps.get(campus_id, 0),
            )
            for campus_id in sorted(campus_ids)
        ]
    )


def rebuild(start: date, end: date) -> int:
    """Refresh every day from `start` to `end`, oldest first (presence reads the days before)."""
    count = refresh_days(start + timedelta(days=n) for n in range((end - start).days + 1))
    DirtyDay.objects.filter(day__range=(start, end)).delete()
    return count


def mark_dirty(first: date, last: date | None = None) -> None:
    """Mark the days from `first` to `last` (at most today, and at most MAX_DIRTY_SPAN days) stale."""
    today = timezone.localdate()
    last = min(last or first, today)
    first = max(first, last - timedelta(days=MAX_DIRTY_SPAN - 1))
    if first > last:
        return
    now = timezone.now()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    DirtyDay.objects.bulk_create(
        [DirtyDay(day=d, marked_at=now) for d in days], update_conflicts=True, unique_fields=["day"], update_fields=["marked_at"]
    )


def refresh_dirty(limit: int = 31) -> list[date]:
    """Refresh the dirty days (oldest first). A day marked again while it was being
    refreshed keeps its mark for the next round."""
    done = []
    for pk, day, marked_at in DirtyDay.objects.order_by("day").values_list("pk", "day", "marked_at")[:limit]:
        refresh_day(day)
        DirtyDay.objects.filter(pk=pk, marked_at=marked_at).delete()
        done.append(day)
    return done

"""Reads of the duty app, already scoped to the user."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from fangxian.org.models import Unit
from fangxian.org.scope import scope_of

from .models import Post, Roster, Shift
from .roles import DUTY_LEADER_KEY, DUTY_UNIT_KINDS


def visible_rosters(user):
    return Roster.objects.visible_to(user).select_related("unit").order_by("unit__path")


def units_without_roster(user):
    """Units in the user's scope that could keep a roster and have none yet (for writers)."""
    scope = scope_of(user)
    return scope.units(Unit.objects.active()).filter(kind__in=DUTY_UNIT_KINDS, duty_roster__isnull=True).order_by("path")


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass
class ShiftRow:
    """One line of the roster as shown and exported (值班表): a day, a shift, its people."""

    day: date
    slot: int
    label: str
    shift: Shift | None = None
    leaders: list[Post] = field(default_factory=list)
    staff: list[Post] = field(default_factory=list)

    @property
    def weekday(self) -> str:
        from .services import weekday_name

        return weekday_name(self.day)


def roster_rows(roster: Roster, first: date, last: date) -> list[ShiftRow]:
    """Every day and shift of [first, last] with its posts (two queries), empty shifts included."""
    rows: dict[tuple[date, int], ShiftRow] = {}
    day = first
    while day <= last:
        for slot in roster.slots():
            rows[(day, slot)] = ShiftRow(day, slot, roster.slot_label(slot))
        day += timedelta(days=1)
    for shift in Shift.objects.filter(roster=roster, day__gte=first, day__lte=last):
        if (shift.day, shift.slot) in rows:
            rows[(shift.day, shift.slot)].shift = shift
    posts = Post.objects.filter(shift__roster=roster, shift__day__gte=first, shift__day__lte=last).select_related("staff", "shift")
    for post in posts.order_by("shift__starts_at", "role", "staff__name", "pk"):
        row = rows.get((post.shift.day, post.shift.slot))
        if row is not None:
            (row.leaders if post.role == DUTY_LEADER_KEY else row.staff).append(post)
    return sorted(rows.values(), key=lambda r: (r.day, r.slot))


def my_posts(user, *, since=None):
    """The user's own duty posts from `since` (now) on, soonest first."""
    since = since or timezone.now()
    return (
        Post.objects.filter(staff__user=user, staff__is_active=True, shift__ends_at__gt=since)
        .select_related("shift", "shift__roster", "shift__roster__unit", "staff")
        .order_by("shift__starts_at", "pk")
    )


def current_post(user, now=None):
    """The user's post in force now, else None."""
    now = now or timezone.now()
    return my_posts(user, since=now).filter(shift__starts_at__lte=now).first()


def next_post(user, now=None):
    return my_posts(user, since=now).first()


# -- gaps: the next 14 days ------------------------------------------------------------------

GAP_DAYS = 14
# Units that must keep duty whether or not they have a roster yet; a department must once it
# keeps one (the security office does).
REQUIRED_KINDS = ("institution", "college", "hospital")


@dataclass
class EmptyShift:
    roster: Roster
    day: date
    slot: int
    label: str
    missing_leader: bool
    staff_count: int

    @property
    def weekday(self) -> str:
        from .services import weekday_name

        return weekday_name(self.day)


@dataclass
class Gaps:
    start: date
    end: date
    without_roster: list = field(default_factory=list)  # units
    empty: list[EmptyShift] = field(default_factory=list)
    twice: list[tuple] = field(default_factory=list)  # (staff, (unit, start, end), (unit, start, end))
    on_leave: list[tuple] = field(default_factory=list)  # (post, leave)

    @property
    def count(self) -> int:
        return len(self.without_roster) + len(self.empty) + len(self.twice) + len(self.on_leave)


def gaps(user, *, start: date | None = None, days: int = GAP_DAYS, unit: Unit | None = None) -> Gaps:
    """What is missing in the next `days` days, in the user's scope (a fixed handful of queries):
    units that must have duty and keep no roster, shifts without a leader or without enough
    staff, people rostered twice at once, people rostered on a day of approved duty leave."""
    from fangxian.org.models import Assignment

    from .models import Unavailability
    from .roles import DUTY_ROLE_KEYS

    start = start or timezone.localdate()
    end = start + timedelta(days=days - 1)
    result = Gaps(start, end)
    scope = scope_of(user)
    units = scope.units(Unit.objects.active())
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    rosters = list(Roster.objects.filter(unit__in=units.values("pk")).select_related("unit").order_by("unit__path"))
    with_roster = {r.unit_id for r in rosters}
    result.without_roster = [u for u in units.filter(kind__in=REQUIRED_KINDS).order_by("path") if u.pk not in with_roster]
    # Shifts: who is on each (one query for every roster).
    counts: dict[tuple[int, date, int], list[int]] = {}
    rows = Post.objects.filter(shift__roster__in=rosters, shift__day__gte=start, shift__day__lte=end).values_list(
        "shift__roster_id", "shift__day", "shift__slot", "role"
    )
    for roster_id, day, slot, role in rows:
        entry = counts.setdefault((roster_id, day, slot), [0, 0])
        entry[0 if role == DUTY_LEADER_KEY else 1] += 1
    for roster in rosters:
        day = start
        while day <= end:
            for slot in roster.slots():
                leaders, staff = counts.get((roster.pk, day, slot), [0, 0])
                if not leaders or staff < roster.staff_needed:
                    result.empty.append(EmptyShift(roster, day, slot, roster.slot_label(slot), not leaders, staff))
            day += timedelta(days=1)
    # Twice at once: duty assignments of the same person overlapping (any unit), where one
    # of them is in scope: the windows of the people holding one in scope (one query, their
    # time-bound assignments through the person's index, the role checked here), then the
    # few that overlap read whole.
    first, last = day_window(start, end)
    held = Assignment.objects.filter(
        role__in=DUTY_ROLE_KEYS, unit__in=units.values("pk"), start_date__lte=end, starts_at__lt=last, ends_at__gt=first
    )
    spans: dict[int, list[tuple]] = {}
    for pk, role, staff_id, starts_at, ends_at in (
        Assignment.objects.filter(staff_id__in=held.values("staff_id"), start_date__lte=end, starts_at__lt=last, ends_at__gt=first)
        .order_by("staff_id", "starts_at", "pk")
        .values_list("pk", "role", "staff_id", "starts_at", "ends_at")
    ):
        if role in DUTY_ROLE_KEYS:
            spans.setdefault(staff_id, []).append((pk, starts_at, ends_at))
    pairs = []
    for items in spans.values():
        for i, (a, _a_start, a_end) in enumerate(items):
            for b, b_start, _b_end in items[i + 1 :]:
                if b_start >= a_end:
                    break
                pairs.append((a, b))
    if pairs:
        whole = Assignment.objects.select_related("staff", "unit").in_bulk({pk for pair in pairs for pk in pair})
        result.twice = [(whole[a].staff, whole[a], whole[b]) for a, b in pairs]
    # On leave: approved duty leave covering a day of the shift.
    posts = Post.objects.filter(shift__roster__in=rosters, shift__day__gte=start, shift__day__lte=end).select_related(
        "staff", "shift__roster__unit"
    )
    leave = list(
        Unavailability.objects.approved().filter(
            staff_id__in=posts.values("staff_id"), start_date__lte=end + timedelta(days=1), end_date__gte=start
        )
    )
    if leave:
        by_staff: dict[int, list] = {}
        for item in leave:
            by_staff.setdefault(item.staff_id, []).append(item)
        for post in posts.filter(staff_id__in=list(by_staff)).order_by("shift__starts_at", "pk"):
            last_day = timezone.localdate(post.shift.ends_at - timedelta(microseconds=1))
            for item in by_staff[post.staff_id]:
                if item.start_date <= last_day and item.end_date >= post.shift.day:
                    result.on_leave.append((post, item))
                    break
    result.empty.sort(key=lambda e: (e.day, e.slot, e.roster.unit.path))
    result.twice.sort(key=lambda t: (t[1].starts_at, t[0].name, t[0].pk))
    return result


def day_window(first: date, last: date):
    from datetime import datetime, time

    return (
        timezone.make_aware(datetime.combine(first, time.min)),
        timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min)),
    )


# -- on post now --------------------------------------------------------------------------------


def posts_now(user, now=None):
    """The posts in force now, in the user's scope."""
    now = now or timezone.now()
    return (
        Post.objects.visible_to(user)
        .filter(shift__starts_at__lte=now, shift__ends_at__gt=now)
        .select_related("staff", "shift__roster__unit")
        .order_by("shift__roster__unit__path", "role", "staff__name", "pk")
    )


def not_on_post(posts, now=None) -> list[Post]:
    """Of these posts (in force now), those whose check-in time has passed without a check-in."""
    now = now or timezone.now()
    return [p for p in posts if p.checked_in_at is None and p.shift.starts_at + timedelta(minutes=p.shift.roster.check_in_minutes) <= now]


def on_post_figure(user, now=None) -> tuple[int, int]:
    """(checked in, rostered) for the posts in force now."""
    posts = list(posts_now(user, now))
    return sum(1 for p in posts if p.checked_in_at), len(posts)


def previous_handover(post: Post) -> list[Post]:
    """The handover notes of the shift before this one on the same roster (the next shift reads them first)."""
    before = Shift.objects.filter(roster_id=post.shift.roster_id, starts_at__lt=post.shift.starts_at).order_by("-starts_at").first()
    if before is None:
        return []
    return list(before.posts.exclude(handover_note="").select_related("staff").order_by("role", "staff__name"))


# -- pings and reachability ----------------------------------------------------------------------


def open_pings(user, now=None):
    from .models import PingRequest

    now = now or timezone.now()
    return (
        PingRequest.objects.filter(staff__user=user, answered_at__isnull=True, closes_at__gt=now)
        .select_related("ping", "post__shift__roster__unit")
        .order_by("closes_at", "pk")
    )


@dataclass
class Reach:
    name: str
    asked: int = 0
    answered: int = 0
    seconds: list = field(default_factory=list)
    key: object = None

    @property
    def rate(self) -> float | None:
        return None if not self.asked else self.answered / self.asked

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.0f}%"

    @property
    def median_seconds(self) -> float | None:
        if not self.seconds:
            return None
        values = sorted(self.seconds)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    @property
    def median_text(self) -> str:
        value = self.median_seconds
        if value is None:
            return "—"
        return f"{int(value // 60)}:{int(value % 60):02d}"


def reachability(user, first: date, last: date) -> tuple[Reach, list[Reach], list[Reach]]:
    """Reachability over [first, last]: overall, per unit and per person (rate and median time
    to answer), from the pings sent in that period, in the user's scope."""
    from .models import PingRequest

    start, end = day_window(first, last)
    rows = (
        PingRequest.objects.visible_to(user)
        .filter(ping__sent_at__gte=start, ping__sent_at__lt=end)
        .values_list(
            "staff_id",
            "staff__name",
            "staff__staff_number",
            "post__shift__roster__unit_id",
            "post__shift__roster__unit__name",
            "post__shift__roster__unit__path",
            "ping__sent_at",
            "answered_at",
        )
    )
    total = Reach("")
    units: dict[int, Reach] = {}
    people: dict[int, Reach] = {}
    for staff_id, name, number, unit_id, unit_name, unit_path, sent, answered in rows:
        for bucket in (
            total,
            units.setdefault(unit_id, Reach(unit_name, key=unit_path)),
            people.setdefault(staff_id, Reach(f"{name}（{number}）", key=unit_path)),
        ):
            bucket.asked += 1
            if answered is not None:
                bucket.answered += 1
                bucket.seconds.append((answered - sent).total_seconds())
    return (
        total,
        sorted(units.values(), key=lambda r: (r.key, r.name)),
        sorted(people.values(), key=lambda r: (r.rate if r.rate is not None else 2, r.name)),
    )


def scoped_unit(user, pk: int | None) -> Unit | None:
    """The active unit `pk` within the user's scope (404 outside it); None for no unit."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(scope_of(user).units(Unit.objects.active()), pk=pk) if pk else None


def ping_schedules(user):
    """The random ping schedules of the units in the user's scope (every unit's: the office's)."""
    from .models import PingSchedule

    scope = scope_of(user)
    schedules = PingSchedule.objects.select_related("unit")
    if scope.everything:
        return schedules
    return schedules.filter(unit__in=scope.units(Unit.objects.all()).values("pk"))

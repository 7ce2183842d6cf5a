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

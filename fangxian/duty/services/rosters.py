"""Rosters: the unit's settings, posts added and removed by hand, a date range filled from a
rotation. Every write checks the person (known, active, inside the unit), the overlap with
their other duty posts and their approved duty leave, and writes nothing when one row fails."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org.access import require_write
from fangxian.org.models import Assignment, Staff, Unit

from .. import access
from ..models import Post, Roster, Shift, Unavailability
from ..roles import DUTY_LEADER_KEY, DUTY_ROLE_KEYS, DUTY_STAFF_KEY, DUTY_UNIT_KINDS

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
MAX_FILL_DAYS = 400


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def person_label(staff: Staff) -> str:
    return f"{staff.name}（{staff.staff_number}）"


@dataclass(frozen=True)
class PlannedPost:
    """A post to create: where (roster, day, slot), who and as what; `where` names the row
    or the day for error messages."""

    day: date
    slot: int
    staff: Staff
    role: str
    phone: str = ""
    where: str = ""


# -- rosters -----------------------------------------------------------------------------------


@transaction.atomic
def roster_save(
    *,
    unit: Unit,
    by,
    pattern: str = Roster.Pattern.DAY_NIGHT,
    day_starts=None,
    check_in_minutes: int = 15,
    staff_needed: int = 1,
) -> Roster:
    """Create the unit's roster or change its settings (shifts already planned keep their times)."""
    if by is not None:
        require_write(by, access.WRITERS, unit)
    if unit.kind not in DUTY_UNIT_KINDS:
        raise ValidationError({"unit": _("A duty roster is kept by the school, a college, a department or the hospital.")})
    roster = Roster.objects.filter(unit=unit).first() or Roster(unit=unit)
    roster.pattern = pattern
    if day_starts is not None:
        roster.day_starts = day_starts
    roster.check_in_minutes = check_in_minutes
    roster.staff_needed = staff_needed
    roster.full_clean()
    roster.save()
    return roster


def _shifts(roster: Roster, days: Iterable[date]) -> dict[tuple[date, int], Shift]:
    """The roster's shifts on these days, created where missing (bulk)."""
    days = sorted(set(days))
    if not days:
        return {}
    have = {(s.day, s.slot): s for s in Shift.objects.filter(roster=roster, day__in=days)}
    new = []
    for day in days:
        for slot in roster.slots():
            if (day, slot) not in have:
                start, end = roster.window(day, slot)
                new.append(Shift(roster=roster, day=day, slot=slot, starts_at=start, ends_at=end))
    if new:
        Shift.objects.bulk_create(new, batch_size=2000)
        have = {(s.day, s.slot): s for s in Shift.objects.filter(roster=roster, day__in=days)}
    return have


# -- the checks every write makes ----------------------------------------------------------------


def in_unit(staff: Staff, unit: Unit, unit_path: str | None = None) -> bool:
    """May this person be on the unit's roster: active, and working in the unit or below it
    (the school's roster takes anyone of the institution)."""
    path = staff.unit.path if unit_path is None else unit_path
    return staff.is_active and path.startswith(unit.path)


def check_plan(roster: Roster, planned: Sequence[PlannedPost], *, ignore_posts: Iterable[int] = ()) -> list[str]:
    """`plan_problems` as messages."""
    return [message for _post, message in plan_problems(roster, planned, ignore_posts=ignore_posts)]


def plan_problems(roster: Roster, planned: Sequence[PlannedPost], *, ignore_posts: Iterable[int] = ()) -> list[tuple[PlannedPost, str]]:
    """Every problem of the planned posts (one message per row or day, in Chinese): person
    outside the unit, two posts of one person overlapping (among themselves or with the
    person's other duty posts), a post on a day of approved duty leave. Reads in bulk."""
    errors: list[tuple[PlannedPost, str]] = []
    if not planned:
        return errors
    staff_ids = {p.staff.pk for p in planned}
    paths = dict(Staff.objects.filter(pk__in=staff_ids).values_list("pk", "unit__path"))
    windows = [(p, *roster.window(p.day, p.slot)) for p in planned]
    first = min(w[1] for w in windows)
    last = max(w[2] for w in windows)
    ignore = set(ignore_posts)
    existing = defaultdict(list)
    rows = (
        Assignment.objects.filter(staff_id__in=staff_ids, role__in=DUTY_ROLE_KEYS, starts_at__lt=last, ends_at__gt=first)
        .exclude(duty_post__in=ignore)
        .values_list("staff_id", "starts_at", "ends_at", "unit__name")
    )
    for staff_id, start, end, unit_name in rows:
        existing[staff_id].append((start, end, unit_name))
    leave = defaultdict(list)
    for staff_id, start, end in (
        Unavailability.objects.approved()
        .filter(staff_id__in=staff_ids, start_date__lte=timezone.localdate(last), end_date__gte=timezone.localdate(first))
        .values_list("staff_id", "start_date", "end_date")
    ):
        leave[staff_id].append((start, end))
    mine: dict[int, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for p, start, end in sorted(windows, key=lambda w: (w[1], w[0].where)):
        who = person_label(p.staff)
        where = p.where or f"{p.day:%Y-%m-%d} {roster.slot_label(p.slot)}"
        if not in_unit(p.staff, roster.unit, paths.get(p.staff.pk, "")):
            errors.append((p, _("%(where)s: %(who)s does not work in %(unit)s.") % {"where": where, "who": who, "unit": roster.unit.name}))
            continue
        clash = next((e for e in existing[p.staff.pk] if e[0] < end and e[1] > start), None)
        if clash is not None:
            words = {
                "where": where,
                "who": who,
                "unit": clash[2],
                "start": timezone.localtime(clash[0]).strftime("%m-%d %H:%M"),
                "end": timezone.localtime(clash[1]).strftime("%m-%d %H:%M"),
            }
            errors.append((p, _("%(where)s: %(who)s is already on duty at that time (%(unit)s %(start)s–%(end)s).") % words))
            continue
        twice = next((m for m in mine[p.staff.pk] if m[0] < end and m[1] > start), None)
        if twice is not None:
            words = {"where": where, "who": who, "other": twice[2]}
            errors.append((p, _("%(where)s: %(who)s is rostered twice at the same time (also %(other)s).") % words))
            continue
        day_last = timezone.localdate(end - timedelta(microseconds=1))
        if any(s <= day_last and e >= p.day for s, e in leave[p.staff.pk]):
            errors.append((p, _("%(where)s: %(who)s is on approved duty leave that day.") % {"where": where, "who": who}))
            continue
        mine[p.staff.pk].append((start, end, where))
    return errors


def _create(roster: Roster, planned: Sequence[PlannedPost], by) -> list[Post]:
    """Write the posts (assignments first, then the posts linking them): bulk, no checks."""
    shifts = _shifts(roster, [p.day for p in planned])
    now = timezone.now()
    user = by if getattr(by, "is_authenticated", False) else None
    assignments = []
    for p in planned:
        shift = shifts[(p.day, p.slot)]
        assignments.append(
            Assignment(
                staff=p.staff,
                role=p.role,
                unit=roster.unit,
                start_date=timezone.localdate(shift.starts_at),
                end_date=timezone.localdate(shift.ends_at - timedelta(microseconds=1)),
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                created_by=user,
                created_at=now,
            )
        )
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    posts = [
        Post(shift=shifts[(p.day, p.slot)], assignment=a, staff=p.staff, role=p.role, phone=p.phone or p.staff.phone)
        for p, a in zip(planned, assignments, strict=True)
    ]
    Post.objects.bulk_create(posts, batch_size=2000)
    return posts


def _delete_posts(posts) -> int:
    posts = list(posts)
    assignment_ids = [p.assignment_id for p in posts]
    Post.objects.filter(pk__in=[p.pk for p in posts]).delete()
    Assignment.objects.filter(pk__in=assignment_ids).delete()
    return len(posts)


# -- hand edits -------------------------------------------------------------------------------


@transaction.atomic
def post_add(*, roster: Roster, day: date, slot: int, staff: Staff | None, role: str, by, phone: str = "") -> Post:
    """Put a person on a shift by hand (a leader on duty replaces the one there)."""
    if by is not None:
        require_write(by, access.WRITERS, roster.unit)
    if staff is None:
        raise ValidationError({"staff": _("Choose a person.")})
    if role not in DUTY_ROLE_KEYS:
        raise ValidationError({"role": _("Choose leader on duty or staff on duty.")})
    if slot not in roster.slots():
        raise ValidationError({"slot": _("This roster has no such shift.")})
    replaced = []
    if role == DUTY_LEADER_KEY:
        replaced = list(Post.objects.filter(shift__roster=roster, shift__day=day, shift__slot=slot, role=DUTY_LEADER_KEY))
    same_shift = Post.objects.filter(shift__roster=roster, shift__day=day, shift__slot=slot, staff=staff)
    if same_shift.exclude(pk__in=[p.pk for p in replaced]).exists():
        raise ValidationError({"staff": _("%(who)s is already on this shift.") % {"who": person_label(staff)}})
    errors = check_plan(roster, [PlannedPost(day, slot, staff, role, phone)], ignore_posts=[p.pk for p in replaced])
    if errors:
        raise ValidationError({"staff": errors})
    if any(p.checked_in_at for p in replaced):
        raise ValidationError({"staff": _("The leader on duty has already checked in on this shift.")})
    _delete_posts(replaced)
    (post,) = _create(roster, [PlannedPost(day, slot, staff, role, phone)], by)
    return post


@transaction.atomic
def post_remove(*, post: Post, by) -> None:
    """Take a person off a shift (not once they have checked in)."""
    if by is not None:
        require_write(by, access.WRITERS, post.shift.roster.unit)
    if post.checked_in_at:
        raise ValidationError(_("%(who)s has already checked in on this shift.") % {"who": person_label(post.staff)})
    _delete_posts([post])


# -- filling from a rotation -------------------------------------------------------------------


class Rotation:
    WEEKLY = "weekly"  # by weekday: Monday's people every Monday
    TURNS = "turns"  # the list takes turns, day after day


@transaction.atomic
def rotation_fill(
    *,
    roster: Roster,
    start: date,
    end: date,
    leaders: Sequence[Staff],
    staff: Sequence[Staff],
    mode: str = Rotation.TURNS,
    by,
    staff_per_shift: int | None = None,
) -> int:
    """Fill [start, end] from a rotation: one leader on duty per day (for each of its shifts),
    and `staff_per_shift` staff on duty per shift taking turns through `staff`. In weekly mode
    the people of a weekday come back every week. The range is planned again: posts there
    (none checked in) are replaced. All or nothing; returns how many posts were written."""
    if by is not None:
        require_write(by, access.WRITERS, roster.unit)
    errors: dict[str, list[str]] = {}
    if end < start:
        errors["end"] = [_("The end date is before the start date.")]
    elif (end - start).days + 1 > MAX_FILL_DAYS:
        errors["end"] = [_("Fill at most %(n)s days at once.") % {"n": MAX_FILL_DAYS}]
    if not leaders:
        errors["leaders"] = [_("Name at least one leader on duty.")]
    if not staff:
        errors["staff"] = [_("Name at least one member of staff on duty.")]
    if errors:
        raise ValidationError(errors)
    per_shift = staff_per_shift or roster.staff_needed
    slots = roster.slots()
    planned: list[PlannedPost] = []
    day, n = start, 0
    while day <= end:
        index = day.weekday() if mode == Rotation.WEEKLY else n
        leader = leaders[index % len(leaders)]
        for slot in slots:
            where = f"{day:%Y-%m-%d} {weekday_name(day)} {roster.slot_label(slot)}"
            planned.append(PlannedPost(day, slot, leader, DUTY_LEADER_KEY, where=where))
            first = (index * len(slots) + slot) * per_shift
            chosen: list[Staff] = []
            for k in range(per_shift):
                person = staff[(first + k) % len(staff)]
                if person not in chosen and person != leader:
                    chosen.append(person)
            planned.extend(PlannedPost(day, slot, person, DUTY_STAFF_KEY, where=where) for person in chosen)
        day += timedelta(days=1)
        n += 1
    old = list(Post.objects.filter(shift__roster=roster, shift__day__gte=start, shift__day__lte=end).select_related("staff"))
    checked = [p for p in old if p.checked_in_at]
    if checked:
        message = _("%(n)s people have already checked in within these dates; fill from a later date.")
        raise ValidationError({"start": [message % {"n": len(checked)}]})
    problems = check_plan(roster, planned, ignore_posts=[p.pk for p in old])
    if problems:
        raise ValidationError({"__all__": problems})
    _delete_posts(old)
    return len(_create(roster, planned, by))


def post_set(*, roster: Roster, rows: Sequence[PlannedPost], by, days: Iterable[date]) -> int:
    """Replace the posts of these days by `rows` (the import's write): all or nothing."""
    days = sorted(set(days))
    old = list(Post.objects.filter(shift__roster=roster, shift__day__in=days))
    checked = [p for p in old if p.checked_in_at]
    if checked:
        raise ValidationError(_("%(n)s people have already checked in within these dates.") % {"n": len(checked)})
    problems = check_plan(roster, rows, ignore_posts=[p.pk for p in old])
    if problems:
        raise ValidationError(problems)
    _delete_posts(old)
    return len(_create(roster, rows, by))


DUTY_STAFF = DUTY_STAFF_KEY

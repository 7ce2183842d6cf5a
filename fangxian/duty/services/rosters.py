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
from ._bulk import insert_rows

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


def _shifts(roster: Roster, days: Iterable[date]) -> dict[tuple[date, int], tuple[int, datetime, datetime]]:
    """The roster's shifts on these days as (id, start, end) by (day, slot), created where
    missing (in bulk)."""
    days = sorted(set(days))
    if not days:
        return {}

    def read():
        rows = Shift.objects.filter(roster=roster, day__in=days).values_list("pk", "day", "slot", "starts_at", "ends_at")
        return {(day, slot): (pk, start, end) for pk, day, slot, start, end in rows}

    have = read()
    missing = [(roster.pk, day, slot, *roster.window(day, slot)) for day in days for slot in roster.slots() if (day, slot) not in have]
    if missing:
        insert_rows(Shift, ["roster", "day", "slot", "starts_at", "ends_at"], missing)
        have = read()
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
    window = {key: roster.window(*key) for key in {(p.day, p.slot) for p in planned}}
    windows = [(p, *window[(p.day, p.slot)]) for p in planned]
    first = min(w[1] for w in windows)
    last = max(w[2] for w in windows)
    ignore = set(ignore_posts)
    existing = defaultdict(list)
    # The people's time-bound assignments in the period, through the (staff, start_date)
    # index; the role is checked here rather than in SQL, where SQLite (without statistics)
    # would rather read every duty post of the university through the role's index.
    rows = Assignment.objects.filter(
        staff_id__in=staff_ids, start_date__lte=timezone.localdate(last), starts_at__lt=last, ends_at__gt=first
    ).values_list("pk", "role", "staff_id", "starts_at", "ends_at", "unit__name")
    ignored = set(Post.objects.filter(pk__in=ignore).values_list("assignment_id", flat=True)) if ignore else set()
    for pk, role, staff_id, start, end, unit_name in rows:
        if role in DUTY_ROLE_KEYS and pk not in ignored:
            existing[staff_id].append((start, end, unit_name))
    leave = defaultdict(list)
    for staff_id, start, end in (
        Unavailability.objects.approved()
        .filter(staff_id__in=staff_ids, start_date__lte=timezone.localdate(last), end_date__gte=timezone.localdate(first))
        .values_list("staff_id", "start_date", "end_date")
    ):
        leave[staff_id].append((start, end))
    day_last = {}  # the last local day each planned (day, slot) touches

    def where_of(p: PlannedPost) -> str:
        return p.where or f"{p.day:%Y-%m-%d} {roster.slot_label(p.slot)}"

    mine: dict[int, list[tuple[datetime, datetime, PlannedPost]]] = defaultdict(list)
    mine_until: dict[int, datetime] = {}  # the latest end of a person's planned posts so far
    for p, start, end in sorted(windows, key=lambda w: (w[1], w[0].where)):
        pk = p.staff.pk
        if not in_unit(p.staff, roster.unit, paths.get(pk, "")):
            words = {"where": where_of(p), "who": person_label(p.staff), "unit": roster.unit.name}
            errors.append((p, _("%(where)s: %(who)s does not work in %(unit)s.") % words))
            continue
        clash = next((e for e in existing[pk] if e[0] < end and e[1] > start), None) if pk in existing else None
        if clash is not None:
            words = {
                "where": where_of(p),
                "who": person_label(p.staff),
                "unit": clash[2],
                "start": timezone.localtime(clash[0]).strftime("%m-%d %H:%M"),
                "end": timezone.localtime(clash[1]).strftime("%m-%d %H:%M"),
            }
            errors.append((p, _("%(where)s: %(who)s is already on duty at that time (%(unit)s %(start)s–%(end)s).") % words))
            continue
        # Planned posts come in order of start: one can overlap this one only if it ends
        # after this one starts, and none does when the latest end so far is before.
        until = mine_until.get(pk)
        twice = next((m for m in mine[pk] if m[0] < end and m[1] > start), None) if until is not None and until > start else None
        if twice is not None:
            words = {"where": where_of(p), "who": person_label(p.staff), "other": where_of(twice[2])}
            errors.append((p, _("%(where)s: %(who)s is rostered twice at the same time (also %(other)s).") % words))
            continue
        if pk in leave:
            key = (p.day, p.slot)
            if key not in day_last:
                day_last[key] = timezone.localdate(end - timedelta(microseconds=1))
            if any(s <= day_last[key] and e >= p.day for s, e in leave[pk]):
                words = {"where": where_of(p), "who": person_label(p.staff)}
                errors.append((p, _("%(where)s: %(who)s is on approved duty leave that day.") % words))
                continue
        mine[pk].append((start, end, p))
        mine_until[pk] = end if until is None else max(until, end)
    return errors


def _create(roster: Roster, planned: Sequence[PlannedPost], by) -> list[int]:
    """Write the posts, no checks (callers have made them, in bulk): the assignments first,
    then the posts linking them; returns the new assignments' ids (those of the posts, in
    the order of `planned`). A year of a roster is tens of thousands of rows: they go in as
    plain INSERTs, not model instances (see _bulk)."""
    if not planned:
        return []
    shifts = _shifts(roster, [p.day for p in planned])
    user_id = by.pk if getattr(by, "is_authenticated", False) else None
    now = timezone.now()
    # The local days a shift touches (a 20:00–08:00 shift is on both), once per shift.
    days = {
        key: (timezone.localdate(start), timezone.localdate(end - timedelta(microseconds=1))) for key, (_pk, start, end) in shifts.items()
    }
    rows = []
    for p in planned:
        _pk, start, end = shifts[(p.day, p.slot)]
        rows.append((p.staff.pk, p.role, roster.unit_id, *days[(p.day, p.slot)], start, end, user_id, now))
    fields = ["staff", "role", "unit", "start_date", "end_date", "starts_at", "ends_at", "created_by", "created_at"]
    assignment_ids = insert_rows(Assignment, fields, rows, returning=True)
    rows = [
        (shifts[(p.day, p.slot)][0], assignment_id, p.staff.pk, p.role, p.phone or p.staff.phone)
        for p, assignment_id in zip(planned, assignment_ids, strict=True)
    ]
    insert_rows(Post, ["shift", "assignment", "staff", "role", "phone"], rows)
    return assignment_ids


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
    (assignment_id,) = _create(roster, [PlannedPost(day, slot, staff, role, phone)], by)
    return Post.objects.get(assignment_id=assignment_id)


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

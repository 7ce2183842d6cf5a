"""The duty app's clocks, run by the one deadline engine (fangxian.deadlines):

- `duty.check_in`: a person on duty who has not checked in `check_in_minutes` after the start
  of the shift: the leader on duty of the shift and the unit's admin are alerted (the office
  for the school's roster). Planned at each tick for the shifts starting around now, so a
  year of rosters does not mean a year of deadline rows.
- `duty.ping`: a reachability ping not answered in time: a second ping to the person, then
  the leader on duty, then the office. Each step is sent once across consumers.
- `duty.ping_slot`: a random time drawn by a ping schedule (services.schedules), planned at
  each tick for the next hour; at its time the ping goes to everyone on duty, once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangxian.accounts.roles import Role
from fangxian.deadlines import recipients
from fangxian.deadlines.registry import DeadlineKind, Step
from fangxian.org.chain import holders_above, holders_on, users_of
from fangxian.org.models import AssignmentRole, Unit

from .models import PingRequest, PingSlot, Post
from .roles import DUTY_LEADER_KEY

CHECK_IN = "duty.check_in"
PING = "duty.ping"
PING_SLOT = "duty.ping_slot"
# Random ping times are planned this far ahead; a time missed by longer (consumers down) is dropped.
SLOT_AHEAD = timedelta(hours=1)
SLOT_LATE = timedelta(minutes=30)
# After the answer window: how long until the leader on duty, and again until the office.
PING_ESCALATE = timedelta(minutes=10)
# The planner looks this far back and ahead for shifts whose check-in clock to start.
PLAN_WINDOW = timedelta(hours=3)


def _office_users():
    return list(get_user_model().objects.filter(is_active=True, role_grants__role=Role.PREVENTION_OFFICE).distinct())


def unit_admins(unit: Unit, at: datetime | None = None) -> list:
    """Who answers for a unit's duty: its prevention officer (防控专员); the office for the school."""
    if unit.kind == Unit.Kind.INSTITUTION:
        return _office_users()
    return users_of(holders_on(unit, [AssignmentRole.COLLEGE_ADMIN], at=at)) or _office_users()


def shift_leaders(post: Post) -> list:
    """The leader(s) on duty of the post's shift, besides the person themself."""
    leaders = Post.objects.filter(shift_id=post.shift_id, role=DUTY_LEADER_KEY).exclude(pk=post.pk).select_related("staff__user")
    users = users_of([p.staff for p in leaders])
    if users:
        return users
    # No leader on the roster itself: the one on duty above (the school's).
    return users_of(holders_above(post.shift.roster.unit, [DUTY_LEADER_KEY], at=post.shift.starts_at))


def _check_in_to(deadline) -> list:
    post = deadline.target
    people = {u.pk: u for u in [*shift_leaders(post), *unit_admins(post.shift.roster.unit, at=recipients.moment(deadline))]}
    return list(people.values())


def _check_in_message(deadline, step) -> tuple[str, str]:
    post = deadline.target
    start = timezone.localtime(post.shift.starts_at)
    words = {"who": post.staff.name, "unit": post.shift.roster.unit.name, "start": f"{start:%m-%d %H:%M}", "shift": post.shift.label}
    title = gettext("Not on post: %(who)s (%(unit)s, %(shift)s from %(start)s) has not checked in") % words
    return title, gettext("Call %(who)s and make sure the post is covered.") % words


def plan_check_ins(now: datetime) -> int:
    from fangxian.deadlines.services import ensure_deadlines

    rows = (
        Post.objects.filter(
            checked_in_at__isnull=True,
            shift__starts_at__gte=now - PLAN_WINDOW,
            shift__starts_at__lte=now + PLAN_WINDOW,
        )
        .annotate(start=F("shift__starts_at"), minutes=F("shift__roster__check_in_minutes"))
        .values_list("pk", "start", "minutes")
    )
    return ensure_deadlines(CHECK_IN, Post, [(pk, "", start + timedelta(minutes=minutes), {}) for pk, start, minutes in rows])


def _ping_person(deadline) -> list:
    staff = deadline.target.staff
    return [staff.user] if staff.user_id and staff.user.is_active else []


def _ping_leader(deadline) -> list:
    return shift_leaders(deadline.target.post)


def _ping_message(deadline, step) -> tuple[str, str]:
    request = deadline.target
    words = {"who": request.staff.name, "unit": request.post.shift.roster.unit.name}
    if step.key == "second":
        return gettext("Reachability ping (second): please answer now"), gettext("Tap to answer: you are on post and reachable.")
    if step.key == "leader":
        return gettext("Unanswered reachability ping: %(who)s (%(unit)s)") % words, gettext(
            "Call %(who)s and make sure the post is covered."
        ) % words
    return gettext("Unanswered reachability ping reached the office: %(who)s (%(unit)s)") % words, ""


def plan_ping_slots(now: datetime) -> int:
    from fangxian.deadlines.services import ensure_deadlines

    from .services.schedules import plan_slots

    return ensure_deadlines(PING_SLOT, PingSlot, [(pk, "", at, {}) for pk, at in plan_slots(now, SLOT_AHEAD, SLOT_LATE)])


def _send_slot(deadline, now: datetime) -> int:
    from .services.schedules import send_slot

    if now - deadline.due_at > SLOT_LATE:
        return 0  # a random check half an hour late is no longer the time that was drawn
    return send_slot(deadline.target, now)


def _slot_done(deadline) -> bool:
    from .services.schedules import still_drawn

    slot = deadline.target
    return bool(slot.outcome) or not still_drawn(slot)


def _visible_posts(user):
    return Post.objects.visible_to(user)


def register() -> None:
    from fangxian.deadlines.registry import register as register_kind

    register_kind(
        DeadlineKind(
            key=CHECK_IN,
            label=_("Check-in on post"),
            model=Post,
            steps=[Step("alert", _("To the leader on duty and the unit's admin"), timedelta(0), to=_check_in_to)],
            is_done=lambda d: d.target.checked_in_at is not None,
            visible=_visible_posts,
            url=lambda d: reverse("duty:on_post"),
            message=_check_in_message,
            subject=lambda d: d.target.shift.roster.unit,
            plan=plan_check_ins,
            describe=lambda d: str(d.target),
        )
    )
    register_kind(
        DeadlineKind(
            key=PING,
            label=_("Reachability ping"),
            model=PingRequest,
            steps=[
                Step("second", _("Second ping"), timedelta(0), to=_ping_person),
                Step("leader", _("To the leader on duty"), PING_ESCALATE, to=_ping_leader),
                Step("office", _("To the office"), 2 * PING_ESCALATE, to=recipients.office()),
            ],
            is_done=lambda d: d.target.answered_at is not None,
            visible=lambda user: PingRequest.objects.visible_to(user),
            url=lambda d: reverse("duty:pings"),
            message=_ping_message,
            subject=lambda d: d.target.post.shift.roster.unit,
            describe=lambda d: str(d.target),
        )
    )
    register_kind(
        DeadlineKind(
            key=PING_SLOT,
            label=_("Random reachability ping"),
            model=PingSlot,
            steps=[Step("send", _("Ping everyone on duty then"), timedelta(0), deliver=_send_slot)],
            is_done=_slot_done,
            # Nothing for anyone to do before the time: never listed as overdue.
            visible=lambda user: PingSlot.objects.none(),
            url=lambda d: reverse("duty:pings"),
            message=lambda d, step: (gettext("Random reachability ping"), ""),
            subject=lambda d: d.target.schedule.unit,
            plan=plan_ping_slots,
            describe=lambda d: str(d.target),
        )
    )

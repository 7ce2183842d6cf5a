"""Home tiles for gate control: a guard's day starts at the station (one button, their post
preselected); a student's and a staff member's at their pass (and a student's leave);
counselors and college admins see the leave applications waiting for them; overseers the
last day's alerts."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.core.tiles import Tile

from . import selectors
from .models import GateAlert, LeaveApplication

ALERT_READERS = frozenset({Role.GATE_GUARD, Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE})
LEAVE_DECIDERS = frozenset({Role.COUNSELOR, Role.COLLEGE_ADMIN})
HAS_OWN_WORK = frozenset({Role.GATE_GUARD, Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE})
L = LeaveApplication.Status


def gate_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    tiles: list[Tile] = []
    if Role.GATE_GUARD in roles:
        tiles.extend(_station_tiles(user))
    if Role.STUDENT in roles:
        tiles.extend(_student_tiles(user))
    elif Role.STAFF in roles and not roles & HAS_OWN_WORK and selectors.staff_of(user) is not None:
        # A staff member with no other role starts at their pass; a guard's one big button
        # is the station, a counselor's their students (the pass stays in the menu).
        tiles.append(
            Tile(_("My pass"), kind="action", action=_("Show my pass"), url=reverse("gates:my_pass"), tone="secondary", key="pass")
        )
    if roles & ALERT_READERS:
        since = timezone.now() - timedelta(hours=24)
        count = selectors.visible_alerts(user).filter(created_at__gte=since).exclude(kind=GateAlert.Kind.OVERDUE).count()
        tiles.append(
            Tile(_("Gate alerts (24 h)"), count, url=reverse("gates:alerts"), tone="danger" if count else "success", key="gate-alerts")
        )
    if roles & LEAVE_DECIDERS:
        staff = selectors.staff_of(user)
        if staff is not None:
            tiles.append(_leave_queue_tile(user, staff))
    return tiles


def _station_tiles(user) -> list[Tile]:
    """One big button that opens the station at the guard's own post."""
    gates = list(selectors.guard_gates(user).select_related("parent").order_by("parent__name", "name")[:50])
    if not gates:
        return []
    posted = selectors.posted_gate_ids(user)
    gate = next((g for g in gates if g.pk in posted), None)
    if gate is not None:
        url = reverse("gates:station") + f"?gate={gate.pk}"
        note = _("Your post today: %(gate)s, %(campus)s") % {"gate": gate.name, "campus": gate.parent.name}
    else:
        # A post that covers a whole campus: the station asks which gate (or resumes the last one).
        url = reverse("gates:station")
        note = _("%(n)s gates of your post") % {"n": len(gates)}
    return [Tile(_("Guard station"), kind="action", action=_("Open the station"), url=url, note=note, key="station")]


def _student_tiles(user) -> list[Tile]:
    student = selectors.student_of(user)
    if student is None:
        return []
    now = timezone.now()
    leave = selectors.current_leave(student, now)
    tiles = [
        Tile(
            _("My pass"),
            kind="panel",
            template="gates/_home_pass.html",
            data={"json_url": reverse("gates:my_pass_json"), "holder": student, "leave": leave, "pass_url": reverse("gates:my_pass")},
            scripts=("gates/pass.js",),
            styles=("gates/gates.css",),
            key="pass",
        ),
        Tile(_("Going out"), kind="action", action=_("Apply for leave"), url=reverse("gates:leave_list") + "#leave-form", key="leave"),
    ]
    # What the student must do or wait for: the latest open application, or a leave not closed.
    open_leave = (
        LeaveApplication.objects.filter(student=student)
        .filter(status__in=[L.PENDING, L.COLLEGE, L.APPROVED], ends_at__gte=now - timedelta(days=7), returned_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if open_leave is not None:
        overdue = open_leave.status == L.APPROVED and open_leave.ends_at < now
        tiles.append(
            Tile(
                _("My leave application"),
                _("Overdue") if overdue else open_leave.get_status_display(),
                url=reverse("gates:leave_list"),
                tone="danger" if overdue else ("success" if open_leave.status == L.APPROVED else "warning"),
                note=(_("You were due back at %(time)s: return or contact your counselor.") if overdue else _("Back by %(time)s"))
                % {"time": timezone.localtime(open_leave.ends_at).strftime("%m-%d %H:%M")},
                key="my-leave",
            )
        )
    return tiles


def _leave_queue_tile(user, staff) -> Tile:
    from .services import may_decide

    waiting = selectors.visible_leaves(user).filter(status__in=[L.PENDING, L.COLLEGE]).select_related("student").order_by("created_at")[:50]
    pending = [leave for leave in waiting if may_decide(leave, staff)]
    # Shown at 0 too: a counselor learns where leave applications arrive before the first one does.
    return Tile(
        _("Leave applications to decide"),
        len(pending),
        url=reverse("gates:leave_list"),
        tone="warning" if pending else "success",
        key="leave-queue",
    )

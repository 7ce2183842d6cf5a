"""Leave that reaches people: the staff member who decides is told of a new application
(and the college of one waiting for it), and the student of the decision. Kept apart from
services/leaves.py so that the leave workflow's messages live in one place."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.notify.services import notify_users

from .models import LeaveApplication
from .selectors import college_staff, responsible_staff


def _window(leave: LeaveApplication) -> str:
    return f"{timezone.localtime(leave.starts_at):%m-%d %H:%M}–{timezone.localtime(leave.ends_at):%m-%d %H:%M}"


def _users(staff) -> list:
    return [s.user for s in staff if s.user_id]


def leave_waiting(leave: LeaveApplication) -> None:
    """Tell whoever must decide now: the responsible staff, or the college for the second step."""
    if leave.status == LeaveApplication.Status.PENDING:
        deciders = responsible_staff(leave.student, timezone.localdate(leave.starts_at))
    elif leave.status == LeaveApplication.Status.COLLEGE:
        deciders = college_staff(leave.student, timezone.localdate(leave.starts_at))
    else:
        return
    notify_users(
        users=_users(deciders),
        kind="gates.leave_request",
        title=_("%(student)s asks to go out %(window)s") % {"student": leave.student.name, "window": _window(leave)},
        body=_("Purpose: %(purpose)s; destination: %(destination)s.") % {"purpose": leave.purpose, "destination": leave.destination},
        url=reverse("gates:leave_list") + f"#leave-{leave.pk}",
    )


def leave_decided(leave: LeaveApplication) -> None:
    """Tell the student the outcome (and the college, when it is now their turn)."""
    if leave.status == LeaveApplication.Status.COLLEGE:
        leave_waiting(leave)
        return
    if leave.status == LeaveApplication.Status.APPROVED:
        title = _("Your leave %(window)s is approved; be back by %(back)s") % {
            "window": _window(leave),
            "back": f"{timezone.localtime(leave.ends_at):%m-%d %H:%M}",
        }
        body = ""
    elif leave.status == LeaveApplication.Status.REJECTED:
        title = _("Your leave %(window)s was not approved") % {"window": _window(leave)}
        body = leave.rejection_reason
    else:
        return
    user = leave.student.user if leave.student.user_id else None
    notify_users(users=[user], kind="gates.leave_decision", title=title, body=body, url=reverse("gates:leave_list"))

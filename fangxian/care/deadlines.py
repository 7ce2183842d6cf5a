"""The clocks of care (fangxian.deadlines): the follow-up clock of a care plan, and the time
limit of a student's request for help, both escalated up the chain of responsibility."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fangxian.deadlines import recipients
from fangxian.deadlines.registry import DeadlineKind, Step

from .models import CarePlan, HelpRequest
from .services import FOLLOW_UP_KIND, HELP_KIND


def _owner(deadline) -> list:
    plan = deadline.target
    user = plan.owner.user if plan is not None and plan.owner.user_id else None
    return [user] if user is not None and user.is_active else []


def _help_staff(deadline) -> list:
    request = deadline.target
    user = request.staff.user if request is not None and request.staff_id and request.staff.user_id else None
    return [user] if user is not None and user.is_active else []


def _plan_message(deadline, step) -> tuple[str, str]:
    plan = deadline.target
    due = timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M")
    title = _("Care follow-up due: %(name)s (%(kind)s)") % {"name": plan.student.name, "kind": plan.get_kind_display()}
    return title, _("%(step)s: the follow-up was due %(due)s.") % {"step": step.label, "due": due}


def _help_message(deadline, step) -> tuple[str, str]:
    request = deadline.target
    due = timezone.localtime(deadline.due_at).strftime("%H:%M")
    title = _("Help request not answered: %(name)s (%(kind)s)") % {"name": request.student.name, "kind": request.get_kind_display()}
    return title, _("%(step)s: to be answered by %(due)s.") % {"step": step.label, "due": due}


FOLLOW_UP = DeadlineKind(
    key=FOLLOW_UP_KIND,
    label=_l("Care follow-up"),
    model=CarePlan,
    steps=[
        Step("owner", _l("To the member of staff looking after the student"), timedelta(0), to=_owner),
        Step("counselor", _l("To the counselor"), timedelta(days=2), to=recipients.along("counselor", "class_teacher")),
        Step("college", _l("To the college"), timedelta(days=5), to=recipients.along("college_admin")),
    ],
    is_done=lambda d: d.target is None or d.target.ended_at is not None,
    visible=lambda user: CarePlan.objects.visible_to(user),
    url=lambda d: reverse("care:plan", args=[d.object_id]),
    message=_plan_message,
    subject=lambda d: d.target.student,
    describe=lambda d: f"{d.target.student.name} · {d.target.get_kind_display()}",
)

HELP = DeadlineKind(
    key=HELP_KIND,
    label=_l("Help request"),
    model=HelpRequest,
    steps=[
        Step("remind", _l("Reminder"), -timedelta(minutes=10), to=_help_staff),
        Step("counselor", _l("To the counselor"), timedelta(0), to=recipients.along("counselor", "class_teacher")),
        Step("college", _l("To the college"), timedelta(minutes=30), to=recipients.along("college_admin")),
        Step("office", _l("To the office"), timedelta(hours=2), to=recipients.office()),
    ],
    is_done=lambda d: d.target is None or d.target.answered_at is not None,
    visible=lambda user: HelpRequest.objects.visible_to(user),
    url=lambda d: reverse("care:help", args=[d.object_id]),
    message=_help_message,
    subject=lambda d: d.target.student,
    describe=lambda d: f"{d.target.student.name} · {d.target.get_kind_display()}",
)

"""The clocks of care (fangxian.deadlines): the follow-up clock of a care plan, and the time
limit of a student's request for help, both escalated up the chain of responsibility; and
each canteen's daily report (食堂日报), due every day by a time of day (settings:
CARE_CANTEEN_REPORT_DUE, 10:00 by default): its managers are reminded before it, the
logistics office is told when a canteen has not reported by then."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.deadlines import recipients
from fangxian.deadlines.registry import DeadlineKind, Step
from fangxian.org.chain import holders_on, users_of

from . import access
from .models import Canteen, CanteenReport, CarePlan, HelpRequest
from .services import CANTEEN_REPORT_DAYS_BACK, CANTEEN_REPORT_KIND, FOLLOW_UP_KIND, HELP_KIND


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
    label=gettext_lazy("Care follow-up"),
    model=CarePlan,
    steps=[
        Step("owner", gettext_lazy("To the member of staff looking after the student"), timedelta(0), to=_owner),
        Step("counselor", gettext_lazy("To the counselor"), timedelta(days=2), to=recipients.along("counselor", "class_teacher")),
        Step("college", gettext_lazy("To the college"), timedelta(days=5), to=recipients.along("college_admin")),
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
    label=gettext_lazy("Help request"),
    model=HelpRequest,
    steps=[
        Step("remind", gettext_lazy("Reminder"), -timedelta(minutes=10), to=_help_staff),
        Step("counselor", gettext_lazy("To the counselor"), timedelta(0), to=recipients.along("counselor", "class_teacher")),
        Step("college", gettext_lazy("To the college"), timedelta(minutes=30), to=recipients.along("college_admin")),
        Step("office", gettext_lazy("To the office"), timedelta(hours=2), to=recipients.office()),
    ],
    is_done=lambda d: d.target is None or d.target.answered_at is not None,
    visible=lambda user: HelpRequest.objects.visible_to(user),
    url=lambda d: reverse("care:help", args=[d.object_id]),
    message=_help_message,
    subject=lambda d: d.target.student,
    describe=lambda d: f"{d.target.student.name} · {d.target.get_kind_display()}",
)


# -- the canteens' daily reports ----------------------------------------------------------------


def canteen_report_due(day: date) -> datetime:
    """When a canteen's report of `day` is due (the same time of day for every canteen)."""
    hour, minute = (int(part) for part in settings.CARE_CANTEEN_REPORT_DUE.split(":"))
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _reminder_lead() -> timedelta:
    return timedelta(minutes=settings.CARE_CANTEEN_REMINDER_MINUTES)


def canteen_key(day: date) -> str:
    return day.isoformat()


def _canteen_day(deadline) -> date:
    return date.fromisoformat(deadline.key)


def plan_canteen_reports(now: datetime) -> int:
    """Give every canteen in use that has not reported today a deadline once its reminder is
    due; deadlines of days that can no longer be reported leave the overdue list."""
    from fangxian.deadlines.models import Deadline
    from fangxian.deadlines.services import ensure_deadlines

    day = timezone.localdate(now)
    due = canteen_report_due(day)
    created = 0
    if now >= due - _reminder_lead():
        reported = CanteenReport.objects.filter(day=day).values("canteen_id")
        canteens = Canteen.objects.filter(is_active=True).exclude(pk__in=reported).values_list("pk", flat=True)
        created = ensure_deadlines(CANTEEN_REPORT_KIND, Canteen, [(pk, canteen_key(day), due, {}) for pk in canteens])
    stale = day - timedelta(days=CANTEEN_REPORT_DAYS_BACK + 1)
    Deadline.objects.open().filter(kind=CANTEEN_REPORT_KIND, key__lte=canteen_key(stale)).update(cancelled_at=now, next_step_at=None)
    return created


def _canteen_managers(deadline) -> list:
    canteen = deadline.target
    return users_of(holders_on(canteen.place, [access.CANTEEN_MANAGER], at=recipients.moment(deadline)))


def _logistics_office(deadline) -> list:
    """The logistics office of the canteen's institution (posted to a department, not on the
    chain above the canteen's building)."""
    from fangxian.org.models import Assignment

    canteen = deadline.target
    rows = (
        Assignment.objects.active_at(recipients.moment(deadline))
        .filter(role=access.LOGISTICS, staff__institution_id=canteen.institution_id, staff__is_active=True)
        .select_related("staff__user")
    )
    people = {row.staff.user_id: row.staff.user for row in rows if row.staff.user_id and row.staff.user.is_active}
    return list(people.values())


def _canteen_done(deadline) -> bool:
    return deadline.target is None or CanteenReport.objects.filter(canteen_id=deadline.object_id, day=_canteen_day(deadline)).exists()


def _canteen_message(deadline, step) -> tuple[str, str]:
    words = {
        "canteen": deadline.target.name,
        "day": _canteen_day(deadline).isoformat(),
        "due": timezone.localtime(deadline.due_at).strftime("%H:%M"),
    }
    if step.key == "remind":
        return (
            _("Reminder: the daily report of %(canteen)s is due at %(due)s") % words,
            _("%(canteen)s has not yet sent its daily report of %(day)s (windows, meals, food samples, staff health check).") % words,
        )
    return (
        _("Overdue: %(canteen)s has not sent its daily report of %(day)s") % words,
        _("The daily report of %(canteen)s was due at %(due)s on %(day)s and has not been sent.") % words,
    )


def _visible_canteens(user):
    condition = access.visible_canteen_condition(user, students=False)
    return Canteen.objects.all() if condition is None else Canteen.objects.filter(condition)


CANTEEN_REPORT = DeadlineKind(
    key=CANTEEN_REPORT_KIND,
    label=gettext_lazy("Canteen daily report"),
    model=Canteen,
    steps=[
        Step("remind", gettext_lazy("Reminder to the canteen's managers"), -_reminder_lead(), to=_canteen_managers),
        Step("logistics", gettext_lazy("To the logistics office"), timedelta(0), to=_logistics_office),
    ],
    is_done=_canteen_done,
    visible=_visible_canteens,
    url=lambda d: reverse("care:canteen_report", args=[d.object_id]) + f"?day={d.key}",
    message=_canteen_message,
    subject=lambda d: d.target.place,
    plan=plan_canteen_reports,
    describe=lambda d: f"{d.target.name} · {d.key}",
)

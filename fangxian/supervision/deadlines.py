"""A 督办's deadline on the one deadline engine (fangxian.deadlines): a reminder to the unit's
responsible people a day before, the overdue notice to them at the deadline, then the
unit's responsible leader (包抓领导, else the institution's) a day later. Each step once per
deadline across all job consumers; nothing once the unit has answered or the 督办 is closed.
A return or an escalation moves the deadline, which starts the steps again."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.deadlines import recipients
from fangxian.deadlines.registry import DeadlineKind, Step, register
from fangxian.org.chain import holders_on, users_of

from .models import Case

KIND = "supervision.case"


def _case(deadline) -> Case:
    return deadline.target


def unit_people(deadline) -> list:
    """The people named on the 督办 and the unit's prevention officers."""
    case = _case(deadline)
    staff = {s.pk: s for s in case.responsible.select_related("user")}
    for s in holders_on(case.unit, ["college_admin"], at=recipients.moment(deadline)):
        staff.setdefault(s.pk, s)
    return users_of(staff.values())


def is_done(deadline) -> bool:
    return _case(deadline).status in (Case.Status.ANSWERED, Case.Status.CLOSED)


def message(deadline, step) -> tuple[str, str]:
    case = _case(deadline)
    due = f"{timezone.localtime(case.due_at):%Y-%m-%d %H:%M}"
    if step.key == "remind":
        title = _("Supervision notice %(number)s is due %(due)s") % {"number": case.number, "due": due}
    elif step.key == "overdue":
        title = _("Supervision notice %(number)s is overdue (due %(due)s)") % {"number": case.number, "due": due}
    else:
        title = _("%(unit)s has not answered supervision notice %(number)s (due %(due)s)") % {
            "unit": case.unit.name,
            "number": case.number,
            "due": due,
        }
    return title, case.title


def register_kind() -> DeadlineKind:
    return register(
        DeadlineKind(
            key=KIND,
            label=gettext_lazy("Supervision notice"),
            model=Case,
            steps=[
                Step("remind", gettext_lazy("Reminder"), -timedelta(days=1), to=unit_people),
                Step("overdue", gettext_lazy("Overdue: to the unit"), timedelta(0), to=unit_people),
                Step("leader", gettext_lazy("To the unit's responsible leader"), timedelta(days=1), to=recipients.along("leader")),
            ],
            is_done=is_done,
            visible=lambda user: Case.objects.visible_to(user),
            url=lambda deadline: reverse("supervision:case", args=[deadline.object_id]),
            message=message,
            subject=lambda deadline: _case(deadline).unit,
            describe=lambda deadline: str(_case(deadline)),
        )
    )

"""The rectification deadline (整改期限) on the deadline engine: a reminder to the owner a
day before; when overdue, the owner and the leader of the owner's unit (包抓领导 of the
college or department, else the institution's); a day later the prevention office."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.deadlines import recipients
from fangxian.deadlines.registry import DeadlineKind, Step, register
from fangxian.org.chain import users_of
from fangxian.org.models import AssignmentRole

from .models import Finding
from .services import DEADLINE_KIND


def _finding(deadline) -> Finding:
    return deadline.target


def owner(deadline) -> list:
    finding = _finding(deadline)
    return users_of([finding.owner]) if finding is not None and finding.owner_id else []


def subject(deadline):
    """The chain starts at the owner's unit (its leader hears of it), else at the place."""
    finding = _finding(deadline)
    return finding.unit or finding.place


def is_done(deadline) -> bool:
    finding = _finding(deadline)
    return finding is None or finding.status != Finding.Status.OPEN


def message(deadline, step) -> tuple[str, str]:
    finding = _finding(deadline)
    due = timezone.localtime(finding.due_at).strftime("%Y-%m-%d %H:%M")
    who = finding.owner.name if finding.owner_id else _("nobody")
    if step.key == "remind":
        title = _("Hazard due for rectification tomorrow: %(place)s · %(title)s")
    else:
        title = _("Hazard rectification overdue: %(place)s · %(title)s")
    title = title % {"place": finding.place.name, "title": finding.title[:60]}
    body = _("%(level)s. Rectify by %(due)s; person responsible: %(owner)s.") % {
        "level": finding.get_level_display(),
        "due": due,
        "owner": who,
    }
    return title, body


KIND = DeadlineKind(
    key=DEADLINE_KIND,
    label=gettext_lazy("Hazard rectification"),
    model=Finding,
    steps=[
        Step("remind", gettext_lazy("Reminder to the person responsible"), -timedelta(days=1), to=owner),
        Step(
            "leader",
            gettext_lazy("To the unit's leader"),
            timedelta(0),
            to=recipients.combine(owner, recipients.along(AssignmentRole.LEADER)),
        ),
        Step("office", gettext_lazy("To the office"), timedelta(days=1), to=recipients.office()),
    ],
    is_done=is_done,
    visible=lambda user: Finding.objects.visible_to(user),
    url=lambda deadline: reverse("hazards:finding", args=[deadline.object_id]),
    message=message,
    subject=subject,
    describe=lambda deadline: str(deadline.target),
)


def register_kind() -> None:
    register(KIND)

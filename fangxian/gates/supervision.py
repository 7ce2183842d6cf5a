"""Supervision rule of the gates (fangxian.core.supervision): a student not back from an
approved leave a day after it ended is proposed to discipline inspection, once per leave,
for the college the student belongs to."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule

from .selectors import overdue_leaves

OVERDUE_FOR = timedelta(days=1)


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def leaves_overdue(day: date):
    # The end of `day` (local): a leave that ended a day before that and is still not back.
    moment = timezone.make_aware(datetime.combine(day, time.max))
    leaves = overdue_leaves(min(moment, timezone.now()) - OVERDUE_FOR).select_related("student", "student__klass").order_by("ends_at", "pk")
    for leave in leaves:
        ids = _ids(leave.student.klass.path)
        if len(ids) < 2:
            continue
        ends = timezone.localtime(leave.ends_at)
        yield Proposal(
            rule="gates.leave_overdue",
            key=f"leave:{leave.pk}",
            unit_id=ids[1],
            title=_("%(name)s (%(klass)s) not back from leave since %(ends)s")
            % {"name": leave.student.name, "klass": leave.student.klass.name, "ends": f"{ends:%Y-%m-%d %H:%M}"},
            evidence=_("Leave to %(where)s, back by %(ends)s; not back when checked on %(day)s")
            % {"where": leave.destination, "ends": f"{ends:%Y-%m-%d %H:%M}", "day": f"{day:%Y-%m-%d}"},
            url=reverse("gates:leave_list"),
        )


def register_rules() -> None:
    register_supervision_rule(
        SupervisionRule("gates.leave_overdue", gettext_lazy("Students not back from leave"), leaves_overdue, order=50)
    )

"""Supervision rule: care follow-ups overdue in a college (关爱跟进逾期)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.core.supervision import Proposal, SupervisionRule

from .selectors import overdue_by_unit

# A college is proposed when this many follow-ups are overdue at the end of the day.
THRESHOLD = 3


def overdue_follow_ups(day: date):
    moment = timezone.make_aware(datetime.combine(day, time(23, 59)))
    from fangxian.org.models import Unit

    grouped = overdue_by_unit(moment)
    names = dict(Unit.objects.filter(pk__in=grouped).values_list("pk", "name"))
    for unit_id, plans in sorted(grouped.items()):
        if len(plans) < THRESHOLD:
            continue
        oldest = min(p.next_due_at for p in plans)
        yield Proposal(
            rule=RULE.key,
            key=f"{unit_id}:{day:%G-W%V}",
            unit_id=unit_id,
            title=f"{names[unit_id]}关爱跟进逾期{len(plans)}人",
            evidence="；".join(
                f"{p.student.name}（{p.get_kind_display()}，应于{timezone.localtime(p.next_due_at):%m-%d}跟进，责任人{p.owner.name}）"
                for p in plans[:20]
            )
            + f"。最早逾期自{timezone.localtime(oldest):%Y-%m-%d}。",
            url=reverse("care:list") + "?overdue=1",
            count=len(plans),
        )


RULE = SupervisionRule("care.follow_up_overdue", _("Care follow-ups overdue"), overdue_follow_ups, order=70)

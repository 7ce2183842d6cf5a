"""Supervision rule of the stay ledger (fangxian.core.supervision): stay applications left
undecided (by the counselor or the college) for more than a few days, one proposal per
college and week."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule
from fangxian.org.models import Unit

from .models import StayApplication

WAITING_DAYS = 3
WAITING = (StayApplication.Stage.SUBMITTED, StayApplication.Stage.COUNSELOR_APPROVED)


def _college(path: str) -> int | None:
    ids = [int(part) for part in path.strip("/").split("/") if part]
    return ids[1] if len(ids) >= 2 else None


def undecided_applications(day: date):
    before = timezone.make_aware(datetime.combine(day - timedelta(days=WAITING_DAYS), time.min))
    rows = StayApplication.objects.filter(stage__in=WAITING, created_at__lt=before).values_list("student__klass__path", "created_at")
    per_college: dict[int, list] = defaultdict(list)
    for path, created in rows:
        college = _college(path)
        if college is not None:
            per_college[college].append(created)
    names = dict(Unit.objects.filter(pk__in=per_college).values_list("pk", "name"))
    for unit_id in sorted(per_college):
        dates = per_college[unit_id]
        oldest = timezone.localtime(min(dates))
        yield Proposal(
            rule="ledger.stay_undecided",
            key=f"{unit_id}:{day:%G-W%V}",
            unit_id=unit_id,
            title=_("%(unit)s: %(n)s stay applications undecided for more than %(days)s days")
            % {"unit": names.get(unit_id, ""), "n": len(dates), "days": WAITING_DAYS},
            evidence=_("The oldest was submitted on %(when)s") % {"when": f"{oldest:%Y-%m-%d %H:%M}"},
            url=reverse("ledger:approvals"),
            count=len(dates),
        )


def register_rules() -> None:
    register_supervision_rule(
        SupervisionRule("ledger.stay_undecided", gettext_lazy("Stay applications left undecided"), undecided_applications, order=70)
    )

"""The supervision rule of policy publicity: policies in force for three days or more whose
read rate in a college or department stays below 60 %."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule

from . import selectors

THRESHOLD = 60
DAYS = 3


def low_read_rates(day: date):
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    for notice, unit, total, read in selectors.low_read_units(at=end, older_than=end - timedelta(days=DAYS), threshold=THRESHOLD):
        rate = round(100 * read / total) if total else 0
        yield Proposal(
            rule="notices.low_read",
            key=f"{notice.pk}:{unit.pk}",
            unit_id=unit.pk,
            title=f"{unit.name}《{notice.title[:60]}》阅读确认率仅{rate}%",
            evidence=f"{notice.number or notice.title}：应确认{total}人，已确认{read}人（截至{day:%Y-%m-%d}）",
            url=reverse("notices:detail", args=[notice.pk]),
            count=total - read,
        )


def register_rules() -> None:
    register_supervision_rule(SupervisionRule("notices.low_read", _("Policies with low read rates"), low_read_rates, order=50))

"""Supervision rule (督查督办): units with hazards overdue for rectification."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule

from .models import Finding

RULE = "hazards.overdue"


def _line(f: Finding) -> str:
    owner = f.owner.name if f.owner_id else "未指定"
    return f"{f.place.name}·{f.title[:30]}（{f.get_level_display()}，期限{timezone.localtime(f.due_at):%m-%d}，责任人{owner}）"


def overdue_findings(day: date):
    """One proposal per unit and week listing its hazards overdue at the end of `day`."""
    end = timezone.make_aware(datetime.combine(day, time.max))
    rows = (
        Finding.objects.filter(status=Finding.Status.OPEN, due_at__lt=end, unit__isnull=False)
        .select_related("unit", "place", "owner")
        .order_by("unit_id", "due_at", "pk")
    )
    by_unit: dict[int, list[Finding]] = defaultdict(list)
    for finding in rows:
        by_unit[finding.unit_id].append(finding)
    for unit_id, found in by_unit.items():
        unit = found[0].unit
        evidence = "；".join(_line(f) for f in found[:20])
        yield Proposal(
            rule=RULE,
            key=f"{unit_id}:{day:%G-W%V}",
            unit_id=unit_id,
            title=f"{unit.name}有{len(found)}项安全隐患逾期未整改",
            evidence=evidence,
            url=reverse("hazards:findings") + f"?overdue=1&unit={unit_id}",
            count=len(found),
        )


def register_rules() -> None:
    register_supervision_rule(SupervisionRule(RULE, _("Hazards overdue for rectification"), overdue_findings, order=40))

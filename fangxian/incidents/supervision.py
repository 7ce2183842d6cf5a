"""The supervision rule of incident reports: units that reported incidents late (the first
report after the level's limit, or a written or follow-up report overdue)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.supervision import Proposal, SupervisionRule

from . import selectors

RULE = "incidents.late"
WINDOW_DAYS = 7


def late_reports(day):
    for row in selectors.late_reports(since=day - timedelta(days=WINDOW_DAYS - 1), until=day):
        yield Proposal(
            rule=RULE,
            key=f"{row.unit_id}:{day:%G-W%V}",  # one proposal per unit and week
            unit_id=row.unit_id,
            title=_("%(unit)s reported %(n)s incidents late in the last %(days)s days")
            % {"unit": row.unit_name, "n": row.late, "days": WINDOW_DAYS},
            evidence="；".join(row.titles[:10]),
            url=reverse("incidents:list") + "?status=all",
            count=row.late,
        )


SUPERVISION_RULE = SupervisionRule(RULE, gettext_lazy("Incident reports late"), late_reports, order=40)

"""Supervision rule of the command dashboard (fangxian.core.supervision): a college whose
headcount reconciliation (底数清) of the previous day leaves a difference that no named
student explains, once per college and day."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule
from fangxian.org.models import Unit

from .models import ClassDay
from .reconcile import reconcile_many


def unexplained_differences(day: date):
    checked = day - timedelta(days=1)  # a finished day
    college_ids = sorted(set(ClassDay.objects.filter(day=checked).values_list("college_id", flat=True)))
    colleges = list(Unit.objects.filter(pk__in=college_ids).order_by("path"))
    # Every college of the day at once: the university-wide reads (leaves, referrals, the
    # ledger's placements) once, not once per college.
    reconciled = reconcile_many(colleges, checked)
    for college in colleges:
        r = reconciled[college.pk]
        gate, report = r.gate_unexplained, r.report_unexplained
        if not gate and not report:
            continue
        parts = []
        if gate:
            parts.append(_("gate presence differs from the ledger by %(n)s without a named student") % {"n": gate})
        if report:
            parts.append(_("the reported headcount differs from the ledger by %(n)s without a named student") % {"n": report})
        yield Proposal(
            rule="dashboard.unexplained",
            key=f"{college.pk}:{checked:%Y-%m-%d}",
            unit_id=college.pk,
            title=_("%(unit)s: headcount difference left unexplained on %(day)s") % {"unit": college.name, "day": f"{checked:%Y-%m-%d}"},
            evidence=_("Ledger %(ledger)s, gate presence %(present)s, reported %(reported)s: %(parts)s")
            % {
                "ledger": r.ledger,
                "present": r.present,
                "reported": "—" if r.reported is None else r.reported,
                "parts": "；".join(parts),
            },
            url=reverse("dashboard:reconcile_college", args=[college.pk]) + f"?day={checked:%Y-%m-%d}",
            count=abs(gate or 0) + abs(report or 0),
        )


def register_rules() -> None:
    register_supervision_rule(
        SupervisionRule("dashboard.unexplained", gettext_lazy("Headcount differences left unexplained"), unexplained_differences, order=60)
    )

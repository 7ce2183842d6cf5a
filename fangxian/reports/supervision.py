"""Supervision rules of daily reporting (fangxian.core.supervision): a unit that did not
report (未报) or reported late (迟报) several times in the last two weeks is proposed to
discipline inspection, once per unit, form and ISO week however often the job runs."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.supervision import Proposal, SupervisionRule, register_supervision_rule

from .models import REPORTED_STATUSES, ReportForm, Submission

PERIOD_DAYS = 14
MISSED_AT_LEAST = 2
LATE_AT_LEAST = 3


def _record(day: date):
    """For every active daily form: the days of the period it was due, its expected units,
    and per (form, unit) the days missed and the days late. Two queries per form."""
    until = day - timedelta(days=1)  # today's reports may still come in
    since = until - timedelta(days=PERIOD_DAYS - 1)
    for form in ReportForm.objects.active().filter(frequency=ReportForm.Frequency.DAILY).order_by("sort_order", "code"):
        days = [since + timedelta(days=n) for n in range(PERIOD_DAYS) if form.is_due_on(since + timedelta(days=n))]
        if not days:
            continue
        units = list(form.expected_units())
        reported: dict[int, set[date]] = {}
        late: dict[int, list[date]] = {}
        for unit_id, when, is_late in Submission.objects.filter(
            form=form, day__in=days, unit__in=[u.pk for u in units], status__in=REPORTED_STATUSES
        ).values_list("unit_id", "day", "is_late"):
            reported.setdefault(unit_id, set()).add(when)
            if is_late:
                late.setdefault(unit_id, []).append(when)
        for unit in units:
            missed = [d for d in days if d not in reported.get(unit.pk, set())]
            yield form, unit, until, missed, sorted(late.get(unit.pk, []))


def _url(form: ReportForm, until: date) -> str:
    return reverse("reports:calendar", args=[form.code]) + "?" + urlencode({"month": f"{until:%Y-%m}"})


def _dates(days) -> str:
    return "、".join(f"{d:%m-%d}" for d in days)


def missed_reports(day: date):
    for form, unit, until, missed, _late in _record(day):
        if len(missed) >= MISSED_AT_LEAST:
            yield Proposal(
                rule="reports.missed",
                key=f"{form.code}:{unit.pk}:{until:%G-W%V}",
                unit_id=unit.pk,
                title=_("%(unit)s did not report %(form)s %(n)s times in %(days)s days")
                % {"unit": unit.name, "form": form.name, "n": len(missed), "days": PERIOD_DAYS},
                evidence=_("Not reported on: %(dates)s") % {"dates": _dates(missed)},
                url=_url(form, until),
                count=len(missed),
            )


def late_reports(day: date):
    for form, unit, until, _missed, late in _record(day):
        if len(late) >= LATE_AT_LEAST:
            yield Proposal(
                rule="reports.late",
                key=f"{form.code}:{unit.pk}:{until:%G-W%V}",
                unit_id=unit.pk,
                title=_("%(unit)s reported %(form)s late %(n)s times in %(days)s days")
                % {"unit": unit.name, "form": form.name, "n": len(late), "days": PERIOD_DAYS},
                evidence=_("Reported late on: %(dates)s") % {"dates": _dates(late)},
                url=_url(form, until),
                count=len(late),
            )


def register_rules() -> None:
    register_supervision_rule(SupervisionRule("reports.missed", gettext_lazy("Daily reports not reported"), missed_reports, order=10))
    register_supervision_rule(SupervisionRule("reports.late", gettext_lazy("Daily reports late"), late_reports, order=20))

"""Home tiles for daily reports: a unit's reporter sees today's report and its state (a
report not yet in, or returned by the office, is the day's work and leads the page); the
office, leaders and discipline inspection see how complete each form is today."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import roles_of
from fangxian.core.tiles import Tile

from . import selectors
from .models import Submission
from .views import OVERSEERS, READERS  # the role sets the report pages check

# Past this many units a reporter gets one tile for the form instead of one per unit.
UNIT_TILES_MAX = 3

S = Submission.Status


def report_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    if not roles & set(READERS):
        return []
    today = timezone.localdate()
    now = timezone.now()
    tiles: list[Tile] = []
    for form in selectors.visible_forms(user):
        if not form.is_due_on(today):
            continue
        if roles & set(OVERSEERS):
            state = selectors.completeness(user, form, today, with_people=False)
            if not state.expected:
                continue  # no unit in this user's view reports on it
            tone = "success" if not state.missing else ("danger" if state.deadline_passed else "warning")
            tiles.append(
                Tile(
                    _("%(form)s today") % {"form": form.name},
                    f"{state.submitted}/{state.expected}",
                    url=reverse("reports:completeness", args=[form.code]),
                    tone=tone,
                    note=_("%(n)s missing") % {"n": state.missing},
                    key=f"report-{form.code}",
                )
            )
            continue
        units = list(selectors.reportable_units(user, form).order_by("name"))
        if not units:
            continue
        status_of = dict(Submission.objects.filter(form=form, day=today, unit__in=units).values_list("unit_id", "status"))
        late = now > form.deadline_on(today)
        if len(units) > UNIT_TILES_MAX:
            to_do = sum(1 for u in units if status_of.get(u.pk) in (None, S.DRAFT, S.RETURNED))
            tiles.append(
                Tile(
                    _("To report today: %(form)s") % {"form": form.name},
                    to_do,
                    url=reverse("reports:index"),
                    tone="danger" if to_do else "success",
                    note=_("of %(n)s units") % {"n": len(units)},
                    key=f"report-{form.code}",
                )
            )
            continue
        for unit in units:
            tiles.append(_unit_tile(form, unit, today, status_of.get(unit.pk), late))
    return tiles


def _unit_tile(form, unit, today, status, late: bool) -> Tile:
    url = reverse("reports:fill", args=[form.code, unit.pk, today.isoformat()])
    title = _("%(form)s · %(unit)s") % {"form": form.name, "unit": unit.name}
    deadline = form.deadline_on(today)
    if status == S.RETURNED:
        return Tile(
            title,
            kind="action",
            action=_("Correct the returned report"),
            url=url,
            tone="danger",
            note=_("The office returned today's report: see its comment and submit again."),
            key=f"report-{form.code}-{unit.pk}",
        )
    if status in (None, S.DRAFT):
        note = (_("Not reported; the deadline %(time)s has passed.") if late else _("Not reported yet; due by %(time)s.")) % {
            "time": timezone.localtime(deadline).strftime("%H:%M")
        }
        if status == S.DRAFT:
            note = _("Draft saved, not submitted.") + " " + note
        return Tile(
            title,
            kind="action",
            action=_("Fill in today's report"),
            url=url,
            tone="danger" if late else "primary",
            note=note,
            key=f"report-{form.code}-{unit.pk}",
        )
    return Tile(
        title,
        S(status).label,
        url=url,
        tone="success",
        note=_("Today's report is in."),
        key=f"report-{form.code}-{unit.pk}",
    )

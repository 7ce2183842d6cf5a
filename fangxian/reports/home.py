"""Home tiles for daily reports: a unit's reporter sees today's report and its state (a
report not yet in, or returned by the office, is the day's work and leads the page); the
office, leaders and discipline inspection see how complete each form is today."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import roles_of
from fangxian.core.tiles import Tile
from fangxian.org.access import can_write

from . import selectors
from .access import REPORTERS
from .models import ReportForm, Submission
from .views import OVERSEERS, READERS  # the role sets the report pages check

# Past this many units a reporter gets one tile for the form instead of one per unit.
UNIT_TILES_MAX = 3

S = Submission.Status


def report_tiles(user) -> list[Tile]:
    """The same few queries whatever the number of forms due: the forms with their unit
    lists, the units expected on them that the user sees, and today's submissions."""
    roles = roles_of(user)
    if not roles & set(READERS):
        return []
    overseer = bool(roles & set(OVERSEERS))
    if not overseer and not can_write(user, REPORTERS):
        return []  # a reader who neither oversees nor reports has no tile
    today = timezone.localdate()
    now = timezone.now()
    forms = [form for form in ReportForm.objects.active().prefetch_related("units").order_by("sort_order", "code") if form.is_due_on(today)]
    expected = selectors.expected_units_by_form(user, forms)
    status_of: dict[tuple[int, int], tuple[str, bool]] = {
        (form_id, unit_id): (status, is_late)
        for form_id, unit_id, status, is_late in Submission.objects.filter(
            form__in=forms, day=today, unit__in={u.pk for units in expected.values() for u in units}
        ).values_list("form_id", "unit_id", "status", "is_late")
    }
    tiles: list[Tile] = []
    for form in forms:
        units = expected[form.pk]
        if not units:
            continue  # no unit in this user's view reports on it
        if overseer:
            # As selectors.completeness counts: a submission other than a draft is in.
            submitted = sum(1 for u in units if status_of.get((form.pk, u.pk), (S.DRAFT, False))[0] != S.DRAFT)
            missing = len(units) - submitted
            tone = "success" if not missing else ("danger" if now > form.deadline_on(today) else "warning")
            tiles.append(
                Tile(
                    _("%(form)s today") % {"form": form.name},
                    f"{submitted}/{len(units)}",
                    url=reverse("reports:completeness", args=[form.code]),
                    tone=tone,
                    note=_("%(n)s missing") % {"n": missing},
                    key=f"report-{form.code}",
                )
            )
            continue
        units = sorted(units, key=lambda u: u.name)
        status = {u.pk: status_of[(form.pk, u.pk)][0] for u in units if (form.pk, u.pk) in status_of}
        late = now > form.deadline_on(today)
        if len(units) > UNIT_TILES_MAX:
            to_do = sum(1 for u in units if status.get(u.pk) in (None, S.DRAFT, S.RETURNED))
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
            tiles.append(_unit_tile(form, unit, today, status.get(unit.pk), late))
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

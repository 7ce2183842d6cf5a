"""Roster pages: the list of rosters, one roster's month, its settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangxian.accounts.access import require_roles
from fangxian.core.params import date_param
from fangxian.core.views import form_errors
from fangxian.org.access import can_write, has_any, require_write
from fangxian.org.models import Unit
from fangxian.org.scope import scope_of

from .. import access, selectors, services
from ..forms import RosterForm


@require_roles(*access.READERS)
def roster_list(request):
    rosters = selectors.visible_rosters(request.user)
    missing = selectors.units_without_roster(request.user) if can_write(request.user, access.WRITERS) else Unit.objects.none()
    return render(request, "duty/roster_list.html", {"rosters": rosters, "missing": missing})


def _month(request):
    today = timezone.localdate()
    month = date_param(request.GET.get("month"), "month", default=today) or today
    return month.replace(day=1)


@require_roles(*access.READERS)
def roster_detail(request, pk: int):
    roster = get_object_or_404(selectors.visible_rosters(request.user), pk=pk)
    first, last = selectors.month_bounds(_month(request))
    rows = selectors.roster_rows(roster, first, last)
    previous = (first.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    following = last + timezone.timedelta(days=1)
    show_phones = bool(scope_of(request.user).roles & access.PHONE_ROLES)
    return render(
        request,
        "duty/roster_detail.html",
        {
            "roster": roster,
            "rows": rows,
            "first": first,
            "last": last,
            "previous": previous,
            "following": following,
            "can_edit": can_write(request.user, access.WRITERS, roster.unit),
            "may_ask_unmasked": has_any(request.user, access.PHONE_ROLES),
            "show_phones": show_phones,
        },
    )


@require_roles(*access.WRITERS)
@require_http_methods(["GET", "POST"])
def roster_settings(request, unit_id: int):
    """Create a unit's roster or change its shifts and check-in time."""
    unit = selectors.scoped_unit(request.user, unit_id)
    require_write(request.user, access.WRITERS, unit)
    roster = getattr(unit, "duty_roster", None)
    form = RosterForm(request.POST or None, instance=roster)
    if request.method == "POST" and form.is_valid():
        try:
            roster = services.roster_save(unit=unit, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The roster is saved."))
            return redirect("duty:roster", pk=roster.pk)
    return render(request, "duty/roster_settings.html", {"unit": unit, "form": form, "roster": roster})

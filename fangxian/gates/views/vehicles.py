"""Vehicle registrations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.views import form_errors
from fangxian.org.access import can_write, require_write
from fangxian.web.lists import first_n

from .. import selectors, services
from ..access import STATION_USERS
from ..forms import VehicleForm


@require_roles(*STATION_USERS)
def vehicles(request):
    campuses = selectors.visible_campuses(request.user)
    writable = can_write(request.user, STATION_USERS)
    form = VehicleForm(request.POST or None, campuses=campuses)
    if request.method == "POST" and writable and form.is_valid():
        try:
            services.vehicle_register(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Vehicle registered."))
            return redirect("gates:vehicles")
    rows = selectors.visible_vehicles(request.user).filter(withdrawn_at__isnull=True, ends_at__gte=timezone.now()).select_related("campus")
    rows = first_n(rows, 300)
    return render(request, "gates/vehicles.html", {"form": form if writable else None, "rows": rows})


@require_roles(*STATION_USERS)
@require_POST
def vehicle_withdraw(request, pk: int):
    require_write(request.user, STATION_USERS)
    vehicle = get_object_or_404(selectors.visible_vehicles(request.user), pk=pk, withdrawn_at__isnull=True)
    services.vehicle_withdraw(vehicle=vehicle)
    messages.success(request, _("Registration withdrawn."))
    return redirect("gates:vehicles")

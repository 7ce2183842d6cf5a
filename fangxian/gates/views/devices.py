"""Station devices: issue a token for a gate (shown once), withdraw it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.org.models import Place

from .. import selectors, services
from ..forms import DeviceForm
from ..models import Device
from .campuses import _visible_campus


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def device_new(request, campus_id: int):
    if not selectors.can_manage_policies(request.user):
        raise Http404
    place = _visible_campus(request.user, campus_id)
    form = DeviceForm(request.POST, gates=Place.objects.filter(parent=place, kind=Place.Kind.GATE))
    if not form.is_valid():
        messages.error(request, _("Choose a gate and give the device a name."))
        return redirect("gates:campus", campus_id=place.pk)
    device, raw = services.device_issue(gate=form.cleaned_data["gate"], name=form.cleaned_data["name"], by=request.user, request=request)
    return render(request, "gates/device_token.html", {"device": device, "token": raw, "campus": place})


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def device_withdraw(request, device_id: int):
    if not selectors.can_manage_policies(request.user):
        raise Http404
    device = get_object_or_404(Device.objects.select_related("gate"), pk=device_id, withdrawn_at__isnull=True)
    services.device_withdraw(device=device, by=request.user, request=request)
    messages.success(request, _("The token of %(name)s has been withdrawn.") % {"name": device.name})
    return redirect("gates:campus", campus_id=device.gate.parent_id)

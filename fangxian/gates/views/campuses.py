"""The overview of the campuses, a campus page (policy, presence, scans, devices), a new
policy version, and the alerts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.access import require_roles
from fangxian.core.views import form_errors
from fangxian.org.models import Place
from fangxian.web.lists import first_n

from .. import reasons, selectors, services
from ..access import OVERSEERS, POLICY_PUBLISHERS
from ..forms import DeviceForm, PolicyForm
from ..models import Device, Direction, PolicyVersion, Scan


def _visible_campus(user, campus_id: int) -> Place:
    return get_object_or_404(selectors.visible_campuses(user), pk=campus_id)


@require_roles(*OVERSEERS)
def overview(request):
    campuses = []
    for campus in selectors.visible_campuses(request.user).order_by("sort_order", "name"):
        policy = selectors.policy_in_force(campus.pk)
        presence = selectors.presence(campus)
        campuses.append({"campus": campus, "policy": policy, "inside": len(presence.inside), "out": len(presence.out_expected)})
    alerts = selectors.visible_alerts(request.user)[:10]
    return render(
        request, "gates/overview.html", {"campuses": campuses, "alerts": alerts, "can_manage": selectors.can_manage_policies(request.user)}
    )


@require_roles(*OVERSEERS)
def campus(request, campus_id: int):
    place = _visible_campus(request.user, campus_id)
    policy = selectors.policy_in_force(place.pk)
    versions = list(PolicyVersion.objects.filter(campus=place).prefetch_related("rules").order_by("-number")[:10])
    history = [{"version": v, "changes": selectors.policy_changes(v), "upcoming": v.effective_at > timezone.now()} for v in versions]
    presence = selectors.presence(place)
    scans = first_n(Scan.objects.filter(campus=place).select_related("gate"), 50)
    can_manage = selectors.can_manage_policies(request.user)
    gates = Place.objects.filter(parent=place, kind=Place.Kind.GATE, archived_at__isnull=True)
    devices = Device.objects.filter(gate__in=gates).select_related("gate") if can_manage else []
    return render(
        request,
        "gates/campus.html",
        {
            "campus": place,
            "policy": policy,
            "grid": selectors.policy_grid(policy),
            "directions": Direction.labels,
            "history": history,
            "presence": presence,
            "scans": scans,
            "reasons": reasons.all_messages(),
            "can_manage": can_manage,
            "can_publish": selectors.can_publish_policy(request.user),
            "devices": devices,
            "device_form": DeviceForm(gates=gates) if can_manage else None,
        },
    )


@require_roles(*POLICY_PUBLISHERS)
def policy_new(request, campus_id: int):
    if not selectors.can_publish_policy(request.user):
        raise Http404
    place = _visible_campus(request.user, campus_id)
    current = selectors.policy_in_force(place.pk)
    form = PolicyForm(
        request.POST or None, initial_rules=current.rules, initial={"effective_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.policy_publish(
                campus=place,
                effective_at=form.cleaned_data["effective_at"],
                rules=form.rules(),
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Version %(n)s saved; it takes effect at %(at)s.")
                % {"n": version.number, "at": f"{timezone.localtime(version.effective_at):%Y-%m-%d %H:%M}"},
            )
            return redirect("gates:campus", campus_id=place.pk)
    return render(request, "gates/policy_form.html", {"campus": place, "form": form})


@require_roles(*OVERSEERS)
def alerts(request):
    return render(
        request, "gates/alerts.html", {"alerts": first_n(selectors.visible_alerts(request.user).select_related("recipient"), 200)}
    )

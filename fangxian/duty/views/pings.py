"""Reachability pings: the office sends, the people on duty answer (page or signed link), and
reachability over a period."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.params import date_param
from fangxian.core.views import error_text
from fangxian.org.access import can_write
from fangxian.org.models import Unit
from fangxian.org.scope import scope_of

from .. import access, selectors, services
from ..forms import PingForm, PingScheduleForm
from ..models import Ping, PingRequest
from ..roles import DUTY_UNIT_KINDS


def _ping_form(request, data=None, form_class=PingForm):
    """The send form, or the random-pings form: the units on duty in scope; everyone for the office."""
    units = scope_of(request.user).units(Unit.objects.active()).filter(kind__in=DUTY_UNIT_KINDS).order_by("path")
    return form_class(data, units=units, allow_all=can_write(request.user, access.OFFICE))


@require_roles(*access.READERS)
def pings(request):
    """My pings to answer; for the office and unit admins, the pings sent and a form to send one."""
    context = {"mine": selectors.open_pings(request.user)}
    if scope_of(request.user).roles & access.OFFICE_READ:
        sent = (
            Ping.objects.visible_to(request.user)
            .annotate(asked=Count("requests"), answered=Count("requests", filter=Q(requests__answered_at__isnull=False)))
            .order_by("-sent_at", "-pk")[:30]
        )
        context["sent"] = sent
        context["schedules"] = selectors.ping_schedules(request.user)
        if can_write(request.user, access.WRITERS):
            context["form"] = _ping_form(request)
            context["schedule_form"] = _ping_form(request, form_class=PingScheduleForm)
    return render(request, "duty/pings.html", context)


@require_roles(*access.WRITERS)
@require_POST
def ping_schedule(request):
    """Set, change or stop the random pings of a unit (or of everyone on duty: the office)."""
    form = _ping_form(request, request.POST, form_class=PingScheduleForm)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("duty:pings")
    settings = dict(form.cleaned_data)  # the service's own names
    unit = selectors.scoped_unit(request.user, settings.pop("unit"))
    try:
        schedule = services.schedule_save(by=request.user, unit=unit, **settings)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if schedule.active:
            messages.success(request, _("Random pings set: %(n)s a day for %(who)s.") % {"n": schedule.per_day, "who": schedule})
        else:
            messages.success(request, _("Random pings stopped for %(who)s.") % {"who": schedule})
    return redirect("duty:pings")


@require_roles(*access.WRITERS)
@require_POST
def ping_send(request):
    form = _ping_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("duty:pings")
    unit = selectors.scoped_unit(request.user, form.cleaned_data["unit"])
    try:
        ping = services.ping_send(by=request.user, unit=unit, minutes=form.cleaned_data["minutes"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Ping sent to %(n)s people on duty.") % {"n": ping.requests.count()})
    return redirect("duty:pings")


@require_roles(*access.READERS)
def ping_detail(request, pk: int):
    ping = get_object_or_404(Ping.objects.visible_to(request.user), pk=pk)
    requests = (
        PingRequest.objects.visible_to(request.user)
        .filter(ping=ping)
        .select_related("staff", "post__shift__roster__unit")
        .order_by("post__shift__roster__unit__path", "staff__name", "pk")
    )
    return render(request, "duty/ping.html", {"ping": ping, "requests": requests, "now": timezone.now()})


@require_roles(*access.ON_DUTY)
@require_POST
def ping_answer(request, pk: int):
    item = get_object_or_404(PingRequest.objects.visible_to(request.user).select_related("staff"), pk=pk)
    try:
        services.ping_answer_own(request=item, user=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Answered: you are on post and reachable."))
    return redirect(request.POST.get("next") == "mine" and "duty:mine" or "duty:pings")


@require_http_methods(["GET", "POST"])
def ping_link(request, token: str):
    """The signed link in the message: one tap answers, without signing in."""
    item = get_object_or_404(PingRequest.objects.select_related("staff", "ping", "post__shift__roster__unit"), token=token)
    error = None
    status = 200
    if request.method == "POST":
        try:
            item = services.ping_answer(request=item)
        except ValidationError as exc:
            error, status = error_text(exc), 400
    return render(request, "duty/ping_link.html", {"item": item, "error": error, "now": timezone.now()}, status=status)


@require_roles(*access.OFFICE_READ)
def reachability(request):
    today = timezone.localdate()
    first = date_param(request.GET.get("from"), "from", default=today - timedelta(days=29))
    last = date_param(request.GET.get("to"), "to", default=today)
    if last < first:
        first, last = last, first
    total, units, people = selectors.reachability(request.user, first, last)
    return render(request, "duty/reachability.html", {"first": first, "last": last, "total": total, "units": units, "people": people})

"""Visits: a host's invitations and decisions, and a visitor's request (no account needed)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts import throttle
from fangxian.core.views import error_text, form_errors
from fangxian.org.models import Place
from fangxian.org.scope import scope_of
from fangxian.web.lists import first_n

from .. import selectors, services
from ..forms import VisitForm, VisitRequestForm


@login_required
def visit_list(request):
    staff = selectors.staff_of(request.user)
    if staff is None and not scope_of(request.user).everything:
        raise Http404
    form = VisitForm(
        request.POST or None, campuses=Place.objects.filter(kind=Place.Kind.CAMPUS, institution_id=staff.institution_id) if staff else None
    )
    if request.method == "POST" and staff and form.is_valid():
        try:
            visit = services.visit_create(host=staff, invited=True, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Invitation saved. Send the visitor this link: %(url)s")
                % {"url": request.build_absolute_uri(reverse("gates:visitor_pass", args=[visit.token]))},
            )
            return redirect("gates:visit_list")
    visits = selectors.visible_visits(request.user).select_related("campus", "host").filter(ends_at__gte=timezone.now() - timedelta(days=7))
    visits = first_n(visits, 200)
    return render(request, "gates/visit_list.html", {"form": form if staff else None, "visits": visits, "staff": staff})


@login_required
@require_POST
def visit_decide(request, pk: int):
    staff = selectors.staff_of(request.user)
    visit = get_object_or_404(selectors.visible_visits(request.user), pk=pk)
    try:
        services.visit_decide(visit=visit, host=staff, approve=request.POST.get("decision") == "approve")
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("gates:visit_list")


def visit_request(request):
    """A visitor asks to come (no account needed); the host approves."""
    if request.method == "POST":
        throttle.hit_anonymous_form(request, "gates.visit_request")  # 429 past the per-address limit
    form = VisitRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        host = data.pop("host")
        data.pop("host_number")
        data.pop("host_name")
        try:
            visit = services.visit_create(host=host, invited=False, **data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            return redirect("gates:visitor_pass", token=visit.token)
    return render(request, "gates/visit_request.html", {"form": form})

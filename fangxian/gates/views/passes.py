"""Personal passes (a student's or staff member's QR code) and a visitor's pass."""

from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from fangxian.org.models import Student

from .. import selectors, services, signing
from ..models import Visit


def _qr_data_uri(token: str) -> str:
    return segno.make(token, error="m").svg_data_uri(scale=4, border=2)


def _pass_json(token: str, payload: dict, revoked: bool) -> dict:
    return {
        "token": token,
        "qr": _qr_data_uri(token),
        "expires": payload["e"],
        "refresh_seconds": signing.REFRESH_SECONDS,
        "revoked": revoked,
        "name": payload["nm"],
    }


def _holder(user):
    return selectors.student_of(user) or selectors.staff_of(user)


@login_required
def my_pass(request):
    holder = _holder(request.user)
    if holder is None:
        raise Http404
    leave = selectors.current_leave(holder) if isinstance(holder, Student) else None
    return render(request, "gates/pass.html", {"holder": holder, "json_url": reverse("gates:my_pass_json"), "leave": leave})


@login_required
@require_GET
def my_pass_json(request):
    holder = _holder(request.user)
    if holder is None:
        raise Http404
    token, payload = services.issue_personal_pass(holder)
    return JsonResponse(_pass_json(token, payload, selectors.active_revocation(payload["s"]) is not None))


def visitor_pass(request, token: str):
    visit = get_object_or_404(Visit.objects.select_related("campus", "host"), token=token)
    return render(request, "gates/visitor_pass.html", {"visit": visit, "json_url": reverse("gates:visitor_pass_json", args=[token])})


@require_GET
def visitor_pass_json(request, token: str):
    visit = get_object_or_404(Visit, token=token, status=Visit.Status.APPROVED, ends_at__gte=timezone.now())
    token_, payload = services.issue_visit_pass(visit)
    return JsonResponse(_pass_json(token_, payload, selectors.active_revocation(visit.subject) is not None))

"""End of the emergency: the office asks with a date, the security administrator approves
(another person); the page counts down to the purge of the epidemic-only data and offers
the signed certificate once it is done. The security administrator may also run the day's
retention job at once (it runs every night by itself)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangxian.accounts.access import require_roles
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.personal import Retention, personal_models
from fangxian.core.views import error_text
from fangxian.org.access import can_write, has_any

from .. import access, purge, selectors, services
from ..forms import EmergencyEndForm
from ..inventory import model_of
from ..models import EmergencyEnd


def _epidemic_tables() -> list[str]:
    names = []
    for entry in personal_models():
        model = model_of(entry)
        if model is not None and any(f.retention == Retention.AFTER_EMERGENCY for f in entry.fields):
            names.append(str(model._meta.verbose_name))
    return sorted(set(names))


@require_GET
@require_roles(*access.EMERGENCY_READERS)
def emergency(request, form: EmergencyEndForm | None = None):
    ends = list(selectors.emergency_ends(request.user)[:20])
    pending = next((e for e in ends if e.status == EmergencyEnd.Status.PENDING), None)
    approved = next((e for e in ends if e.status == EmergencyEnd.Status.APPROVED), None)
    today = timezone.localdate()
    may_request = can_write(request.user, access.EMERGENCY_REQUESTERS) and pending is None and approved is None
    context = {
        "ends": ends,
        "pending": pending,
        "approved": approved,
        "days_left": (approved.purge_on - today).days if approved else None,
        "form": form or (EmergencyEndForm(initial={"ends_on": today}) if may_request else None),
        "may_decide": pending is not None
        and has_any(request.user, access.EMERGENCY_APPROVERS)
        and pending.requested_by_id != request.user.pk,
        "may_withdraw": pending is not None and pending.requested_by_id == request.user.pk,
        "may_run": has_any(request.user, access.PURGE_RUNNERS),
        "runs": list(selectors.purge_runs(request.user)[:10]),
        "tables": _epidemic_tables(),
    }
    return render(request, "privacy/emergency.html", context)


@require_POST
@require_roles(*access.EMERGENCY_REQUESTERS)
def emergency_request(request):
    form = EmergencyEndForm(request.POST)
    if form.is_valid():
        try:
            services.emergency_end_request(
                ends_on=form.cleaned_data["ends_on"], note=form.cleaned_data["note"], by=request.user, request=request
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The request has been sent to the security administrator for approval."))
            return redirect("privacy:emergency")
    request.method = "GET"
    return emergency(request, form=form)


@require_POST
@require_roles(*access.EMERGENCY_APPROVERS)
def emergency_decide(request, pk: int):
    end = get_object_or_404(selectors.emergency_ends(request.user), pk=pk)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        messages.error(request, _("Choose to approve or to reject the request."))
        return redirect("privacy:emergency")
    try:
        services.emergency_end_decide(end=end, approve=decision == "approve", by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("The end of the emergency has been approved.") if decision == "approve" else _("The request has been rejected.")
        )
    return redirect("privacy:emergency")


@require_POST
@require_roles(*access.EMERGENCY_REQUESTERS)
def emergency_withdraw(request, pk: int):
    end = get_object_or_404(selectors.emergency_ends(request.user), pk=pk)
    try:
        services.emergency_end_withdraw(end=end, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The request has been withdrawn."))
    return redirect("privacy:emergency")


@require_GET
@require_roles(*access.EMERGENCY_READERS)
def emergency_certificate(request, pk: int):
    end = get_object_or_404(selectors.emergency_ends(request.user), pk=pk)
    if end.purged_at is None:
        raise Http404
    body = json.dumps({"certificate": end.certificate, "signature": end.signature}, ensure_ascii=False, indent=2)
    record_event(SecurityEvent.Kind.EXPORT, request=request, export="privacy.certificate", rows=len(end.certificate.get("tables", [])))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=purge-certificate-{end.ends_on.isoformat()}.json"
    return response


@require_POST
@require_roles(*access.PURGE_RUNNERS)
def purge_now(request):
    try:
        run = purge.run_purge(by=request.user)
    except purge.PurgeBusy:
        messages.error(request, _("The retention job is already running; try again in a few minutes."))
    else:
        messages.success(
            request,
            _("Retention job %(run)s: %(deleted)d rows deleted, %(deidentified)d de-identified.")
            % {"run": run.key, "deleted": run.total("deleted"), "deidentified": run.total("deidentified")},
        )
    return redirect("privacy:emergency")

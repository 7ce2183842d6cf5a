"""Unmasked exports: the request form (opened from an export's button, with the export's
filters), the queue the security administrator decides, and the requester's own requests
with the one download an approval allows."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.exports import export_kind, export_params
from fangxian.core.personal import RevealReason
from fangxian.core.views import error_text
from fangxian.org.access import has_any

from .. import access, exports
from ..models import ExportGrant


def _kind_of(request):
    kind = export_kind(request.GET.get("export", ""))
    if kind is None:
        raise Http404
    return kind


def _args_of(request) -> tuple[str, ...]:
    # Path arguments of the export (a roster's number, a list's name): short slugs only.
    raw = request.GET.get("args", "")
    args = tuple(a for a in raw.split(",") if a)
    if len(args) > 3 or not all(a.replace("_", "").replace("-", "").isalnum() and a.isascii() and len(a) < 40 for a in args):
        raise Http404
    return args


@require_http_methods(["GET", "POST"])
@require_roles(*access.EXPORT_REQUESTERS)
def export_request(request):
    kind = _kind_of(request)
    if not exports.may_request(request.user, kind):
        messages.error(request, _("Your role may not export %(export)s unmasked.") % {"export": kind.label})
        return redirect("privacy:export_grants")
    params, args = export_params(kind, request.GET), _args_of(request)
    error = ""
    if request.method == "POST":
        try:
            exports.grant_request(
                user=request.user,
                kind=kind,
                params=params,
                args=args,
                reason=request.POST.get("reason", ""),
                text=request.POST.get("reason_text", ""),
                request=request,
            )
        except ValidationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, _("The request has been sent to the security administrator for approval."))
            return redirect("privacy:export_grants")
    rows = kind.count(request.user, params, args) if kind.count else None
    context = {
        "kind": kind,
        "params": params,
        "rows": rows,
        "reasons": RevealReason.choices,
        "error": error,
        "chosen": request.POST.get("reason", ""),
        "text": request.POST.get("reason_text", ""),
        "query": urlencode({"export": kind.key, "args": ",".join(args), **params}),
    }
    return render(request, "privacy/export_request.html", context, status=400 if error else 200)


@require_GET
@require_roles(*access.EXPORT_PAGE_ROLES)
def export_grants(request):
    grants = ExportGrant.objects.visible_to(request.user).select_related("requested_by", "decided_by")
    may_decide = has_any(request.user, access.EXPORT_APPROVERS)
    rows = list(grants[:100])
    for grant in rows:
        kind = export_kind(grant.export)
        grant.label = kind.label if kind else grant.export
        grant.may_decide = may_decide and grant.status == ExportGrant.Status.PENDING and grant.requested_by_id != request.user.pk
        grant.may_download = grant.requested_by_id == request.user.pk and grant.usable and kind is not None
        grant.may_withdraw = grant.requested_by_id == request.user.pk and grant.status == ExportGrant.Status.PENDING
    pending = [g for g in rows if g.status == ExportGrant.Status.PENDING]
    return render(request, "privacy/export_grants.html", {"grants": rows, "pending": pending, "may_decide": may_decide})


@require_POST
@require_roles(*access.EXPORT_APPROVERS)
def export_grant_decide(request, pk: int):
    grant = get_object_or_404(ExportGrant.objects.visible_to(request.user), pk=pk)
    try:
        exports.grant_decide(grant=grant, approve=request.POST.get("decision") == "approve", by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Decision recorded; the requester has been notified."))
    return redirect("privacy:export_grants")


@require_POST
@require_roles(*access.EXPORT_REQUESTERS)
def export_grant_withdraw(request, pk: int):
    grant = get_object_or_404(ExportGrant.objects.filter(requested_by=request.user), pk=pk)
    try:
        exports.grant_withdraw(grant=grant, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("privacy:export_grants")


@require_GET
@require_roles(*access.EXPORT_REQUESTERS)
def export_grant_download(request, pk: int):
    """The one download: to the export's own view with the grant (it checks and uses it)."""
    grant = get_object_or_404(ExportGrant.objects.filter(requested_by=request.user), pk=pk)
    refusal = exports.grant_refusal(grant, request.user)
    if refusal is None and export_kind(grant.export) is None:
        raise Http404
    if refusal is not None:
        messages.error(request, refusal)
        return redirect("privacy:export_grants")
    return redirect(exports.download_url(grant))

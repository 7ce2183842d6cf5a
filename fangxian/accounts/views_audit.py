"""The audit admin's read-only view of the audit trail (the change log and the security
events the audit app keeps). It lives in accounts, with the other admin pages: audit is
the lower layer and imports no role code (.importlinter)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from auditlog.models import LogEntry
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fangxian.audit.forms import AuditFilterForm
from fangxian.audit.models import SecurityEvent

from .access import require_roles
from .roles import Role


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@require_GET  # read-only: there is no way to change the log through the platform
@require_roles(Role.AUDIT_ADMIN)
def log(request):
    form = AuditFilterForm(request.GET or None)
    source = "changes"
    changes = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")
    events = SecurityEvent.objects.select_related("user")
    if form.is_valid():
        data = form.cleaned_data
        source = data["source"] or ("events" if data["kind"] else "changes")
        if data["user"]:
            changes = changes.filter(Q(actor__username__icontains=data["user"]) | Q(actor__full_name__icontains=data["user"]))
            events = events.filter(username__icontains=data["user"])
        if data["kind"]:
            events = events.filter(kind=data["kind"])
        if data["model"]:
            changes = changes.filter(Q(content_type__model__icontains=data["model"]) | Q(object_repr__icontains=data["model"]))
        if data["request_id"]:
            changes = changes.filter(cid=data["request_id"])
            events = events.filter(request_id=data["request_id"])
        if data["date_from"]:
            changes = changes.filter(timestamp__gte=_day_start(data["date_from"]))
            events = events.filter(at__gte=_day_start(data["date_from"]))
        if data["date_to"]:
            end = _day_start(data["date_to"] + timedelta(days=1))
            changes = changes.filter(timestamp__lt=end)
            events = events.filter(at__lt=end)
    rows = changes if source == "changes" else events
    if form.is_bound and not form.is_valid():
        rows = rows.none()  # a filter that cannot be read shows its error, not the whole log
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {"form": form, "page": page, "source": source, "query": query.urlencode()})

"""The counselor's phone view: their students today as cards, one tap to change a status."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.params import date_param, id_param
from fangxian.core.views import error_text, safe_next
from fangxian.org.access import can_write, require_write
from fangxian.org.models import Unit

from .. import selectors, services
from ..access import STAFF_ROLES, WRITE_ROLES
from ..models import Status as S

MINE_LIMIT = 100


@require_roles(*STAFF_ROLES)
def mine(request):
    """The counselor's students today: search by name or 学号, filter by class and status,
    grouped by class; a long list says how much of it is shown."""
    today = timezone.localdate()
    only_mine = request.GET.get("only") == "mine"
    everyone = selectors.counselor_entries(request.user, today, only_mine=only_mine)
    classes = list(Unit.objects.filter(pk__in=everyone.values("klass_id")).order_by("name").only("pk", "name"))
    status_counts: dict[str, int] = {}
    for status in everyone.values_list("status", flat=True):
        status_counts[status] = status_counts.get(status, 0) + 1
    summary = [(S(s).label, s, status_counts[s]) for s in S.values if s in status_counts]
    query = (request.GET.get("q") or "").strip()[:50]
    klass = id_param(request.GET.get("klass"))
    status = request.GET.get("status") if request.GET.get("status") in S.values else ""
    rows = everyone
    if query:
        rows = rows.filter(Q(student__name__contains=query) | Q(student__student_number__startswith=query))
    if klass:
        rows = rows.filter(klass_id=klass)
    if status:
        rows = rows.filter(status=status)
    total = rows.count()
    entries = list(rows.order_by("student__klass__name", "student__name")[:MINE_LIMIT])
    _attach_leaves(entries)
    return render(
        request,
        "ledger/mine.html",
        {
            "entries": entries,
            "total": total,
            "limit": MINE_LIMIT,
            "today": today,
            "only_mine": only_mine,
            "summary": summary,
            "classes": classes,
            "query": query,
            "klass": klass,
            "status": status,
            "can_write": can_write(request.user, WRITE_ROLES),
        },
    )


def _attach_leaves(entries) -> None:
    """Mark the students out on an approved leave that runs now (gates' 外出申请): the card
    shows them as 外出 with their return time, whatever the ledger status says."""
    from fangxian.gates.selectors import running_leaves

    leaves = running_leaves([e.student_id for e in entries])
    for entry in entries:
        entry.leave = leaves.get(entry.student_id)
        # A high-risk student's 外出 asks for a confirmation and a return date (tags are prefetched).
        entry.high_risk = any(
            t.category.kind == "risk" and t.category.code in services.HIGH_RISK_CODES for t in getattr(entry.student, "tags_on_day", [])
        )


@require_roles(*WRITE_ROLES)
@require_POST
def entry_status(request, pk: int):
    """One tap: change a student's status (htmx: answers with the student's card)."""
    require_write(request.user, WRITE_ROLES)
    entry = get_object_or_404(selectors.visible_entries(request.user), pk=pk)
    error = None
    conflict = False
    try:
        services.entry_change_status(
            entry=entry,
            status=request.POST.get("status", ""),
            version=id_param(request.POST.get("version")) or 0,
            by=request.user,
            note=request.POST.get("note", "").strip()[:200],
            expected_return=date_param(request.POST.get("expected_return"), "expected_return"),
            confirmed=request.POST.get("confirmed") == "1",
        )
    except ValidationError as exc:
        error = error_text(exc)
        conflict = isinstance(exc, services.EntryConflict)
    if request.htmx:
        today = timezone.localdate()
        fresh = selectors.counselor_entries(request.user, today).get(pk=entry.pk)
        _attach_leaves([fresh])
        return render(
            request,
            "ledger/_student_card.html",
            {"entry": fresh, "error": error, "saved": error is None, "can_write": True},
            status=409 if conflict else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect(safe_next(request, reverse("ledger:mine")))
